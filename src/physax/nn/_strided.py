"""Strided convolution with physical boundary padding: a learnable downsampling layer."""

from __future__ import annotations

import equinox as eqx
import jax.numpy as jnp
from jaxtyping import Array, Float, PRNGKeyArray

from ._conv import check_dims, padded_call, padded_channels_last, unpadded_conv
from ._padding import check_boundary, same_widths


class StridedConv(eqx.Module):
    r"""Convolution evaluated at every `stride`-th point: learnable downsampling.

    The input is padded for `boundary` exactly as by `physax.nn.Conv` (so that a
    stride-1 convolution keeps the size), then the kernel is applied at points
    $0, s, 2s, \dots$ only. In 1D with kernel size $k$ and left padding $p = \lfloor
    (k-1)/2 \rfloor$,

    $$y_i = \sum_{j=0}^{k-1} w_j\, \tilde x_{si + j}, \qquad \tilde x_m = x_{m - p},$$

    which equals `Conv(...)(x)[:, ::stride]` with the same weights, at $1/s$ of the work.
    The output has `ceil(N / stride)` points per axis. It is equivariant to shifts by
    multiples of `stride` on periodic domains. Encoders use it in place of (or next to)
    pooling: the network chooses how to summarise each window.

    **Arguments:**

    - `num_spatial_dims`: 1, 2 or 3.
    - `in_channels`, `out_channels`: channels of input and output.
    - `kernel_size`: points per axis of the kernel ($\ge 1$).
    - `stride`: step $s \ge 1$ between output points (2 halves the resolution).
    - `boundary`: `"periodic"`, `"dirichlet"` or `"neumann"` padding.
    - `use_bias`: add a learnable bias per output channel (default True).
    - `dtype`: parameter dtype (float32 by default).
    - `key`: PRNG key of the initial weights.

    **Returns:** a module mapping one channel-first sample `(in_channels, *spatial)` to
    `(out_channels, *ceil(spatial / stride))`.

    **Example:**

    >>> down = StridedConv(2, 1, 8, kernel_size=3, stride=2, key=jax.random.key(0))
    >>> down(jnp.ones((1, 32, 32))).shape
    (8, 16, 16)
    """

    conv: eqx.nn.Conv
    num_spatial_dims: int = eqx.field(static=True)
    stride: int = eqx.field(static=True)
    boundary: str = eqx.field(static=True)
    widths: tuple[tuple[int, int], ...] = eqx.field(static=True)

    def __init__(
        self,
        num_spatial_dims: int,
        in_channels: int,
        out_channels: int,
        kernel_size: int,
        stride: int = 2,
        *,
        boundary: str = "periodic",
        use_bias: bool = True,
        dtype=jnp.float32,
        key: PRNGKeyArray,
    ):
        self.num_spatial_dims = check_dims(num_spatial_dims)
        self.boundary = check_boundary(boundary)
        if not isinstance(stride, int) or stride < 1 or kernel_size < 1:
            raise ValueError(f"kernel_size and stride must be ints >= 1, got {kernel_size}, {stride!r}.")
        self.stride = stride
        self.widths = same_widths(kernel_size, 1, num_spatial_dims)
        self.conv = unpadded_conv(
            num_spatial_dims,
            in_channels,
            out_channels,
            kernel_size,
            stride=stride,
            use_bias=use_bias,
            dtype=dtype,
            key=key,
        )

    @property
    def in_channels(self) -> int:
        return self.conv.in_channels

    def __call__(self, x: Float[Array, " c *spatial"]) -> Float[Array, " c_out *coarse"]:
        return padded_call(self, x)

    def channels_last(self, x: Float[Array, "*spatial c"]) -> Float[Array, "*coarse c_out"]:
        """The same strided convolution on a channel-*last* sample `(*spatial, C)` (the layout
        XLA:CPU convolves fastest, see `physax.nn.Conv.channels_last`)."""
        return padded_channels_last(self, x)
