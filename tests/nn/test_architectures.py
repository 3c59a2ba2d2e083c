"""PINN architectures: random weight factorisation, modified MLP, PirateNet, periodic embedding.

Each is checked for its defining property and for its Taylor-mode input derivatives
against ``jax.jacfwd`` / ``jax.hessian`` in float64.
"""

import functools

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from physax.nn import (
    MLP,
    Dense,
    FactorisedMLP,
    ModifiedMLP,
    PeriodicEmbedding,
    PirateNet,
    RandomWeightFactorisation,
    propagate,
)
from physax.nn.jet import Jet

F64 = jnp.float64
RWF = RandomWeightFactorisation(mean=0.5, std=0.1)


def _jet_matches_autodiff(net, d: int, n_out: int) -> None:
    """Value, every first and every second input derivative of ``net`` by the jet vs autodiff."""
    pairs = tuple((a, b) for a in range(d) for b in range(a, d))

    @jax.jit
    def both(z):
        jet = propagate(net, Jet.seed(z, list(jnp.eye(d, dtype=F64)), pairs))
        mine = (jet.v, jnp.stack(jet.d1, -1), jnp.stack(jet.d2, -1))
        hess = jnp.reshape(jax.hessian(net)(z), (n_out, d, d))
        ref = (net(z), jax.jacfwd(net)(z), jnp.stack([hess[:, a, b] for a, b in pairs], -1))
        return mine, ref

    mine, ref = both(jax.random.uniform(jax.random.key(7), (d,), F64, -1.0, 1.0))
    for got, want in zip(mine, ref):
        np.testing.assert_allclose(jnp.reshape(got, -1), jnp.reshape(want, -1), rtol=0, atol=1e-10)


def _trained_alphas(net: PirateNet, value: float) -> PirateNet:
    return eqx.tree_at(
        lambda m: [b.alpha for b in m.blocks], net, [jnp.asarray(value, F64)] * len(net.blocks)
    )


@functools.cache
def _pirate_on_periodic():
    pirate = PirateNet(5, "scalar", 6, 1.0, 2, rwf=RWF, key=jax.random.key(0), dtype=F64)
    return eqx.nn.Sequential([PeriodicEmbedding((1,), (2.0,), harmonics=2), _trained_alphas(pirate, 0.3)])


def test_pirate_taylor_derivatives_match_autodiff():
    # covers Dense with factorisation, the gates (product rule), Fourier features, periodic embedding
    _jet_matches_autodiff(_pirate_on_periodic(), 2, 1)


@pytest.mark.slow
@pytest.mark.parametrize(
    "make, n_out",
    [
        (lambda k: FactorisedMLP(3, "scalar", 12, 2, rwf=RWF, key=k, dtype=F64), 1),
        (lambda k: ModifiedMLP(3, 2, 12, 3, jnp.sin, rwf=RWF, key=k, dtype=F64), 2),
    ],
    ids=["factorised-mlp", "modified-mlp"],
)
def test_taylor_derivatives_match_autodiff(make, n_out):
    _jet_matches_autodiff(make(jax.random.key(0)), 3, n_out)


@pytest.mark.slow
def test_shapes_and_bad_sizes():
    k = jax.random.key(0)
    z = jnp.zeros(3)
    assert ModifiedMLP(3, "scalar", 8, 2, key=k)(z).shape == ()
    assert jax.vmap(PirateNet(3, 2, 4, 1.0, 1, key=k))(jnp.zeros((5, 3))).shape == (5, 2)
    with pytest.raises(ValueError, match="depth >= 1"):
        ModifiedMLP(3, 1, 8, 0, key=k)
    with pytest.raises(ValueError, match="std"):
        RandomWeightFactorisation(1.0, -0.1)


