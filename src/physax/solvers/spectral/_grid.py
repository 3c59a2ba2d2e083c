"""Periodic Fourier grid: coordinates, wavenumbers, derivative symbols, dealiasing, transforms."""

from __future__ import annotations

import math

import equinox as eqx
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Bool, Complex, Float, Inexact


class PeriodicGrid(eqx.Module):
    r"""A uniform periodic grid on $[0, L)^d$ with $N$ points per axis, for pseudo-spectral solvers.

    Points are $x_j = jL/N$, $j = 0, \dots, N-1$. A state is channel-first, shape
    ``(channels, N)`` in 1D or ``(channels, N, N)`` in 2D (array axis 1 is $x$, axis 2 is $y$).
    Real fields use ``rfftn`` over the spatial axes, spectral shape ``(N//2+1,)`` in 1D and
    ``(N, N//2+1)`` in 2D; complex fields (e.g. nonlinear Schroedinger) use the full ``fftn``,
    spectral shape ``(N,)*d``. Whether a spectral array belongs to a real or a complex field is
    read off its last axis (``N//2+1`` vs ``N``), which is unambiguous because $N$ is even.

    The angular wavenumbers are $k = 2\pi m / L$ with integer mode $m \in [-N/2, N/2)$. Odd-order
    derivative symbols $(ik)^p$ are set to zero at the Nyquist mode $m=-N/2$, whose $ik$ has no
    real-valued counterpart; even orders keep it.

    **Arguments:**

    - `num_spatial_dims`: 1 or 2.
    - `num_points`: points per axis $N$; even and at least 4.
    - `extent`: period $L > 0$ of each axis.

    **Example:** the spectral derivative of $\sin x$ is $\cos x$ to round-off.

    >>> grid = PeriodicGrid(1, 16, extent=2 * math.pi)
    >>> u = jnp.sin(grid.coordinates())  # shape (1, 16): a one-channel state
    >>> u_x = grid.to_physical(grid.diff(grid.to_fourier(u), 1))
    >>> u.shape, bool(jnp.allclose(u_x, jnp.cos(grid.coordinates()), atol=1e-5))
    ((1, 16), True)
    """

    num_spatial_dims: int = eqx.field(static=True)
    num_points: int = eqx.field(static=True)
    extent: float = eqx.field(static=True, default=1.0)

    def __check_init__(self):
        if self.num_spatial_dims not in (1, 2):
            raise ValueError(
                f"num_spatial_dims must be 1 or 2, got {self.num_spatial_dims}; "
                "the spectral solvers support 1D and 2D periodic domains."
            )
        n = self.num_points
        if not isinstance(n, int | np.integer) or n < 4 or n % 2 != 0:
            raise ValueError(
                f"num_points must be an even integer >= 4, got {n!r}; use an even N "
                "(a power of two is fastest for the FFT)."
            )
        if not float(self.extent) > 0:
            raise ValueError(f"extent must be positive, got {self.extent!r}.")

    @property
    def spacing(self) -> float:
        """Grid spacing $L/N$."""
        return float(self.extent) / self.num_points

    @property
    def spatial_shape(self) -> tuple[int, ...]:
        """``(N,)`` in 1D, ``(N, N)`` in 2D."""
        return (self.num_points,) * self.num_spatial_dims

    def spectral_shape(self, complex_field: bool = False) -> tuple[int, ...]:
        """Shape of the Fourier coefficients of one channel (rfft layout unless `complex_field`)."""
        n = self.num_points
        if complex_field:
            return (n,) * self.num_spatial_dims
        return (n,) * (self.num_spatial_dims - 1) + (n // 2 + 1,)

    def coordinates(self, dtype=None) -> Float[Array, " dims *spatial"]:
        """Grid coordinates, shape ``(d, N, ..., N)`` (``indexing="ij"``); in 1D shape ``(1, N)``.

        **Arguments:**

        - `dtype`: floating dtype; default is JAX's default float (float64 only if
          `jax_enable_x64` is on).
        """
        x1 = np.arange(self.num_points) * (float(self.extent) / self.num_points)
        mesh = np.meshgrid(*([x1] * self.num_spatial_dims), indexing="ij")
        return jnp.asarray(np.stack(mesh), dtype=dtype)

    def integer_modes(self, axis: int, complex_field: bool = False) -> np.ndarray:
        """Integer mode numbers $m$ along spatial `axis`, broadcastable against one channel."""
        n = self.num_points
        last = axis == self.num_spatial_dims - 1
        if last and not complex_field:
            m = np.arange(n // 2 + 1, dtype=np.float64)
        else:
            m = np.fft.fftfreq(n, d=1.0 / n)
        shape = [1] * self.num_spatial_dims
        shape[axis] = m.shape[0]
        return m.reshape(shape)

    def wavenumbers(self, axis: int, complex_field: bool = False) -> np.ndarray:
        r"""Angular wavenumbers $k = 2\pi m/L$ along `axis` (numpy float64, broadcastable)."""
        return self.integer_modes(axis, complex_field) * (2 * math.pi / float(self.extent))

    def derivative_symbol(self, order: int, axis: int = 0, complex_field: bool = False) -> np.ndarray:
        r"""Symbol $(ik)^p$ of $\partial^p/\partial x_{axis}^p$ (Nyquist zeroed for odd $p$)."""
        m = self.integer_modes(axis, complex_field)
        k = self.wavenumbers(axis, complex_field)
        if order % 2 == 1:
            k = np.where(np.abs(m) == self.num_points // 2, 0.0, k)
        return (1j * k) ** order

    def laplacian_symbol(self, complex_field: bool = False) -> np.ndarray:
        r"""Fourier symbol $-|k|^2$ of the Laplacian, full spectral shape (numpy float64)."""
        out = np.zeros(self.spectral_shape(complex_field))
        for axis in range(self.num_spatial_dims):
            out = out - self.wavenumbers(axis, complex_field) ** 2
        return out

    def dealias_mask(
        self, fraction: float = 2 / 3, complex_field: bool = False
    ) -> Bool[np.ndarray, " *spectral"]:
        r"""Dealiasing mask keeping modes with $|m| < \text{fraction}\cdot N/2$ along every axis.

        ``fraction=2/3`` is Orszag's 2/3 rule (exact for quadratic products); ``fraction=1``
        keeps every mode including Nyquist (no dealiasing).
        """
        if not 0 < fraction <= 1:
            raise ValueError(f"dealiasing fraction must be in (0, 1], got {fraction!r}.")
        mask = np.ones(self.spectral_shape(complex_field), dtype=bool)
        if fraction >= 1:
            return mask
        cutoff = fraction * self.num_points / 2
        for axis in range(self.num_spatial_dims):
            mask = mask & (np.abs(self.integer_modes(axis, complex_field)) < cutoff)
        return mask

    def _is_complex_spectrum(self, u_hat: Array) -> bool:
        return u_hat.shape[-1] == self.num_points

    def _axes(self) -> tuple[int, ...]:
        return tuple(range(-self.num_spatial_dims, 0))

    def to_fourier(self, u: Inexact[Array, " c *spatial"]) -> Complex[Array, " c *spectral"]:
        """Forward transform over the trailing spatial axes (``rfftn`` for real input)."""
        if jnp.iscomplexobj(u):
            return jnp.fft.fftn(u, axes=self._axes())
        return jnp.fft.rfftn(u, axes=self._axes())

    def to_physical(self, u_hat: Complex[Array, " c *spectral"]) -> Inexact[Array, " c *spatial"]:
        """Inverse of `to_fourier`; returns a real array for an rfft-layout spectrum."""
        if self._is_complex_spectrum(u_hat):
            return jnp.fft.ifftn(u_hat, axes=self._axes())
        return jnp.fft.irfftn(u_hat, s=self.spatial_shape, axes=self._axes())

    def diff(
        self, u_hat: Complex[Array, " c *spectral"], order: int = 1, axis: int = 0
    ) -> Complex[Array, " c *spectral"]:
        """Multiply a spectrum by the derivative symbol of `order` along spatial `axis`."""
        sym = self.derivative_symbol(order, axis, self._is_complex_spectrum(u_hat))
        return u_hat * sym.astype(u_hat.dtype)

    def laplacian(self, u_hat: Complex[Array, " c *spectral"]) -> Complex[Array, " c *spectral"]:
        """Multiply a spectrum by the Laplacian symbol $-|k|^2$."""
        sym = self.laplacian_symbol(self._is_complex_spectrum(u_hat))
        return u_hat * sym.astype(u_hat.dtype)

    def dealias(
        self, u_hat: Complex[Array, " c *spectral"], fraction: float = 2 / 3
    ) -> Complex[Array, " c *spectral"]:
        """Zero the modes outside `dealias_mask` (no-op for ``fraction=1``)."""
        if fraction >= 1:
            return u_hat
        return u_hat * self.dealias_mask(fraction, self._is_complex_spectrum(u_hat))
