"""The two optimisation loops of `solve`: sparse Newton, and gradient methods on the multigrid unknowns."""

from __future__ import annotations

import time

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optax
from jax.flatten_util import ravel_pytree

from ..optim import LBFGS
from ._blocks import BlockTriangular
from ._jacobian import SparseJacobian
from ._multigrid import Multigrid
from ._newton import Newton, NormalEquations, newton_direction
from ._reduced import reduced_split, run_reduced
from ._state import ODILDiverged, ODILState
from ._system import System


class Recorder:
    """Builds one history record per step/chunk, calls the callbacks, raises on divergence."""

    def __init__(self, system: System, reference, callbacks, bar, clock, history):
        self.system, self.callbacks, self.bar, self.clock = system, callbacks, bar, clock
        self.history = history
        ref_pts = None if reference is None else jnp.asarray(reference.points, jnp.float64)
        self.ref = None if reference is None else np.asarray(reference.flat_values, np.float64)
        problem = system.problem

        def measure(x):
            u, theta = system.unpack(x)
            params = problem.resolve(theta)
            found = {k: params[k] for k in system.names}
            pred = None
            if ref_pts is not None:
                from ._grid import interpolate

                pred = interpolate(system.grid, u, ref_pts)
            return system.terms(x), found, pred

        self.measure = jax.jit(measure)

    def __call__(self, x, step: int, phase: str, state: ODILState, last_good: ODILState) -> dict:
        terms, found, pred = self.measure(x)
        rec = {"step": step, "phase": phase, "wall_time_s": self.clock()}
        terms = {k: float(v) for k, v in terms.items()}
        rec["loss"] = float(sum(terms.values()))
        rec.update(terms)
        rec.update({k: float(v) for k, v in found.items()})
        if pred is not None:
            p = np.asarray(pred).reshape(self.ref.shape)
            rec["rel_l2"] = float(np.linalg.norm(p - self.ref) / np.linalg.norm(self.ref))
        if not np.isfinite(rec["loss"]):
            raise ODILDiverged(step, last_good, rec)
        self.history.append(rec)
        self.bar.update(rec)
        for cb in self.callbacks:
            cb(rec, state)
        return rec


def run_newton(
    system: System, opt: Newton, state: ODILState, record: Recorder, key, stats: dict
) -> ODILState:
    t0 = time.perf_counter()
    jac = SparseJacobian(system, key=key)
    loss_fn = jax.jit(lambda x: jnp.sum(system.residual(x) ** 2))
    x = jnp.asarray(state.x, jnp.float64)
    loss_fn.lower(x).compile()
    stats.update(compile_s=time.perf_counter() - t0, jacobian_nnz=jac.nnz, colours=jac.n_colours)
    split = reduced_split(system, jac)
    if split is not None:
        return run_reduced(system, opt, state, record, jac, split, stats)
    square, mu = system.m == system.n, float(state.damping) or opt.damping
    blocks, grid = None, system.grid
    if square and grid.time_dependent and not system.names:
        col = np.arange(system.n) % grid.size
        col_level = col // (grid.size // grid.shape[0])
        r, data = jac.values(x)
        blocks = BlockTriangular.build(jac.matrix(data), col_level, grid.shape[0])
    stats["block_triangular"] = blocks is not None
    solve_s = 0.0
    for step in range(state.step + 1, opt.steps + 1):
        r, data = jac.values(x)
        r = np.asarray(r)
        loss0 = float(r @ r)
        if not np.isfinite(loss0):
            raise ODILDiverged(step, state, {"step": step, "loss": loss0})
        J = jac.matrix(data)
        ts = time.perf_counter()
        new, d = None, None
        if square:
            d = blocks.solve(J, -r) if blocks is not None else newton_direction(J, r)
            a = 1.0
            for _ in range(opt.max_backtracks + 1 if d is not None else 0):
                cand = x + a * d
                if float(loss_fn(cand)) < loss0:
                    new, d = cand, a * d
                    break
                a /= 2
        if new is None:
            normal = NormalEquations(J, r)
            for _ in range(16):
                d = normal.solve(mu)
                for a in (1.0, 0.5, 0.25, 0.125, 0.0625) if d is not None else ():
                    if float(loss_fn(x + a * d)) < loss0:
                        new, d = x + a * d, a * d
                        break
                if new is not None:
                    mu = max(mu / 10, 1e-15) if a == 1.0 else mu
                    break
                mu = max(mu * 10, 1e-12)
        solve_s += time.perf_counter() - ts
        if new is None:  # no step lowers the loss: at the minimum to round-off
            break
        x = new
        state = ODILState(x, None, mu, step, "newton")
        record(x, step, "newton", state, state)
        if np.max(np.abs(d)) <= opt.tol * (1 + float(jnp.max(jnp.abs(x)))):
            break
    stats["linear_solve_s"] = stats.get("linear_solve_s", 0.0) + solve_s
    return state


