r"""Newton for problems whose PDE and conditions determine the field from a few controls (reduced space).

When the PDE and condition rows $S(u, c) = 0$ are square in the grid values ``u`` once
some unknowns ``c`` (the *controls*) are held fixed, and observations (plus, optionally,
Tikhonov rows on the controls) add misfit rows $d(u, c)$, `Newton` eliminates the field:
for the current controls it solves the forward system by Newton (warm-started; block
substitution in time where it applies), computes the sensitivities
$\partial u / \partial c = -S_u^{-1} S_c$ with the same factorisation (one solve with a
right-hand side per control), and takes a Levenberg-Marquardt step on the controls for
the misfit with the Jacobian $d_u\, \partial u/\partial c + d_c$. The PDE and conditions
then hold exactly (to round-off) and the controls minimise the misfit: the constrained
form of ODIL's loss (Karnakov, Litvinov & Koumoutsakos, PNAS Nexus 2024).

Two kinds of controls are recognised:

- unknown PDE parameters, when the PDE and conditions are square in all grid values
  (inverse problems with a well-posed forward problem);
- the interior nodes of the first time level, when a time-dependent problem is solved
  without its initial condition (data assimilation): the PDE, marching forward, and the
  boundary conditions then determine every later level from the initial state, and the
  ``smooth`` rows (on the first level only, see `physax.odil.solve`) are the prior on it.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from ._blocks import BlockTriangular, factorised
from ._state import ODILState


def reduced_split(system, jac) -> tuple[int, np.ndarray, np.ndarray] | None:
    """``(m_s, state columns, control columns)`` when the reduced form applies, else ``None``."""
    names = [g.name for g in system.groups]
    if "data" not in names:
        return None
    k = min(names.index(n) for n in ("data", "smooth") if n in names)
    if any(n not in ("data", "smooth") for n in names[k:]):
        return None
    m_s, n_grid, grid = int(sum(system.sizes[:k])), system.n_grid, system.grid
    params = np.arange(n_grid, system.n)
    if m_s == n_grid:
        if not system.names or "smooth" in names:
            return None
        return m_s, np.arange(n_grid), params
    if not grid.time_dependent or m_s > n_grid or system.channels != 1:
        return None
    # rows of the first level (they touch no later level) pin their centre nodes; the rest
    # of the first level is free: the controls
    level = np.arange(n_grid) // (grid.size // grid.shape[0])
    keep = (jac.rows < m_s) & (jac.cols < n_grid)
    touched = np.zeros(m_s, np.int64)
    np.maximum.at(touched, jac.rows[keep], level[jac.cols[keep]])
    centres = system.centres[np.flatnonzero(touched == 0)]
    if np.any(centres[:, 0] != 0):
        return None
    pinned = np.zeros(n_grid, bool)
    pinned[np.ravel_multi_index(tuple(centres.T), grid.shape)] = True
    free = np.flatnonzero((level == 0) & ~pinned)
    states = np.flatnonzero(~np.isin(np.arange(n_grid), free))
    if len(states) != m_s or not len(free):
        return None
    return m_s, states, np.concatenate([free, params])


class _Forward:
    """Newton on the state columns for fixed controls (warm-started), with its factorisation."""

    def __init__(self, system, opt, jac, split, x0):
        self.system, self.opt, self.jac = system, opt, jac
        self.m_s, self.states, self.controls = split
        m_s = self.m_s
        self.loss_sq = jax.jit(lambda x: jnp.sum(system.residual(x)[:m_s] ** 2))
        self.loss_sq.lower(jnp.asarray(x0)).compile()
        self.blocks, self.steps = None, 0

    def __call__(self, x: np.ndarray):
        """``(x, r, J, solve, converged)`` with the PDE and condition rows solved at the controls of `x`."""
        grid, m_s, states, n_grid = self.system.grid, self.m_s, self.states, self.system.n_grid
        x, converged = x.copy(), False
        for _ in range(50):
            r, data = self.jac.values(jnp.asarray(x))
            J = self.jac.matrix(data)
            S = J[:m_s][:, states].tocsr()
            if self.blocks is None and grid.time_dependent:
                col_level = (states % grid.size) // (grid.size // grid.shape[0])
                self.blocks = BlockTriangular.build(S, col_level, grid.shape[0]) or False
            rs = r[:m_s]
            ls = float(rs @ rs)
            solve = factorised(S, self.blocks or None)
            d = solve(-rs)
            if d is None:  # singular at these controls: not converged (the caller damps)
                break
            if ls == 0 or np.max(np.abs(d)) <= 1e-11 * (1 + np.max(np.abs(x[:n_grid]))):
                converged = True
                break
            a = 1.0
            for _ in range(self.opt.max_backtracks + 1):
                cand = x.copy()
                cand[states] += a * d
                if float(self.loss_sq(jnp.asarray(cand))) < ls:
                    break
                a /= 2
            else:  # no step along the Newton direction lowers the residual: round-off, or stuck
                converged = bool(np.max(np.abs(d)) <= 1e-7 * (1 + np.max(np.abs(x[:n_grid]))))
                break
            x = cand
            self.steps += 1
        return x, r, J, solve, converged


def _along(forward, x: np.ndarray, step_x: np.ndarray, depth: int = 3):
    """The forward solve at ``x + step_x`` from the solved ``x``, halving the control step
    (and its linearised field) while Newton fails to converge from the warm start."""
    out = forward(x + step_x)
    if out[-1] or depth == 0:
        return out
    mid = _along(forward, x, 0.5 * step_x, depth - 1)
    if not mid[-1]:
        return mid
    return _along(forward, mid[0], 0.5 * step_x, depth - 1)


def run_reduced(system, opt, state: ODILState, record, jac, split, stats: dict) -> ODILState:
    m_s, states, controls = split
    forward = _Forward(system, opt, jac, split, state.x)
    mu = float(state.damping) or opt.damping
    is_param = controls >= system.n_grid
    x, r, J, solve, ok = forward(np.asarray(state.x, np.float64))
    if not ok:
        raise np.linalg.LinAlgError(
            "the forward solve does not converge from the starting point; start from other parameters."
        )
    for step in range(state.step + 1, opt.steps + 1):
        rd = r[m_s:]
        misfit = float(rd @ rd)
        Y = solve(-J[:m_s][:, controls].toarray())
        JD = J[m_s:]
        G = JD[:, states] @ Y + JD[:, controls].toarray()
        A, g = G.T @ G, G.T @ rd
        diag = np.diag(np.maximum(np.diag(A), 1e-30))
        new = None
        for _ in range(16):  # Levenberg-Marquardt: raise the damping until the misfit drops
            dc = np.linalg.solve(A + mu * diag, -g)
            if np.any(is_param):  # unknown parameters move at most 2 in raw units per step
                dc *= min(1.0, 2.0 / max(np.max(np.abs(dc[is_param])), 1e-300))
            step_x = np.zeros_like(x)
            step_x[states] = Y @ dc  # the linearised field: a warm start for the forward solve
            step_x[controls] = dc
            cand, r_c, J_c, solve_c, ok = _along(forward, x, step_x)
            if ok and float(r_c[m_s:] @ r_c[m_s:]) < misfit:
                new = (cand, r_c, J_c, solve_c)
                mu = max(mu / 10, 1e-15)
                break
            mu = max(mu * 10, 1e-12)
        if new is None:  # no damping lowers the misfit: at its minimum to round-off
            break
        x, r, J, solve = new
        state = ODILState(jnp.asarray(x), None, mu, step, "newton")
        record(jnp.asarray(x), step, "newton", state, state)
        drop = misfit - float(r[m_s:] @ r[m_s:])
        if np.max(np.abs(dc)) <= opt.tol * (1 + np.max(np.abs(x[controls]))) or drop <= opt.tol * misfit:
            break
    stats["forward_newton_steps"] = forward.steps
    stats["block_triangular"] = bool(forward.blocks)
    stats["controls"] = int(len(controls))
    return state
