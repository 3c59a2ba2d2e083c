"""Convolution with physical boundary padding, and the linear-convolution emulator."""

from __future__ import annotations

from collections.abc import Callable

import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import Array, Float, PRNGKeyArray

from ._padding import PAD_MODES, check_boundary, pad_spatial, same_widths


def check_dims(num_spatial_dims: int) -> int:
    if num_spatial_dims not in (1, 2, 3):
        raise ValueError(f"num_spatial_dims must be 1, 2 or 3, got {num_spatial_dims!r}.")
    return num_spatial_dims


def check_input(x: Array, num_channels: int, num_spatial_dims: int, name: str) -> None:
    """Raise a clear error when `x` is not a `(C, *spatial)` sample with the expected channels."""
    if x.ndim != num_spatial_dims + 1:
        raise ValueError(
            f"{name} takes one channel-first sample of shape (C, {'N, ' * num_spatial_dims}"
            f"...) with {num_spatial_dims} spatial axes, got shape {x.shape}; use jax.vmap for "
            "batches and x[None] to add a channel axis."
        )
    if x.shape[0] != num_channels:
        raise ValueError(
            f"{name} expects {num_channels} input channel(s), got {x.shape[0]} (shape {x.shape}); "
            "build it with in_channels matching the data."
        )


class Conv(eqx.Module):
    """Stride-1 convolution (cross-correlation) that pads for a boundary condition first.

    The output has the input's spatial size: the input is padded by `dilation * (k - 1)` in
    total per axis (left `floor` half) with `pad_spatial`, then convolved with no padding.
    With `kernel_size=2` the output is $y_i = w_0 u_i + w_1 u_{i+1}$ (Trainax/Equinox
    `"SAME"`).

    **Arguments:**

    - `num_spatial_dims`: 1, 2 or 3.
    - `in_channels`, `out_channels`: channel counts.
    - `kernel_size`: kernel width $k$ along every axis.
    - `boundary`: `"periodic"`, `"dirichlet"` or `"neumann"`.
    - `dilation`: spacing of the kernel taps.
    - `use_bias`: add a bias per output channel.
    - `dtype`: parameter dtype (float32 by default, as for all physax emulators).
    - `key`: PRNG key.

    **Returns:** a module mapping one channel-first sample `(in_channels, *spatial)` to
    `(out_channels, *spatial)`.

    **Example:**

    >>> # on a periodic domain a shifted input gives the shifted output
    >>> conv = Conv(1, 1, 8, 3, key=jax.random.key(0))
    >>> u = jnp.sin(jnp.linspace(0.0, 2 * jnp.pi, 32, endpoint=False))[None]
    >>> conv(u).shape
    (8, 32)
    >>> bool(jnp.allclose(conv(jnp.roll(u, 5, axis=1)), jnp.roll(conv(u), 5, axis=1), atol=1e-6))
    True
    """

    conv: eqx.nn.Conv
    num_spatial_dims: int = eqx.field(static=True)
    boundary: str = eqx.field(static=True)
    widths: tuple[tuple[int, int], ...] = eqx.field(static=True)

    def __init__(
        self,
        num_spatial_dims: int,
        in_channels: int,
        out_channels: int,
        kernel_size: int,
        *,
        boundary: str = "periodic",
        dilation: int = 1,
        use_bias: bool = True,
        dtype=jnp.float32,
        key: PRNGKeyArray,
    ):
        self.num_spatial_dims = check_dims(num_spatial_dims)
        self.boundary = check_boundary(boundary)
        if kernel_size < 1 or dilation < 1:
            raise ValueError(f"kernel_size and dilation must be >= 1, got {kernel_size}, {dilation}.")
        self.widths = same_widths(kernel_size, dilation, num_spatial_dims)
        self.conv = unpadded_conv(
            num_spatial_dims,
            in_channels,
            out_channels,
            kernel_size,
            dilation=dilation,
            use_bias=use_bias,
            dtype=dtype,
            key=key,
        )

    @property
    def in_channels(self) -> int:
        return self.conv.in_channels

    def __call__(self, x: Float[Array, " c *spatial"]) -> Float[Array, " c_out *spatial"]:
        return padded_call(self, x)

    def channels_last(self, x: Float[Array, "*spatial c"]) -> Float[Array, "*spatial c_out"]:
        """The same convolution on a channel-*last* sample `(*spatial, C)`.

        XLA:CPU's convolution kernels work on channel-last data, so a stack of convolutions kept
        channel-last avoids a transpose around every layer (about 20 % of a ConvNet training
        step on CPU); `ConvNet` transposes once on the way in and once on the way out.
        """
        return padded_channels_last(self, x)


