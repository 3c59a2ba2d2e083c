"""Dense quasi-Newton phases across a redraw of the points: fresh start or kept curvature."""

import dataclasses

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from physax.nn import MLP, Normalize
from physax.optim import Adam, Objective, SSBroyden
from physax.pinn import Collocation, ResidualAdaptive, make_trainer, run
from physax.problems import Heat1D


def _quadratic(A, b):
    return Objective(lambda p: 0.5 * p["w"] @ A @ p["w"] - b @ p["w"])


def test_restart_keeps_the_inverse_hessian_only_when_asked():
    with jax.enable_x64(True):
        A = jnp.diag(jnp.array([1.0, 10.0, 100.0]))
        b = jnp.array([1.0, -2.0, 3.0])
        old, new = _quadratic(A, jnp.zeros(3)), _quadratic(A, b)
        keep, plain = SSBroyden(keep_curvature=True), SSBroyden()

        @jax.jit
        def go(params):  # one compilation: four steps on the old objective, then both restarts
            state = keep.init(params, old)
            params, state = jax.lax.fori_loop(0, 4, lambda _, c: keep.step(*c, old), (params, state))
            return params, state, keep.restart(params, state, new), plain.restart(params, state, new)

        params, state, kept, fresh = go({"w": jnp.array([1.0, 1.0, 1.0])})
        # same curvature, loss and gradient of the new objective, a live (not stalled) state
        np.testing.assert_array_equal(kept.H, state.H)
        np.testing.assert_allclose(kept.grad, A @ params["w"] - b, rtol=1e-12)
        np.testing.assert_allclose(kept.value, new.value(params), rtol=1e-12)
        assert not bool(kept.fresh) and not bool(kept.stalled) and int(kept.restarts) == int(state.restarts)
        # the default: a fresh, Cauchy-scaled identity on the new objective (as init gives it)
        g = A @ params["w"] - b
        np.testing.assert_allclose(fresh.H, (g @ g) / (g @ A @ g) * np.eye(3), rtol=1e-12)
        assert bool(fresh.fresh) and not np.allclose(fresh.H, state.H)


@pytest.mark.slow
def test_a_pinn_redraw_during_ssbroyden_carries_the_curvature_over():
    problem = Heat1D()
    dom = problem.domain
    net = eqx.nn.Sequential([Normalize(dom.lo, dom.hi), MLP(2, "scalar", 8, 2, key=jax.random.key(0))])
    col = Collocation(128, 32, 32, resample_every=10, adaptive=ResidualAdaptive(), lbfgs_resample_every=10)
    final = {}
    for keep in (False, True):
        phases = [Adam(10, 1e-2, float64=True), SSBroyden(30, keep_curvature=keep)]
        trainer = make_trainer(problem, net, collocation=col, phases=phases)
        state = trainer.init(net, key=jax.random.key(1), observations=None)
        state, history = run(trainer, state, chunk=10, progress=False, track_error=False)
        assert [r["phase"] for r in history] == ["adam"] + ["ssbroyden"] * 3
        assert np.isfinite(history[-1]["loss"]) and history[-1]["loss"] < history[0]["loss"]
        final[keep] = state
        # at a redraw the trainer hands the phase's restart the state it ended the chunk with
        with jax.enable_x64(True):
            carried = trainer.phase_restart(dataclasses.replace(state, batch=state.batch))
        assert np.array_equal(carried.H, state.opt_state.H) == keep
    assert not np.allclose(final[True].opt_state.H, final[False].opt_state.H)
