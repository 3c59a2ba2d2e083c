"""Forward-mode Taylor derivatives against analytic functions and reverse-mode autodiff."""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from physax.nn import MLP, FourierFeatures, HardConstraint, Normalize, PeriodicEmbedding
from physax.pinn import evaluate


def _all(u):
    return jnp.stack([u(), u.d("t"), u.d("x"), u.d("x", "x"), u.d("t", "x"), u.d("t", "t")])


def test_analytic_function_derivatives():
    # u = sin(x) exp(-t): any callable model goes through the generic jvp rule
    fn = lambda z: jnp.sin(z[1]) * jnp.exp(-z[0])
    z = jnp.array([0.3, 1.1])
    got = evaluate(_all, fn, z, ("t", "x"))
    s, c, e = np.sin(1.1), np.cos(1.1), np.exp(-0.3)
    np.testing.assert_allclose(got, [s * e, -s * e, c * e, -s * e, -c * e, s * e], rtol=1e-12)


@pytest.mark.slow
@pytest.mark.parametrize("act", [jnp.tanh, jnp.sin, jax.nn.gelu])
def test_network_chain_matches_autodiff(act):
    k = jax.random.key(0)
    f64 = jnp.float64
    net = eqx.nn.Sequential(
        [
            Normalize((0.0, -1.0), (1.0, 1.0), dtype=f64),
            PeriodicEmbedding((1,), (2.0,), harmonics=2),
            FourierFeatures(5, 4, 1.0, key=k, dtype=f64),
            MLP(8, "scalar", 16, 3, act, key=k, dtype=f64),
        ]
    )
    model = HardConstraint(net, lambda z, n: -jnp.sin(jnp.pi * z[1]) + z[0] * (1 - z[1] ** 2) * n)
    for z in jax.random.uniform(jax.random.key(1), (4, 2), f64):
        got = evaluate(_all, model, z, ("t", "x"))
        g, h = jax.grad(model)(z), jax.hessian(model)(z)
        ref = jnp.stack([model(z), g[0], g[1], h[1, 1], h[0, 1], h[0, 0]])
        np.testing.assert_allclose(got, ref, rtol=1e-9, atol=1e-10)


def test_vector_output_and_coordinates():
    net = MLP(2, 2, 8, 2, key=jax.random.key(0), dtype=jnp.float64)
    z = jnp.array([0.2, 0.4])
    out = evaluate(lambda u: (u.d("x", "x")[1], u.coord("x")), net, z, ("t", "x"))
    np.testing.assert_allclose(out[0], jax.hessian(lambda z: net(z)[1])(z)[1, 1], rtol=1e-10)
    assert float(out[1]) == pytest.approx(0.4)


def test_unknown_coordinate_is_a_clear_error():
    with pytest.raises(ValueError, match="no coordinate 'y'"):
        evaluate(lambda u: u.d("y"), lambda z: z[0], jnp.zeros(2), ("t", "x"))