# `Conv` and `StridedConv` (fields `conv`, `num_spatial_dims`, `boundary`, `widths`) pad for the
# boundary condition, then apply an unpadded `eqx.nn.Conv` (its stride and dilation included).


def unpadded_conv(
    num_spatial_dims: int,
    in_channels: int,
    out_channels: int,
    kernel_size: int,
    *,
    stride: int = 1,
    dilation: int = 1,
    use_bias: bool,
    dtype,
    key: PRNGKeyArray,
) -> eqx.nn.Conv:
    """The `eqx.nn.Conv` of a padding convolution (it pads nothing itself)."""
    return eqx.nn.Conv(
        num_spatial_dims,
        in_channels,
        out_channels,
        kernel_size,
        stride=stride,
        padding=0,
        dilation=dilation,
        use_bias=use_bias,
        dtype=dtype,
        key=key,
    )


def padded_call(layer, x: Array) -> Array:
    """`layer.conv` on one channel-first sample padded for `layer.boundary`, after checking it."""
    check_input(x, layer.conv.in_channels, layer.num_spatial_dims, type(layer).__name__)
    x = x.astype(layer.conv.weight.dtype)  # e.g. float64 solver data into a float32 network
    return layer.conv(pad_spatial(x, layer.widths, layer.boundary))


def padded_channels_last(layer, x: Array) -> Array:
    """`padded_call` on a channel-last sample `(*spatial, C)` (no transposes)."""
    d = layer.num_spatial_dims
    x = x.astype(layer.conv.weight.dtype)
    x = jnp.pad(x, (*layer.widths, (0, 0)), mode=PAD_MODES[layer.boundary])
    spatial = "DHW"[3 - d :]
    y = jax.lax.conv_general_dilated(
        x[None],
        layer.conv.weight,
        window_strides=layer.conv.stride,
        padding="VALID",
        rhs_dilation=layer.conv.dilation,
        dimension_numbers=(f"N{spatial}C", f"OI{spatial}", f"N{spatial}C"),
    )[0]
    if layer.conv.use_bias:
        y = y + layer.conv.bias.reshape(-1)
    return y


class LinearConv(eqx.Module):
    r"""A single linear convolution $u^{n+1} = w \star u^n (+ b)$: a learnable stencil.

    The simplest autoregressive emulator; with `kernel_size=2` and no bias on periodic 1D
    advection it learns the first-order upwind stencil $[1+\mathrm{CFL}, -\mathrm{CFL}]$ for
    negative CFL (the Trainax quickstart, Koehler et al. 2024).

    **Arguments:**

    - `num_spatial_dims`, `in_channels`, `out_channels`, `kernel_size`, `boundary`: as `Conv`.
    - `use_bias`: add a bias (default False: a pure stencil).
    - `key`: PRNG key.

    **Example:**

    >>> # set the stencil to upwind advection with CFL -0.5 and step once
    >>> step = LinearConv(1, 1, 1, 2, key=jax.random.key(0))
    >>> step.weight.shape
    (2,)
    >>> upwind = eqx.tree_at(lambda m: m.conv.conv.weight, step, jnp.array([[[1.5, -0.5]]]))
    >>> upwind(jnp.array([[0.0, 1.0, 0.0, 0.0]])).tolist()
    [[-0.5, 1.5, 0.0, 0.0]]
    """

    conv: Conv

    def __init__(
        self,
        num_spatial_dims: int,
        in_channels: int,
        out_channels: int,
        kernel_size: int,
        *,
        boundary: str = "periodic",
        use_bias: bool = False,
        key: PRNGKeyArray,
    ):
        self.conv = Conv(
            num_spatial_dims,
            in_channels,
            out_channels,
            kernel_size,
            boundary=boundary,
            use_bias=use_bias,
            key=key,
        )

    @property
    def weight(self) -> Array:
        """The kernel with the singleton channel axes squeezed away."""
        return jnp.squeeze(self.conv.conv.weight)

    def __call__(self, x: Float[Array, " c *spatial"]) -> Float[Array, " c_out *spatial"]:
        return self.conv(x)


def check_activation(activation, network: str) -> Callable:
    """`activation` itself, after checking that it is a callable (not a name)."""
    if not callable(activation):
        raise TypeError(
            f"{network} activation must be a callable such as jax.nn.relu, got {activation!r}; "
            "names like 'relu' are mapped to functions only in physax.experiments."
        )
    return activation