def run_gradient(system: System, opt, state: ODILState, record: Recorder, *, levels, chunk: int) -> ODILState:
    """Adam or L-BFGS (`physax.optim`) on the multigrid unknowns (see `physax.odil._multigrid`)."""
    mg = Multigrid(system.grid, levels, system.lead)
    u0, theta0 = system.unpack(jnp.asarray(gradient_field(system, state, levels)))
    tvec = jnp.asarray([theta0[k] for k in system.names], jnp.float64)
    params0 = (mg.split(u0), tvec)
    flat0, unravel = ravel_pytree(params0)
    lbfgs = isinstance(opt, LBFGS)
    phase = "lbfgs" if lbfgs else "adam"
    tx = opt.build()
    names = system.names

    def to_x(p):
        return system.pack(mg.prolong(p[0]), {k: p[1][i] for i, k in enumerate(names)})

    def loss(p):
        return jnp.sum(system.residual(to_x(p)) ** 2)

    if state.opt_state is not None and state.phase == phase and state.x.shape == flat0.shape:
        params, opt_state = unravel(state.x), state.opt_state
    else:
        params, opt_state = params0, tx.init(params0)

    @eqx.filter_jit
    def run_chunk(params, opt_state, n):
        if lbfgs:
            vg = optax.value_and_grad_from_state(loss)

            def step(_, carry):
                p, s = carry
                value, grad = vg(p, state=s)
                upd, s = tx.update(grad, s, p, value=value, grad=grad, value_fn=loss)
                return optax.apply_updates(p, upd), s
        else:

            def step(_, carry):
                p, s = carry
                grad = jax.grad(loss)(p)
                upd, s = tx.update(grad, s, p)
                return optax.apply_updates(p, upd), s

        return jax.lax.fori_loop(0, n, step, (params, opt_state))

    step = state.step if state.phase == phase else 0
    good = ODILState(ravel_pytree(params)[0], opt_state, 0.0, step, phase)  # steps = 0: the template
    while step < opt.steps:
        n = min(chunk, opt.steps - step)
        params, opt_state = run_chunk(params, opt_state, jnp.asarray(n))
        step += n
        flat, _ = ravel_pytree(params)
        cur = ODILState(flat, opt_state, 0.0, step, phase)
        record(to_x(params), step, phase, cur, good)
        good = cur
    return good


def gradient_field(system: System, state: ODILState, levels) -> jnp.ndarray:
    """The unknown vector ``x`` of a gradient-method state (its multigrid unknowns prolonged)."""
    if state.phase not in ("adam", "lbfgs"):
        return state.x
    mg = Multigrid(system.grid, levels, system.lead)
    zero = (mg.split(jnp.zeros(((system.channels,) if system.lead else ()) + system.grid.shape)), None)
    zero = (zero[0], jnp.zeros(len(system.names)))
    _, unravel = ravel_pytree(zero)
    vs, t = unravel(state.x)
    return system.pack(mg.prolong(vs), {k: t[i] for i, k in enumerate(system.names)})
