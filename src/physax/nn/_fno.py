"""Fourier neural operator (Li et al. 2021) with 1D and 2D spectral convolutions."""

from __future__ import annotations

from collections.abc import Callable

import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import Array, Float, PRNGKeyArray

from ._conv import Conv, check_activation, check_dims, check_input


class SpectralConv(eqx.Module):
    r"""Spectral convolution $\mathcal{F}^{-1}(R \cdot \mathcal{F} v)$ on the lowest `modes` modes.

    The input is real-FFT'd over its spatial axes; modes $|m_i| <$ `modes` (the first `modes`
    along the last, rfft, axis; `modes` at each end of the other axes) are multiplied by learned
    complex channel-mixing matrices, all other modes are dropped (Li et al. 2021). Weights are
    stored as real and imaginary parts, initialised uniform in $[0, 1/(c_{in} c_{out}))$.

    **Arguments:**

    - `num_spatial_dims`: 1 or 2.
    - `in_channels`, `out_channels`: channel counts.
    - `modes`: Fourier modes kept per axis.
    - `key`: PRNG key.

    **Example:**

    >>> # a mode above the cut-off is filtered out
    >>> conv = SpectralConv(1, 1, 2, modes=4, key=jax.random.key(0))
    >>> x = jnp.linspace(0.0, 2 * jnp.pi, 64, endpoint=False)
    >>> conv(jnp.sin(x)[None]).shape
    (2, 64)
    >>> float(jnp.abs(conv(jnp.sin(10 * x)[None])).max()) < 1e-6
    True
    """

    weights_real: Array
    weights_imag: Array
    modes: int = eqx.field(static=True)
    num_spatial_dims: int = eqx.field(static=True)

    def __init__(self, num_spatial_dims, in_channels, out_channels, modes, *, key):
        if num_spatial_dims not in (1, 2):
            raise ValueError(f"SpectralConv supports 1 or 2 spatial dims, got {num_spatial_dims}.")
        if modes < 1:
            raise ValueError(f"modes must be >= 1, got {modes}.")
        blocks = 1 if num_spatial_dims == 1 else 2  # 2D: positive and negative first-axis modes
        shape = (blocks, in_channels, out_channels) + (modes,) * num_spatial_dims
        scale = 1.0 / (in_channels * out_channels)
        kr, ki = jax.random.split(key)
        self.weights_real = scale * jax.random.uniform(kr, shape, jnp.float32)
        self.weights_imag = scale * jax.random.uniform(ki, shape, jnp.float32)
        self.modes = modes
        self.num_spatial_dims = num_spatial_dims

    def __call__(self, x: Float[Array, " c *spatial"]) -> Float[Array, " c_out *spatial"]:
        m, spatial = self.modes, x.shape[1:]
        axes = tuple(range(1, x.ndim))
        w = self.weights_real + 1j * self.weights_imag
        x_hat = jnp.fft.rfftn(x, axes=axes)
        out = jnp.zeros((w.shape[2], *x_hat.shape[1:]), x_hat.dtype)
        if m > x_hat.shape[-1] or (self.num_spatial_dims == 2 and 2 * m > spatial[0]):
            raise ValueError(
                f"SpectralConv keeps {m} modes but a field of shape {spatial} has only "
                f"{x_hat.shape[-1]} rfft modes; lower modes or raise the resolution."
            )
        mix = lambda a, wb: jnp.einsum("i...,io...->o...", a, wb.astype(a.dtype))
        if self.num_spatial_dims == 1:
            out = out.at[:, :m].set(mix(x_hat[:, :m], w[0]))
        else:
            out = out.at[:, :m, :m].set(mix(x_hat[:, :m, :m], w[0]))
            out = out.at[:, -m:, :m].set(mix(x_hat[:, -m:, :m], w[1]))
        return jnp.fft.irfftn(out, s=spatial, axes=axes).astype(x.dtype)


