"""UNet (Ronneberger et al. 2015) for channel-first fields in 1D/2D."""

from __future__ import annotations

from collections.abc import Callable

import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import Array, Float, PRNGKeyArray

from ._conv import Conv, check_activation, check_input


class _DoubleConv(eqx.Module):
    conv1: Conv
    conv2: Conv

    def __call__(self, x, act):
        """`x` channel-last (see `Conv.channels_last`)."""
        return act(self.conv2.channels_last(act(self.conv1.channels_last(x))))


def _downsample(x: Array, d: int) -> Array:
    """Average-pool a channel-last field by 2 along every spatial axis."""
    shape = []
    for n in x.shape[:d]:
        shape += [n // 2, 2]
    return jnp.mean(x.reshape(shape + [x.shape[-1]]), axis=tuple(range(1, 2 * d, 2)))


def _upsample(x: Array, d: int) -> Array:
    """Nearest-neighbour upsampling of a channel-last field by 2 along every spatial axis."""
    for axis in range(d):
        x = jnp.repeat(x, 2, axis=axis)
    return x


class UNet(eqx.Module):
    r"""UNet (Ronneberger et al. 2015) with `levels` resolution halvings.

    Each level applies two convolutions (kernel `kernel_size`, boundary padding), then
    average-pools by 2 and doubles the channels; the decoder upsamples (nearest neighbour), a
    convolution halves the channels, the skip connection is concatenated and two convolutions
    follow; a 1x1 convolution projects to `out_channels`. Spatial sizes must be divisible by
    $2^{\text{levels}}$. Equivariant to shifts by multiples of $2^{\text{levels}}$ on periodic
    domains.

    **Arguments:**

    - `num_spatial_dims`, `in_channels`, `out_channels`: as `Conv`.
    - `width`: channels at the finest level.
    - `levels`: resolution halvings (2).
    - `kernel_size`: kernel width (3).
    - `activation`: a callable (default `jax.nn.relu`).
    - `boundary`: `"periodic"`, `"dirichlet"` or `"neumann"`.
    - `key`: PRNG key.

    **Returns:** a module mapping `(in_channels, *spatial)` to `(out_channels, *spatial)`.

    **Example:**

    >>> net = UNet(1, 1, 1, width=4, levels=2, key=jax.random.key(0))
    >>> net(jnp.ones((1, 16))).shape
    (1, 16)
    """

    down: list[_DoubleConv]
    bottom: _DoubleConv
    up_convs: list[Conv]
    up: list[_DoubleConv]
    project: Conv
    levels: int = eqx.field(static=True)
    activation: Callable = eqx.field(static=True)
    num_spatial_dims: int = eqx.field(static=True)
    in_channels: int = eqx.field(static=True)

    def __init__(
        self,
        num_spatial_dims: int,
        in_channels: int,
        out_channels: int,
        *,
        width: int = 16,
        levels: int = 2,
        kernel_size: int = 3,
        activation: Callable = jax.nn.relu,
        boundary: str = "periodic",
        key: PRNGKeyArray,
    ):
        check_activation(activation, "UNet")
        if levels < 1:
            raise ValueError(f"UNet needs levels >= 1, got {levels}.")
        keys = iter(jax.random.split(key, 6 * levels + 3))
        conv = lambda i, o, ks=kernel_size: Conv(
            num_spatial_dims, i, o, ks, boundary=boundary, key=next(keys)
        )
        double = lambda i, o: _DoubleConv(conv(i, o), conv(o, o))
        chans = [width * 2**lvl for lvl in range(levels + 1)]
        self.down = [double(in_channels if lvl == 0 else chans[lvl - 1], chans[lvl]) for lvl in range(levels)]
        self.bottom = double(chans[levels - 1], chans[levels])
        self.up_convs = [conv(chans[lvl + 1], chans[lvl]) for lvl in reversed(range(levels))]
        self.up = [double(2 * chans[lvl], chans[lvl]) for lvl in reversed(range(levels))]
        self.project = conv(chans[0], out_channels, 1)
        self.levels = levels
        self.activation = activation
        self.num_spatial_dims = num_spatial_dims
        self.in_channels = in_channels

    def __call__(self, x: Float[Array, " c *spatial"]) -> Float[Array, " c_out *spatial"]:
        check_input(x, self.in_channels, self.num_spatial_dims, "UNet")
        factor = 2**self.levels
        if any(n % factor for n in x.shape[1:]):
            raise ValueError(
                f"UNet with {self.levels} levels needs spatial sizes divisible by {factor}, got "
                f"{x.shape[1:]}; change the resolution or the number of levels."
            )
        act, d = self.activation, self.num_spatial_dims
        skips = []
        h = jnp.moveaxis(x, 0, -1)  # channel-last inside (XLA:CPU convolutions), as ConvNet
        for block in self.down:
            h = block(h, act)
            skips.append(h)
            h = _downsample(h, d)
        h = self.bottom(h, act)
        for up_conv, block, skip in zip(self.up_convs, self.up, reversed(skips), strict=True):
            h = act(up_conv.channels_last(_upsample(h, d)))
            h = block(jnp.concatenate([skip, h], axis=-1), act)
        return jnp.moveaxis(self.project.channels_last(h), -1, 0)