@pytest.mark.slow
def test_weight_factorisation_reparametrises_the_same_function():
    k = jax.random.key(3)
    plain, fact = Dense(5, 4, key=k, dtype=F64), Dense(5, 4, rwf=RWF, key=k, dtype=F64)
    np.testing.assert_allclose(fact.kernel, plain.weight, rtol=1e-14)  # same W = diag(e^s) V at init
    assert fact.log_scale is not None and not np.allclose(fact.weight, plain.weight)
    net = FactorisedMLP(2, "scalar", 8, 2, rwf=RWF, key=k, dtype=F64)
    ref = MLP(2, "scalar", 8, 2, key=k, dtype=F64)
    ref = eqx.tree_at(lambda m: m.weights, ref, [layer.kernel for layer in net.layers])
    z = jnp.array([0.3, -0.2])
    np.testing.assert_allclose(net(z), ref(z), rtol=1e-13)


@functools.cache
def _pirate2() -> PirateNet:
    return PirateNet(2, 2, 16, 1.0, 2, rwf=RWF, key=jax.random.key(4), dtype=F64)


def test_pirate_is_linear_in_its_embedding_at_initialisation():
    net = _pirate2()
    assert all(float(b.alpha) == 0.0 for b in net.blocks)
    zs = jax.random.normal(jax.random.key(2), (4, 2), F64)

    @jax.jit
    def parts(net):
        phi = jax.vmap(net.embedding)(zs)
        return jax.vmap(net.features)(zs) - phi, jax.vmap(net)(zs), jax.vmap(net.output)(phi)

    gap, out, linear = parts(net)
    np.testing.assert_allclose(gap, 0.0, rtol=0, atol=1e-15)
    np.testing.assert_allclose(out, linear, rtol=1e-13)
    _, moved, _ = parts(_trained_alphas(net, 0.5))
    assert not np.allclose(moved, out)


def test_physics_informed_initialisation_is_the_least_squares_fit():
    xs = jax.random.uniform(jax.random.key(5), (60, 2), F64, -1.0, 1.0)
    net = _pirate2()

    @jax.jit
    def fit(y):
        fitted = net.fit_output(xs, y)
        return jax.vmap(fitted)(xs), jax.vmap(fitted.features)(xs)

    generic = jnp.stack([jnp.sign(xs[:, 1]), xs[:, 0] ** 3], 1)
    out, h = fit(generic)  # 60 points, 33 features: the residual is orthogonal to every feature
    design = jnp.concatenate([h, jnp.ones((60, 1))], 1)
    np.testing.assert_allclose(design.T @ (out - generic), 0.0, atol=1e-8)
    assert float(jnp.mean((out - generic) ** 2)) < 0.5 * float(jnp.mean(generic**2))
    exact = design @ jax.random.normal(jax.random.key(6), (33, 2), F64)  # data a linear model can fit
    np.testing.assert_allclose(fit(exact)[0], exact, rtol=0, atol=1e-9)
    with pytest.raises(ValueError, match="fit_output needs"):
        net.fit_output(xs, generic[:10, 0])


def test_periodic_embedding_is_exactly_periodic():
    net = jax.jit(jax.vmap(_pirate_on_periodic()))
    z = jax.random.uniform(jax.random.key(9), (8, 2), F64, -1.0, 1.0)
    shifts = jnp.array([[0.0, 2.0], [0.0, -4.0], [0.0, 6.0]], F64)
    base = net(z)
    for s in shifts:  # period 2 in x: values agree to round-off
        np.testing.assert_allclose(net(z + s), base, rtol=1e-12, atol=1e-14)
    assert not np.allclose(net(z + jnp.array([0.0, 1.0])), base)  # and it is not constant in x


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"model.kind": "pirat"}, "Did you mean 'pirate'"),
        (
            {"model.kind": "pirate", "model.fourier_features": 4, "model.pirate_init": "ic"},
            "hard_constraints=false",
        ),
        ({"model.pirate_init": "data"}, "model.kind='pirate' only"),
        ({"model.kind": "pirate", "model.fourier_features": 0}, "fourier_features > 0"),
    ],
)
def test_model_keys_are_validated(overrides, message):
    from physax.experiments import ConfigError, load
    from physax.experiments._pinn_build import build_model, build_problem

    cfg = load("allen-cahn", overrides).config
    with pytest.raises(ConfigError, match=message):
        build_model(cfg, build_problem(cfg), jax.random.key(0))
