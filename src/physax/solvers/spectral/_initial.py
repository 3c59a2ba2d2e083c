"""Initial-condition generators: keyed random fields and fixed classic profiles.

Every function returns a channel-first state for `grid`, in JAX's default float dtype (float64
only with ``jax_enable_x64``) unless `dtype` is given. Random generators take a keyword-only
`key`; the same key gives the same field.
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float, PRNGKeyArray

from ._grid import PeriodicGrid


def _max_normalise(u: Array, amplitude: float) -> Array:
    # Per-channel max-abs scaling keeps every channel comparable.
    axes = tuple(range(1, u.ndim))
    return amplitude * u / jnp.max(jnp.abs(u), axis=axes, keepdims=True)


def _mode_radius(grid: PeriodicGrid) -> tuple[np.ndarray, np.ndarray]:
    modes = [np.abs(grid.integer_modes(a)) for a in range(grid.num_spatial_dims)]
    shape = grid.spectral_shape()
    modes = [np.broadcast_to(m, shape) for m in modes]
    linf = np.max(np.stack(modes), axis=0)
    l2 = np.sqrt(sum(m**2 for m in modes))
    return linf, l2


def _random_spectrum(grid, key, num_channels, weight, dtype):
    shape = (num_channels, *grid.spectral_shape())
    kr, ki = jax.random.split(key)
    real_dtype = jnp.zeros((), dtype).dtype
    coeff = jax.random.normal(kr, shape, real_dtype) + 1j * jax.random.normal(ki, shape, real_dtype)
    u = grid.to_physical(coeff * weight.astype(real_dtype))
    return u.astype(real_dtype)


@eqx.filter_jit
def random_fourier_series(
    grid: PeriodicGrid,
    *,
    key: PRNGKeyArray,
    num_channels: int = 1,
    max_mode: int = 5,
    amplitude: float = 1.0,
    zero_mean: bool = True,
    dtype=None,
) -> Float[Array, " c *spatial"]:
    r"""Truncated random Fourier series $\sum_{0<|m|_\infty\le K} c_m e^{2\pi i m\cdot x/L}$.

    Coefficients are standard complex normal; the field is real, band-limited to integer modes
    $|m_i| \le K$ = `max_mode` (so it is resolved exactly and is a clean input for exactness
    tests) and scaled so each channel has max-abs `amplitude`.

    **Arguments:**

    - `grid`: the `PeriodicGrid`.
    - `key`: the PRNG key.
    - `num_channels`: channels of the state.
    - `max_mode`: $K$, with $1 \le K < N/2$.
    - `amplitude`: the max-abs of each channel.
    - `zero_mean`: drop the constant mode.
    - `dtype`: floating dtype (default: JAX's default float).

    **Returns:** shape `(num_channels, *grid.spatial_shape)`.

    **Example:**

    >>> u0 = random_fourier_series(PeriodicGrid(1, 32), key=jax.random.key(0), max_mode=3)
    >>> u0.shape, float(jnp.abs(u0).max()), bool(abs(u0.mean()) < 1e-6)
    ((1, 32), 1.0, True)
    """
    if not 1 <= max_mode < grid.num_points // 2:
        raise ValueError(
            f"max_mode must be in [1, N/2) = [1, {grid.num_points // 2}), got {max_mode}; "
            "increase num_points or lower max_mode."
        )
    linf, _ = _mode_radius(grid)
    weight = (linf <= max_mode) & ((linf > 0) | (not zero_mean))
    u = _random_spectrum(grid, key, num_channels, weight, dtype)
    return _max_normalise(u, amplitude)


@eqx.filter_jit
def gaussian_random_field(
    grid: PeriodicGrid,
    *,
    key: PRNGKeyArray,
    num_channels: int = 1,
    exponent: float = 3.0,
    amplitude: float = 1.0,
    dtype=None,
) -> Float[Array, " c *spatial"]:
    r"""Zero-mean Gaussian random field with power spectrum $E|\hat u_m|^2 \propto |m|^{-\alpha}$.

    $|m|$ is the Euclidean norm of the integer mode vector; the constant and Nyquist modes are
    zero. Larger `exponent` $\alpha$ gives smoother fields. Scaled to max-abs `amplitude`.

    **Arguments:**

    - `grid`: the `PeriodicGrid`.
    - `key`: the PRNG key.
    - `num_channels`: channels of the state.
    - `exponent`: $\alpha$ (default 3).
    - `amplitude`: the max-abs of each channel.
    - `dtype`: floating dtype (default: JAX's default float).

    **Returns:** shape `(num_channels, *grid.spatial_shape)`.

    **Example:** an initial vorticity for `NavierStokesVorticity`.

    >>> w0 = gaussian_random_field(PeriodicGrid(2, 16), key=jax.random.key(0), exponent=4.0)
    >>> w0.shape, float(jnp.abs(w0).max()), bool(abs(w0.mean()) < 1e-6)
    ((1, 16, 16), 1.0, True)
    """
    linf, l2 = _mode_radius(grid)
    safe = np.where(l2 == 0, 1.0, l2)
    weight = np.where((l2 == 0) | (linf >= grid.num_points // 2), 0.0, safe ** (-exponent / 2))
    u = _random_spectrum(grid, key, num_channels, jnp.asarray(weight), dtype)
    return _max_normalise(u, amplitude)


@eqx.filter_jit
def gaussian_blobs(
    grid: PeriodicGrid,
    *,
    key: PRNGKeyArray,
    num_channels: int = 1,
    num_blobs: int = 3,
    width_range: tuple[float, float] = (0.05, 0.15),
    amplitude_range: tuple[float, float] = (0.5, 1.0),
    dtype=None,
) -> Float[Array, " c *spatial"]:
    r"""Sum of `num_blobs` periodic Gaussians $\sum_j a_j \exp(-|x - x_j|^2 / (2 s_j^2))$.

    Centres are uniform on the domain, distances use the nearest periodic image, widths $s_j$ are
    uniform in `width_range` times the extent, amplitudes uniform in `amplitude_range`.

    **Arguments:**

    - `grid`: the `PeriodicGrid`.
    - `key`: the PRNG key.
    - `num_channels`: channels of the state.
    - `num_blobs`: Gaussians per channel.
    - `width_range`: the range of the widths, as fractions of the extent.
    - `amplitude_range`: the range of the amplitudes.
    - `dtype`: floating dtype (default: JAX's default float).

    **Returns:** shape `(num_channels, *grid.spatial_shape)`.

    **Example:**

    >>> u0 = gaussian_blobs(PeriodicGrid(1, 64), key=jax.random.key(0), num_blobs=5)
    >>> u0.shape, bool(u0.min() >= 0)
    ((1, 64), True)
    """
    x = grid.coordinates(dtype)
    ext = float(grid.extent)
    d = grid.num_spatial_dims
    kc, kw, ka = jax.random.split(key, 3)
    shape = (num_channels, num_blobs)
    centres = jax.random.uniform(kc, (*shape, d), x.dtype, 0.0, ext)
    widths = ext * jax.random.uniform(kw, shape, x.dtype, *width_range)
    amps = jax.random.uniform(ka, shape, x.dtype, *amplitude_range)

    def blob(centre, width, amp):
        diff = x - centre.reshape((d,) + (1,) * d)
        diff = diff - ext * jnp.round(diff / ext)
        return amp * jnp.exp(-jnp.sum(diff * diff, axis=0) / (2 * width**2))

    per_blob = eqx.filter_vmap(eqx.filter_vmap(blob))(centres, widths, amps)
    return jnp.sum(per_blob, axis=1)
