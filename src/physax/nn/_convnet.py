"""Feed-forward convolutional network (ConvNet) emulator."""

from __future__ import annotations

from collections.abc import Callable

import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import Array, Float, PRNGKeyArray

from ._conv import Conv, check_activation, check_input


class ConvNet(eqx.Module):
    """A stack of same-size convolutions with a nonlinearity between them.

    `in_channels -> width -> ... -> width -> out_channels` with `depth` hidden convolutions,
    all with kernel `kernel_size` and the padding of `boundary`; no activation after the last
    layer. Translation-equivariant on periodic domains. The APEBench "Conv" baseline (Koehler
    et al. 2024).

    **Arguments:**

    - `num_spatial_dims`, `in_channels`, `out_channels`: as `Conv`.
    - `width`: hidden channels.
    - `depth`: hidden layers (>= 0; 0 is one convolution).
    - `kernel_size`: kernel width (3).
    - `activation`: a callable (default `jax.nn.relu`).
    - `boundary`: `"periodic"`, `"dirichlet"` or `"neumann"`.
    - `key`: PRNG key.

    **Returns:** a module mapping `(in_channels, *spatial)` to `(out_channels, *spatial)`.

    **Example:**

    >>> net = ConvNet(2, 1, 1, width=8, depth=2, key=jax.random.key(0))
    >>> net(jnp.ones((1, 16, 16))).shape
    (1, 16, 16)
    """

    layers: list[Conv]
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
        depth: int = 4,
        kernel_size: int = 3,
        activation: Callable = jax.nn.relu,
        boundary: str = "periodic",
        key: PRNGKeyArray,
    ):
        if depth < 0 or width < 1:
            raise ValueError(f"ConvNet needs depth >= 0 and width >= 1, got {depth}, {width}.")
        check_activation(activation, "ConvNet")
        sizes = [in_channels] + [width] * depth + [out_channels]
        keys = jax.random.split(key, len(sizes) - 1)
        self.layers = [
            Conv(num_spatial_dims, i, o, kernel_size, boundary=boundary, key=k)
            for k, i, o in zip(keys, sizes[:-1], sizes[1:], strict=True)
        ]
        self.activation = activation
        self.num_spatial_dims = num_spatial_dims
        self.in_channels = in_channels

    def __call__(self, x: Float[Array, " c *spatial"]) -> Float[Array, " c_out *spatial"]:
        check_input(x, self.in_channels, self.num_spatial_dims, "ConvNet")
        act = self.activation
        x = jnp.moveaxis(x, 0, -1)  # channel-last inside: one transpose in, one out
        for layer in self.layers[:-1]:
            x = act(layer.channels_last(x))
        return jnp.moveaxis(self.layers[-1].channels_last(x), -1, 0)
