"""Every architecture maps shapes in 1D and 2D; periodic ones are translation-equivariant."""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from physax import nn

KEY = jax.random.key(0)


def build(name, d, cin, cout, boundary="periodic"):
    small = {"key": KEY}
    return {
        "linear": lambda: nn.LinearConv(d, cin, cout, 3, boundary=boundary, **small),
        "convnet": lambda: nn.ConvNet(d, cin, cout, width=4, depth=2, boundary=boundary, **small),
        "resnet": lambda: nn.ResNet(d, cin, cout, width=4, num_blocks=1, boundary=boundary, **small),
        "preresnet": lambda: nn.ResNet(
            d, cin, cout, width=4, num_blocks=1, preactivation=True, boundary=boundary, **small
        ),
        "dilated": lambda: nn.DilatedResNet(
            d, cin, cout, width=4, num_blocks=1, dilations=(1, 2, 1), boundary=boundary, **small
        ),
        "unet": lambda: nn.UNet(d, cin, cout, width=2, levels=1, boundary=boundary, **small),
        "fno": lambda: nn.FNO(d, cin, cout, width=4, modes=3, num_layers=2, projection_width=8, **small),
    }[name]()


NAMES = ["linear", "convnet", "resnet", "preresnet", "dilated", "unet", "fno"]


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("d", [1, 2])
def test_shapes_and_equivariance(name, d):
    net = build(name, d, 2, 3)
    x = jax.random.normal(jax.random.key(1), (2,) + (8,) * d, jnp.float32)
    call = eqx.filter_jit(lambda m, v: m(v))
    y = call(net, x)
    assert y.shape == (3,) + (8,) * d and y.dtype == jnp.float32
    shift = 2  # a multiple of 2**levels for the UNet
    axes = tuple(range(1, d + 1))
    y_shift = call(net, jnp.roll(x, shift, axis=axes))
    np.testing.assert_allclose(y_shift, jnp.roll(y, shift, axis=axes), atol=2e-5)


@pytest.mark.slow
@pytest.mark.parametrize("boundary", ["dirichlet", "neumann"])
def test_nonperiodic_boundaries_shapes(boundary):
    call = eqx.filter_jit(lambda m, v: m(v))
    assert call(build("convnet", 1, 1, 1, boundary), jnp.ones((1, 8))).shape == (1, 8)
    assert call(build("unet", 2, 1, 1, boundary), jnp.ones((1, 4, 4))).shape == (1, 4, 4)


def test_padding_modes():
    u = jnp.arange(1.0, 5.0)[None]
    np.testing.assert_array_equal(nn.pad_spatial(u, ((1, 1),), "periodic")[0], [4, 1, 2, 3, 4, 1])
    np.testing.assert_array_equal(nn.pad_spatial(u, ((1, 1),), "dirichlet")[0], [0, 1, 2, 3, 4, 0])
    np.testing.assert_array_equal(nn.pad_spatial(u, ((1, 1),), "neumann")[0], [1, 1, 2, 3, 4, 4])
    with pytest.raises(ValueError, match="boundary must be one of"):
        nn.pad_spatial(u, ((1, 1),), "robin")


def test_linear_conv_stencil_convention():
    conv = nn.LinearConv(1, 1, 1, 2, key=KEY)
    conv = jax.tree.map(lambda w: jnp.ones_like(w) * jnp.array([0.25, 0.75]).reshape(w.shape), conv)
    u = jnp.arange(4.0)[None]
    np.testing.assert_allclose(conv(u)[0], 0.25 * u[0] + 0.75 * jnp.roll(u[0], -1))


def test_fno_is_resolution_independent_in_modes():
    fno = nn.FNO(1, 1, 1, width=2, modes=4, num_layers=1, projection_width=4, key=KEY)
    assert fno(jnp.ones((1, 16))).shape == (1, 16) and fno(jnp.ones((1, 32))).shape == (1, 32)
    with pytest.raises(ValueError, match="modes"):
        fno(jnp.ones((1, 4)))


def test_deeponet_shapes_and_errors():
    net = nn.DeepONet(16, 1, 2, basis=8, width=16, depth=2, key=KEY)
    assert net(jnp.ones((1, 16)), jnp.linspace(0, 1, 5)[:, None]).shape == (2, 5)
    net2 = nn.DeepONet(2 * 8 * 8, 2, 1, basis=4, width=8, depth=1, key=KEY)
    assert net2(jnp.ones((2, 8, 8)), jnp.ones((7, 2))).shape == (1, 7)
    with pytest.raises(ValueError, match="sensors"):
        net(jnp.ones((1, 8)), jnp.ones((5, 1)))


