"""Residual networks: classic (post-activation) and pre-activation ResNets, dilated ResNet."""

from __future__ import annotations

from collections.abc import Callable

import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import Array, Float, PRNGKeyArray

from ._conv import Conv, check_activation, check_input


class _Block(eqx.Module):
    conv1: Conv
    conv2: Conv

    def __call__(self, x, act, preactivation: bool):
        """`x` channel-last (see `Conv.channels_last`)."""
        c1, c2 = self.conv1.channels_last, self.conv2.channels_last
        if preactivation:  # He et al. 2016b: x + W2 act(W1 act(x))
            return x + c2(act(c1(act(x))))
        return act(x + c2(act(c1(x))))  # He et al. 2016a


class ResNet(eqx.Module):
    r"""Residual network of `num_blocks` two-convolution blocks at constant width.

    Lifting convolution (`in_channels -> width`), blocks, projection (`width -> out_channels`).
    Classic block (He et al. 2016, "Deep residual learning"): $h \mapsto \sigma(h + W_2\sigma(W_1
    h))$; with `preactivation=True` (He et al. 2016, "Identity mappings"): $h \mapsto h +
    W_2\sigma(W_1\sigma(h))$. No normalisation layers (as in APEBench's ResNet). Periodic
    padding makes it translation-equivariant.

    **Arguments:**

    - `num_spatial_dims`, `in_channels`, `out_channels`: as `Conv`.
    - `width`: channels inside the blocks.
    - `num_blocks`: residual blocks.
    - `kernel_size`: kernel width (3).
    - `activation`: a callable (default `jax.nn.relu`).
    - `boundary`: `"periodic"`, `"dirichlet"` or `"neumann"`.
    - `preactivation`: use pre-activation blocks (False).
    - `key`: PRNG key.

    **Returns:** a module mapping `(in_channels, *spatial)` to `(out_channels, *spatial)`.

    **Example:**

    >>> net = ResNet(1, 1, 1, width=8, num_blocks=2, key=jax.random.key(0))
    >>> u = jnp.sin(jnp.linspace(0.0, 2 * jnp.pi, 32, endpoint=False))[None]
    >>> net(u).shape
    (1, 32)
    >>> bool(jnp.allclose(net(jnp.roll(u, 3, axis=1)), jnp.roll(net(u), 3, axis=1), atol=1e-6))
    True
    """

    lift: Conv
    blocks: list[_Block]
    project: Conv
    activation: Callable = eqx.field(static=True)
    preactivation: bool = eqx.field(static=True)
    num_spatial_dims: int = eqx.field(static=True)
    in_channels: int = eqx.field(static=True)

    def __init__(
        self,
        num_spatial_dims: int,
        in_channels: int,
        out_channels: int,
        *,
        width: int = 32,
        num_blocks: int = 4,
        kernel_size: int = 3,
        activation: Callable = jax.nn.relu,
        boundary: str = "periodic",
        preactivation: bool = False,
        key: PRNGKeyArray,
    ):
        check_activation(activation, "ResNet")
        klift, kproj, *kb = jax.random.split(key, 2 + 2 * num_blocks)
        conv = lambda i, o, k, ks: Conv(num_spatial_dims, i, o, ks, boundary=boundary, key=k)
        self.lift = conv(in_channels, width, klift, kernel_size)
        self.blocks = [
            _Block(conv(width, width, k1, kernel_size), conv(width, width, k2, kernel_size))
            for k1, k2 in zip(kb[0::2], kb[1::2], strict=True)
        ]
        self.project = conv(width, out_channels, kproj, 1)
        self.activation = activation
        self.preactivation = preactivation
        self.num_spatial_dims = num_spatial_dims
        self.in_channels = in_channels

    def __call__(self, x: Float[Array, " c *spatial"]) -> Float[Array, " c_out *spatial"]:
        check_input(x, self.in_channels, self.num_spatial_dims, "ResNet")
        act = self.activation
        h = self.lift.channels_last(jnp.moveaxis(x, 0, -1))  # channel-last inside, as ConvNet
        if not self.preactivation:
            h = act(h)
        for block in self.blocks:
            h = block(h, act, self.preactivation)
        if self.preactivation:
            h = act(h)
        return jnp.moveaxis(self.project.channels_last(h), -1, 0)


class DilatedResNet(eqx.Module):
    """Dilated residual network (Stachenfeld et al. 2022, "Learned coarse models ...").

    Encoder convolution to `width` channels, then `num_blocks` residual blocks, each a chain of
    convolutions with dilation rates `dilations` (default `(1, 2, 4, 8, 4, 2, 1)`) and the
    activation between them, added to the block input; a decoder convolution maps to
    `out_channels`. The growing dilation gives a large receptive field at few parameters.

    **Arguments:**

    - `num_spatial_dims`, `in_channels`, `out_channels`: as `Conv`.
    - `width`: channels inside the blocks.
    - `num_blocks`: residual blocks.
    - `dilations`: dilation rate of each convolution in a block.
    - `kernel_size`: kernel width (3).
    - `activation`: a callable (default `jax.nn.relu`).
    - `boundary`: `"periodic"`, `"dirichlet"` or `"neumann"`.
    - `key`: PRNG key.

    **Returns:** a module mapping `(in_channels, *spatial)` to `(out_channels, *spatial)`.

    **Example:**

    >>> net = DilatedResNet(1, 2, 1, width=8, num_blocks=1, dilations=(1, 2, 1), key=jax.random.key(0))
    >>> net(jnp.ones((2, 32))).shape
    (1, 32)
    """

    encoder: Conv
    blocks: list[list[Conv]]
    decoder: Conv
    activation: Callable = eqx.field(static=True)
    num_spatial_dims: int = eqx.field(static=True)
    in_channels: int = eqx.field(static=True)

    def __init__(
        self,
        num_spatial_dims: int,
        in_channels: int,
        out_channels: int,
        *,
        width: int = 32,
        num_blocks: int = 2,
        dilations: tuple[int, ...] = (1, 2, 4, 8, 4, 2, 1),
        kernel_size: int = 3,
        activation: Callable = jax.nn.relu,
        boundary: str = "periodic",
        key: PRNGKeyArray,
    ):
        check_activation(activation, "DilatedResNet")
        kenc, kdec, *kb = jax.random.split(key, 2 + num_blocks * len(dilations))
        conv = lambda i, o, k, d=1: Conv(
            num_spatial_dims, i, o, kernel_size, boundary=boundary, dilation=d, key=k
        )
        self.encoder = conv(in_channels, width, kenc)
        n = len(dilations)
        self.blocks = [
            [conv(width, width, kb[b * n + j], d) for j, d in enumerate(dilations)] for b in range(num_blocks)
        ]
        self.decoder = conv(width, out_channels, kdec)
        self.activation = activation
        self.num_spatial_dims = num_spatial_dims
        self.in_channels = in_channels

    def __call__(self, x: Float[Array, " c *spatial"]) -> Float[Array, " c_out *spatial"]:
        check_input(x, self.in_channels, self.num_spatial_dims, "DilatedResNet")
        act = self.activation
        h = self.encoder.channels_last(jnp.moveaxis(x, 0, -1))  # channel-last inside
        for block in self.blocks:
            r = h
            for conv in block:
                r = act(conv.channels_last(r))
            h = h + r
        return jnp.moveaxis(self.decoder.channels_last(h), -1, 0)
