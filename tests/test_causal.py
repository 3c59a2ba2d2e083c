"""Causal weighting (Wang, Sankaran & Perdikaris 2022): slab losses, weights, gradients, wiring."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from physax.nn import MLP
from physax.optim import Adam
from physax.pinn import CausalWeighting, Collocation, fit, make_trainer
from physax.problems import Advection1D, Poisson2D


def test_slab_losses_and_weights_by_hand():
    cw = CausalWeighting(epsilon=2.0, bins=4)
    t = jnp.array([0.1, 0.2, 0.3, 0.6, 0.9, 0.99, 1.0])  # slabs 0, 0, 1, 2, 3, 3, 3 (t = t1 joins the last)
    r2 = jnp.array([1.0, 3.0, 4.0, 0.5, 1.0, 2.0, 3.0])
    losses = cw.slab_losses(r2, t, 0.0, 1.0)
    np.testing.assert_allclose(losses, [2.0, 4.0, 0.5, 2.0])
    w = cw.weights(losses)
    np.testing.assert_allclose(w, np.exp(-2.0 * np.array([0.0, 2.0, 6.0, 6.5])))
    np.testing.assert_allclose(cw(r2, t, 0.0, 1.0), np.mean(w * losses))


def test_weights_carry_no_gradient():
    cw = CausalWeighting(epsilon=1.0, bins=2)
    t = jnp.array([0.25, 0.75])
    g = jax.grad(lambda r2: cw(r2, t, 0.0, 1.0))(jnp.array([1.0, 1.0]))
    # d/dr2 of mean(w * L) with w = stop_gradient(...): (w_0 / 2, w_1 / 2)
    np.testing.assert_allclose(g, [0.5, 0.5 * np.exp(-1.0)])


def test_bad_settings_are_rejected():
    with pytest.raises(ValueError, match="epsilon"):
        CausalWeighting(epsilon=0.0)
    with pytest.raises(ValueError, match="bins"):
        CausalWeighting(epsilon=1.0, bins=1)
    net = MLP(2, "scalar", 8, 2, key=jax.random.key(0))
    with pytest.raises(ValueError, match="time coordinate"):
        make_trainer(Poisson2D(), net, causal=CausalWeighting(1.0))


def test_causal_training_runs_and_reduces_the_loss():
    p = Advection1D(beta=1.0)
    net = MLP(2, "scalar", 16, 2, key=jax.random.key(0))
    res = fit(
        p,
        net,
        key=jax.random.key(1),
        collocation=Collocation(n_interior=256, n_initial=64),
        adam=Adam(steps=100, learning_rate=3e-3),
        lbfgs=None,
        causal=CausalWeighting(epsilon=1.0, bins=8),
        chunk=50,
        progress=False,
    )
    assert res.history[-1]["pde"] + res.history[-1]["ic"] < res.history[0]["pde"] + res.history[0]["ic"]


@pytest.mark.slow
def test_quasi_newton_phase_sees_a_loss_consistent_with_its_gradient():
    # Weights that follow the parameters but carry no gradient make value and gradient
    # disagree; SSBroyden's line search then fails at once (here: slope +0.07 measured
    # along a direction with g.d = -0.23) and the phase stalls at its first step. The
    # phase fixes the weights at its start, so the two agree and it descends.
    import equinox as eqx
    from jax.flatten_util import ravel_pytree

    from physax.nn import Normalize
    from physax.optim import SSBroyden
    from physax.pinn import run
    from physax.problems import Heat1D

    problem = Heat1D()
    dom = problem.domain
    net = eqx.nn.Sequential([Normalize(dom.lo, dom.hi), MLP(2, "scalar", 8, 2, key=jax.random.key(0))])
    phases = [Adam(5, 1e-2, float64=True), SSBroyden(10)]
    col = Collocation(n_interior=200, n_boundary=32, n_initial=32)
    trainer = make_trainer(problem, net, collocation=col, phases=phases, causal=CausalWeighting(5.0, 8))
    state = trainer.init(net, key=jax.random.key(1), observations=None)
    state, history = run(trainer, state, chunk=5, progress=False, track_error=False)
    assert state.causal_weights.shape == (8,) and not bool(state.opt_state.stalled)
    assert history[-1]["loss"] < 0.7 * history[0]["loss"]
    objective = trainer.objective(state.batch, state.data, None, state.causal_weights)
    x, unravel = ravel_pytree(state.params)
    f = lambda z: objective.value(unravel(z))
    g = jax.grad(f)(x)
    d = -g / jnp.linalg.norm(g)
    slope = (f(x + 1e-6 * d) - f(x - 1e-6 * d)) / 2e-6
    np.testing.assert_allclose(slope, g @ d, rtol=1e-6)
