"""Pooling, upsampling, strided convolution and the encoder-decoder: exact values, shift
equivariance where it holds, clear errors, and an autoencoder that learns a 2-d manifold."""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from physax import nn

KEY = jax.random.key(0)


def test_pooling_values_and_upsample_round_trip():
    x = jnp.array([[1.0, 3.0, -2.0, 0.5, 4.0, 4.0]])
    np.testing.assert_array_equal(nn.AvgPool(1, 2)(x), [[2.0, -0.75, 4.0]])
    np.testing.assert_array_equal(nn.MaxPool(1, 3)(x), [[3.0, 4.0]])
    np.testing.assert_array_equal(nn.Upsample(1, 2)(jnp.array([[1.0, 2.0]])), [[1.0, 1.0, 2.0, 2.0]])
    y = jnp.arange(2 * 4 * 6.0).reshape(2, 4, 6)
    blocks = y.reshape(2, 2, 2, 3, 2).mean(axis=(2, 4))
    np.testing.assert_allclose(nn.AvgPool(2, 2)(y), blocks)
    np.testing.assert_array_equal(nn.MaxPool(2, 2)(y), y[:, 1::2, 1::2])
    z = jax.random.normal(KEY, (3, 5, 7))
    np.testing.assert_allclose(nn.AvgPool(2, 3)(nn.Upsample(2, 3)(z)), z, rtol=1e-12)
    assert nn.Upsample(2, 2)(z).shape == (3, 10, 14)


def test_pooling_is_equivariant_to_shifts_by_its_factor_only():
    x = jax.random.normal(KEY, (1, 16, 16))
    pool = nn.MaxPool(2, 2)
    shifted = pool(jnp.roll(x, (2, 4), axis=(1, 2)))
    np.testing.assert_array_equal(shifted, jnp.roll(pool(x), (1, 2), axis=(1, 2)))
    assert not np.allclose(pool(jnp.roll(x, 1, axis=1)), jnp.roll(pool(x), 1, axis=1))


@eqx.filter_jit
def _strided_and_subsampled(down, full, x, s):
    d = x.ndim - 1
    sub = full(x)[(slice(None),) + (slice(None, None, s),) * d]
    last = jnp.moveaxis(down.channels_last(jnp.moveaxis(x, 0, -1)), -1, 0)
    return down(x), sub, last


@pytest.mark.parametrize(
    ("d", "boundary", "k", "s"),
    [(1, "periodic", 5, 3), pytest.param(2, "neumann", 4, 2, marks=pytest.mark.slow)],
)
def test_strided_conv_is_conv_then_subsample(d, boundary, k, s):
    down = nn.StridedConv(d, 2, 3, k, s, boundary=boundary, key=KEY)
    full = nn.Conv(d, 2, 3, k, boundary=boundary, key=KEY)
    full = eqx.tree_at(lambda c: (c.conv.weight, c.conv.bias), full, (down.conv.weight, down.conv.bias))
    x = jax.random.normal(jax.random.key(1), (2,) + (12,) * d, jnp.float32)
    y, sub, last = _strided_and_subsampled(down, full, x, s)
    assert y.shape == (3,) + (12 // s,) * d
    np.testing.assert_allclose(y, sub, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(last, y, rtol=1e-5, atol=1e-6)
    if boundary == "periodic":  # equivariant to shifts by the stride
        y2 = _strided_and_subsampled(down, full, jnp.roll(x, s, axis=1), s)[0]
        np.testing.assert_allclose(y2, jnp.roll(y, 1, axis=1), atol=1e-5)


@pytest.fixture(scope="module")
def tiny():
    """A 1-d encoder-decoder through a latent of 2 numbers (building networks costs seconds)."""
    return nn.EncoderDecoder(1, 1, 1, spatial_size=8, latent_size=2, width=2, levels=1, key=KEY)


def test_bad_input_gives_a_clear_error():
    with pytest.raises(ValueError, match="divisible by 2"):
        nn.AvgPool(1, 2)(jnp.ones((1, 5)))
    with pytest.raises(ValueError, match="channel-first sample"):
        nn.MaxPool(2, 2)(jnp.ones((4, 4)))
    with pytest.raises(ValueError, match="factor must be an int >= 1"):
        nn.Upsample(1, 0)
    with pytest.raises(ValueError, match="stride must be ints >= 1"):
        nn.StridedConv(1, 1, 1, 3, 0, key=KEY)
    with pytest.raises(ValueError, match="divisible by 4"):
        nn.EncoderDecoder(2, 1, 1, spatial_size=30, latent_size=4, key=KEY)


@pytest.mark.slow  # building even a tiny network costs seconds (eager initialisation)
def test_encoder_decoder_shapes_bottleneck_and_errors(tiny):
    with pytest.raises(ValueError, match="spatial_size=16"):
        tiny(jnp.ones((1, 16)))
    with pytest.raises(ValueError, match="latent vector of shape"):
        tiny.decode(jnp.ones(5))
    x = jnp.linspace(-1, 1, 8)[None]
    z, out, dec = eqx.filter_jit(lambda m, v: (m.encode(v), m(v), m.decode(m.encode(v))))(tiny, x)
    assert z.shape == (2,) and out.shape == (1, 8)
    np.testing.assert_allclose(out, dec, rtol=1e-6)
    # everything passes through 2 numbers: the Jacobian of the whole network has rank 2
    jac = eqx.filter_jit(jax.jacfwd(lambda m, v: m(v.reshape(1, 8)).reshape(-1), argnums=1))(tiny, x[0])
    assert np.linalg.matrix_rank(np.asarray(jac), tol=1e-5) == 2


@pytest.mark.slow
def test_encoder_decoder_learns_a_two_parameter_family():
    """u(x) = a sin(2 pi x) + b cos(2 pi x) lives on a 2-d plane: a latent of 2 reconstructs it
    to a few per cent after 600 Adam steps (about 40 % of the signal when untrained)."""
    x = jnp.linspace(0, 1, 32, endpoint=False)
    ab = jax.random.uniform(jax.random.key(3), (256, 2), jnp.float32, -1, 1)
    data = (ab[:, :1] * jnp.sin(2 * jnp.pi * x) + ab[:, 1:] * jnp.cos(2 * jnp.pi * x))[:, None]
    net = nn.EncoderDecoder(1, 1, 1, spatial_size=32, latent_size=2, width=4, levels=2, key=KEY)
    opt = optax.adam(3e-3)
    state = opt.init(eqx.filter(net, eqx.is_array))

    def rel(m, u):
        return jnp.linalg.norm(jax.vmap(m)(u) - u) / jnp.linalg.norm(u)

    @eqx.filter_jit
    def step(m, s):
        loss, g = eqx.filter_value_and_grad(lambda m: jnp.mean((jax.vmap(m)(data) - data) ** 2))(m)
        upd, s = opt.update(g, s, eqx.filter(m, eqx.is_array))
        return eqx.apply_updates(m, upd), s

    assert rel(net, data) > 0.3
    for _ in range(600):
        net, state = step(net, state)
    assert rel(net, data) < 0.1
    net2 = nn.EncoderDecoder(2, 2, 3, spatial_size=8, latent_size=6, width=2, levels=2, key=KEY)
    u = jax.random.normal(KEY, (2, 8, 8))
    assert net2.encode(u).shape == (6,) and net2(u).shape == (3, 8, 8)