class FNO(eqx.Module):
    r"""Fourier neural operator (Li et al. 2021, "Fourier neural operator for parametric PDEs").

    Lift pointwise to `width` channels, apply `num_layers` Fourier layers
    $v \mapsto \sigma(\mathcal{K}v + Wv)$ (spectral convolution on `modes` modes plus a pointwise
    linear map; no activation after the last), then project pointwise through a hidden layer of
    `projection_width`. With `append_grid=True` the grid coordinates in $[0, 1)$ are
    concatenated to the input (as in Li et al.; this breaks translation equivariance).

    **Arguments:**

    - `num_spatial_dims`: 1 or 2.
    - `in_channels`, `out_channels`: channel counts.
    - `width`: channels of the Fourier layers.
    - `modes`: Fourier modes kept per axis.
    - `num_layers`: Fourier layers (4).
    - `projection_width`: hidden channels of the projection (128).
    - `activation`: a callable (default `jax.nn.gelu`).
    - `append_grid`: concatenate the grid coordinates to the input.
    - `key`: PRNG key.

    **Returns:** a module mapping `(in_channels, *spatial)` to `(out_channels, *spatial)`, at
    any resolution with at least `modes` rfft modes.

    **Example:**

    >>> # the same network at two resolutions
    >>> fno = FNO(1, 1, 1, width=8, modes=4, num_layers=2, projection_width=16, key=jax.random.key(0))
    >>> fno(jnp.ones((1, 32))).shape, fno(jnp.ones((1, 64))).shape
    ((1, 32), (1, 64))
    """

    lift: Conv
    spectral: list[SpectralConv]
    pointwise: list[Conv]
    project1: Conv
    project2: Conv
    activation: Callable = eqx.field(static=True)
    append_grid: bool = eqx.field(static=True)
    num_spatial_dims: int = eqx.field(static=True)
    in_channels: int = eqx.field(static=True)

    def __init__(
        self,
        num_spatial_dims: int,
        in_channels: int,
        out_channels: int,
        *,
        width: int = 32,
        modes: int = 16,
        num_layers: int = 4,
        projection_width: int = 128,
        activation: Callable = jax.nn.gelu,
        append_grid: bool = False,
        key: PRNGKeyArray,
    ):
        check_dims(num_spatial_dims)
        check_activation(activation, "FNO")
        keys = jax.random.split(key, 2 * num_layers + 3)
        conv1 = lambda i, o, k: Conv(num_spatial_dims, i, o, 1, key=k)
        lift_in = in_channels + (num_spatial_dims if append_grid else 0)
        self.lift = conv1(lift_in, width, keys[0])
        self.spectral = [
            SpectralConv(num_spatial_dims, width, width, modes, key=keys[1 + i]) for i in range(num_layers)
        ]
        self.pointwise = [conv1(width, width, keys[1 + num_layers + i]) for i in range(num_layers)]
        self.project1 = conv1(width, projection_width, keys[-2])
        self.project2 = conv1(projection_width, out_channels, keys[-1])
        self.activation = activation
        self.append_grid = append_grid
        self.num_spatial_dims = num_spatial_dims
        self.in_channels = in_channels

    def __call__(self, x: Float[Array, " c *spatial"]) -> Float[Array, " c_out *spatial"]:
        check_input(x, self.in_channels, self.num_spatial_dims, "FNO")
        act = self.activation
        if self.append_grid:
            axes = [jnp.arange(n, dtype=x.dtype) / n for n in x.shape[1:]]
            grid = jnp.stack(jnp.meshgrid(*axes, indexing="ij"))
            x = jnp.concatenate([x, grid], axis=0)
        h = self.lift(x)
        for i, (k, w) in enumerate(zip(self.spectral, self.pointwise, strict=True)):
            h = k(h) + w(h)
            if i < len(self.spectral) - 1:
                h = act(h)
        return self.project2(act(self.project1(h)))
