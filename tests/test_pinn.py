"""PINN training on small problems: trained accuracy, inverse identification, compilation, divergence."""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from physax.nn import MLP, HardConstraint, Normalize
from physax.optim import LBFGS, Adam
from physax.pinn import Collocation, TrainingDiverged, fit, make_trainer, run
from physax.problems import Burgers, Heat1D, Observations, Parameter

SMALL = Collocation(n_interior=500, n_boundary=64, n_initial=64)


def _net(problem, seed=0, width=20, depth=3):
    dom = problem.domain
    return eqx.nn.Sequential(
        [Normalize(dom.lo, dom.hi), MLP(2, "scalar", width, depth, key=jax.random.key(seed))]
    )


def test_forward_heat_trains_below_1e_2():
    problem = Heat1D()
    result = fit(problem, _net(problem), key=jax.random.key(1), collocation=SMALL,
                 adam=Adam(1500, 3e-3, 0.5, 750), lbfgs=LBFGS(200), chunk=500, progress=False)  # fmt: skip
    assert result.history[-1]["rel_l2"] < 1e-2


@pytest.mark.slow
def test_inverse_heat_recovers_k_within_5_percent():
    problem = Heat1D(k=Parameter(0.1, trainable=True, init=0.5, positive=True))
    obs = problem.observations(300, key=jax.random.key(2), noise=0.01)
    result = fit(problem, _net(problem), key=jax.random.key(1), observations=obs, collocation=SMALL,
                 adam=Adam(1500, 3e-3, 0.5, 750), lbfgs=LBFGS(200), chunk=500, progress=False)  # fmt: skip
    assert abs(result.parameters["k"] - 0.1) / 0.1 < 0.05


def test_hard_constraint_satisfies_conditions_exactly():
    problem = Burgers()
    model = HardConstraint(_net(problem), problem.hard_constraint())
    x = jnp.linspace(-1, 1, 11)
    u0 = jax.vmap(model)(jnp.stack([jnp.zeros(11), x], 1))
    np.testing.assert_allclose(u0, -np.sin(np.pi * np.asarray(x)), atol=1e-6)
    ub = jax.vmap(model)(jnp.array([[0.5, -1.0], [0.7, 1.0]]))
    np.testing.assert_allclose(ub, 0.0, atol=1e-6)


@pytest.mark.slow  # moved out of the fast tier (its 8-minute budget); runs in .ci/run
def test_second_chunk_does_not_recompile():
    problem = Heat1D()
    net = _net(problem)
    trainer = make_trainer(problem, net, collocation=SMALL, adam=Adam(30), lbfgs=LBFGS(6))
    state = trainer.init(net, key=jax.random.key(0), observations=None)
    from physax.pinn._trainer import _chunk

    before = _chunk._cached._cache_size()
    state, _ = run(trainer, state, chunk=10, progress=False, track_error=False)  # 3 Adam + 2 L-BFGS chunks
    assert state.step == 36 and state.phase == "lbfgs"
    assert _chunk._cached._cache_size() == before + 2  # one compilation per phase


def test_divergence_stops_with_last_good_state():
    problem = Heat1D()
    net = _net(problem)
    with pytest.raises(TrainingDiverged) as info:
        fit(problem, net, key=jax.random.key(0), collocation=SMALL, adam=Adam(40, 1e30), lbfgs=None,
            chunk=10, progress=False, weights={"pde": float("inf")})  # fmt: skip
    err = info.value
    assert "diverged" in str(err) and err.state.step < err.step
    assert all(bool(jnp.all(jnp.isfinite(x))) for x in jax.tree.leaves(err.state.params))


def test_observations_validate_input():
    with pytest.raises(ValueError, match="NaN"):
        Observations(np.array([[0.0, np.nan]]), np.array([1.0]))
    with pytest.raises(ValueError, match="one value per point"):
        Observations(np.zeros((3, 2)), np.zeros(2))
    with pytest.raises(ValueError, match="coordinates"):
        Observations(np.zeros((3, 3)), np.zeros(3), dim=2)


@pytest.mark.slow
def test_float64_lbfgs_needs_no_global_x64_flag():
    """Precision is an argument: LBFGS(float64=True) scopes 64-bit JAX itself and restores it."""
    problem = Heat1D()
    with jax.enable_x64(False):
        result = fit(problem, _net(problem), key=jax.random.key(0), collocation=SMALL, adam=Adam(20),
                     lbfgs=LBFGS(5, float64=True), chunk=10, progress=False, track_error=False)  # fmt: skip
        assert not jax.config.jax_enable_x64
    assert all(x.dtype == jnp.float64 for x in jax.tree.leaves(result.state.params))
    assert result.history[-1]["step"] == 25 and np.isfinite(result.history["loss"]).all()