def test_grid_deeponet_maps_a_state_to_a_state():
    x = jnp.linspace(0, 1, 16, endpoint=False)
    y = jnp.stack([jnp.cos(2 * jnp.pi * x), jnp.sin(2 * jnp.pi * x)], -1)
    net = nn.DeepONet(16, 2, 1, basis=4, width=8, depth=1, key=KEY)
    op = nn.GridDeepONet(net, y)
    u = jnp.sin(2 * jnp.pi * x)[None]
    np.testing.assert_array_equal(op(u), net(u, y))
    grads = jax.grad(lambda m: jnp.sum(m(u) ** 2))(op)
    assert not jnp.any(grads.points)  # the query grid is not trained
    with pytest.raises(ValueError, match=r"shape \(n, 2\)"):
        nn.GridDeepONet(net, x[:, None])


def test_activations_are_callables_not_names():
    u = jnp.linspace(-1, 1, 16)[None]
    for make in (
        lambda a: nn.ConvNet(1, 1, 1, width=4, depth=1, activation=a, key=KEY),
        lambda a: nn.ResNet(1, 1, 1, width=4, num_blocks=1, activation=a, key=KEY),
        lambda a: nn.DilatedResNet(1, 1, 1, width=4, num_blocks=1, dilations=(1,), activation=a, key=KEY),
        lambda a: nn.UNet(1, 1, 1, width=2, levels=1, activation=a, key=KEY),
        lambda a: nn.FNO(1, 1, 1, width=4, modes=3, num_layers=2, projection_width=4, activation=a, key=KEY),
    ):
        tanh, sine = make(jnp.tanh), make(jnp.sin)
        assert tanh.activation is jnp.tanh
        assert not np.allclose(tanh(u), sine(u))  # the callable is used
        with pytest.raises(TypeError, match="callable such as jax.nn.relu"):
            make("relu")
    with pytest.raises(TypeError, match="DeepONet activation"):
        nn.DeepONet(4, 1, activation="gelu", key=KEY)


def test_channel_mismatch_is_clear():
    with pytest.raises(ValueError, match="expects 2 input channel"):
        build("convnet", 1, 2, 2)(jnp.ones((1, 16)))
    with pytest.raises(ValueError, match="divisible by 2"):
        build("unet", 1, 1, 1)(jnp.ones((1, 9)))


@pytest.mark.parametrize("boundary", ["periodic", "dirichlet", "neumann"])
@pytest.mark.parametrize("d", [1, 2])
def test_channels_last_conv_equals_channel_first(boundary, d):
    conv = nn.Conv(d, 3, 5, 3, boundary=boundary, dilation=2, key=KEY)
    x = jax.random.normal(jax.random.key(2), (3,) + (9,) * d, jnp.float32)
    y_last = conv.channels_last(jnp.moveaxis(x, 0, -1))
    np.testing.assert_allclose(jnp.moveaxis(y_last, -1, 0), conv(x), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("preactivation", [False, True])
def test_channel_last_networks_equal_their_layerwise_channel_first_evaluation(preactivation):
    act = jax.nn.relu
    x = jax.random.normal(jax.random.key(3), (2, 8, 8), jnp.float32)
    convnet = nn.ConvNet(2, 2, 3, width=4, depth=2, key=KEY)
    h = x
    for layer in convnet.layers[:-1]:
        h = act(layer(h))
    np.testing.assert_allclose(convnet(x), convnet.layers[-1](h), rtol=1e-5, atol=1e-6)
    resnet = nn.ResNet(2, 2, 3, width=4, num_blocks=2, preactivation=preactivation, key=KEY)
    h = resnet.lift(x) if preactivation else act(resnet.lift(x))
    for b in resnet.blocks:
        inner = b.conv2(act(b.conv1(act(h) if preactivation else h)))
        h = h + inner if preactivation else act(h + inner)
    h = act(h) if preactivation else h
    np.testing.assert_allclose(resnet(x), resnet.project(h), rtol=1e-5, atol=1e-6)


@pytest.mark.slow
def test_channel_last_unet_equals_its_channel_first_evaluation():
    act, d = jax.nn.relu, 2
    net = nn.UNet(d, 2, 3, width=4, levels=2, key=KEY)
    x = jax.random.normal(jax.random.key(4), (2, 8, 8), jnp.float32)

    def pool(h):  # channel-first 2 x 2 average pooling
        c, n0, n1 = h.shape
        return h.reshape(c, n0 // 2, 2, n1 // 2, 2).mean(axis=(2, 4))

    def double(block, h):
        return act(block.conv2(act(block.conv1(h))))

    skips, h = [], x
    for block in net.down:
        h = double(block, h)
        skips.append(h)
        h = pool(h)
    h = double(net.bottom, h)
    for up_conv, block, skip in zip(net.up_convs, net.up, reversed(skips), strict=True):
        h = act(up_conv(jnp.repeat(jnp.repeat(h, 2, axis=1), 2, axis=2)))
        h = double(block, jnp.concatenate([skip, h], axis=0))
    np.testing.assert_allclose(net(x), net.project(h), rtol=1e-5, atol=1e-6)
