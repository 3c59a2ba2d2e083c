"""Abstract semi-linear PDE on a periodic grid: a diagonal linear symbol plus a nonlinear term."""

from __future__ import annotations

import abc
from typing import ClassVar

import equinox as eqx
import jax.numpy as jnp
from jaxtyping import Array, Complex

from ._grid import PeriodicGrid


class AbstractPDE(eqx.Module):
    r"""A PDE $u_t = \mathcal{L}u + \mathcal{N}(u)$ with $\mathcal{L}$ diagonal in Fourier space.

    Subclasses hold the physical parameters as fields and implement

    - `linear_symbol`: the Fourier symbol of $\mathcal{L}$, broadcastable to
      ``(num_channels, *grid.spectral_shape(complex_state))``;
    - `nonlinear`: $\hat u \mapsto \widehat{\mathcal{N}(u)}$, same shape as $\hat u$.

    Class variables: ``num_channels`` (state channels), ``complex_state`` (the field is complex
    and uses the full FFT), ``supported_dims`` (spatial dimensions the PDE is defined for).
    Parameters may be Python floats or JAX arrays (so they can be differentiated).

    **Example:** the logistic equation $u_t = u - u^2$ as a (space-independent) PDE; ten
    ETDRK4 steps reach the exact $1 / (1 + e^{-1})$ at $t = 1$.

    >>> class Logistic(AbstractPDE):
    ...     def linear_symbol(self, grid):
    ...         return np.ones(grid.spectral_shape())
    ...     def nonlinear(self, u_hat, grid):
    ...         u = grid.to_physical(u_hat)
    ...         return grid.to_fourier(-u * u)
    >>> traj = rollout(Stepper(Logistic(), PeriodicGrid(1, 8), dt=0.1), jnp.full((1, 8), 0.5), 10)
    >>> bool(jnp.abs(traj[-1] - 1 / (1 + math.exp(-1.0))).max() < 1e-5)
    True
    """

    num_channels: ClassVar[int] = 1
    complex_state: ClassVar[bool] = False
    supported_dims: ClassVar[tuple[int, ...]] = (1, 2)

    @abc.abstractmethod
    def linear_symbol(self, grid: PeriodicGrid) -> Complex[Array, " ..."]:
        """Fourier symbol of the linear operator."""

    @abc.abstractmethod
    def nonlinear(
        self, u_hat: Complex[Array, " c *spectral"], grid: PeriodicGrid
    ) -> Complex[Array, " c *spectral"]:
        """Fourier transform of the nonlinear term evaluated at the state with spectrum `u_hat`."""


class AbstractLinearPDE(AbstractPDE):
    r"""A PDE $u_t = \mathcal{L}u$ whose nonlinear term is zero, so `exact_linear_solution` applies.

    Subclasses implement only `linear_symbol`; a `Stepper` advances them exactly.

    **Example:** uniform decay $u_t = -ru$.

    >>> class Decay(AbstractLinearPDE):
    ...     rate: float = 1.0
    ...     def linear_symbol(self, grid):
    ...         return np.full(grid.spectral_shape(), -self.rate)
    >>> u1 = Stepper(Decay(rate=2.0), PeriodicGrid(1, 8), dt=0.5)(jnp.ones((1, 8)))
    >>> bool(jnp.abs(u1 - math.exp(-1.0)).max() < 1e-6)
    True
    """

    def nonlinear(self, u_hat, grid):
        return jnp.zeros_like(u_hat)


def _as_param(value):
    # Python numbers become weakly typed JAX scalars: they stay traced leaves under
    # eqx.filter_jit (new values do not recompile) and keep float32 states in float32.
    if isinstance(value, tuple | list):
        return tuple(_as_param(v) for v in value)
    if isinstance(value, bool):
        raise TypeError("PDE parameters must be numbers or arrays, not bool.")
    return jnp.asarray(value)


def param(default):
    """A PDE parameter field: a number or array, stored as a JAX array (differentiable)."""
    return eqx.field(default=default, converter=_as_param)


def per_axis(value, num_spatial_dims: int) -> tuple:
    """A scalar repeated over the axes, or a per-axis sequence checked for length."""
    if isinstance(value, tuple | list):
        if len(value) != num_spatial_dims:
            raise ValueError(
                f"expected {num_spatial_dims} per-axis values, got {len(value)}; pass a scalar "
                "or one value per spatial axis."
            )
        return tuple(value)
    return (value,) * num_spatial_dims


def quadratic_flux_divergence(
    u_hat: Complex[Array, " c *spectral"], grid: PeriodicGrid, fraction: float
) -> Complex[Array, " c *spectral"]:
    r"""Spectrum of $\tfrac12 (u^2)_x$ (1D), dealiased on input and output."""
    u = grid.to_physical(grid.dealias(u_hat, fraction))
    # one precomputed symbol: (1/2) i k, with the dealiasing mask folded in
    complex_field = grid._is_complex_spectrum(u_hat)
    sym = 0.5 * grid.derivative_symbol(1, 0, complex_field) * grid.dealias_mask(fraction, complex_field)
    return grid.to_fourier(u * u) * sym.astype(u_hat.dtype)
