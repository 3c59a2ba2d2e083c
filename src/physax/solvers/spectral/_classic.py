"""Fixed classic initial conditions (deterministic unless a `key` adds noise)."""

from __future__ import annotations

import math

import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import Array, Complex, Float, PRNGKeyArray

from ._grid import PeriodicGrid


def _periodic_offset(x: Array, centre: float, extent: float) -> Array:
    d = x - centre
    return d - extent * jnp.round(d / extent)


@eqx.filter_jit
def sine_wave(
    grid: PeriodicGrid,
    *,
    mode: int = 1,
    amplitude: float = 1.0,
    phase: float = 0.0,
    axis: int = 0,
    dtype=None,
) -> Float[Array, " 1 *spatial"]:
    r"""$A\sin(2\pi m x_{axis}/L + \phi)$ as a one-channel state.

    **Example:** the Burgers benchmark start $-\sin(\pi x)$ on $[-1,1)$ is $\sin(\pi x')$ in the
    grid coordinate $x' = x + 1 \in [0, 2)$, i.e. ``sine_wave(PeriodicGrid(1, 1024, extent=2.0))``.
    """
    x = grid.coordinates(dtype)[axis]
    return (amplitude * jnp.sin(2 * math.pi * mode * x / float(grid.extent) + phase))[None]


@eqx.filter_jit
def ks_classic(grid: PeriodicGrid, *, dtype=None) -> Float[Array, " 1 n"]:
    r"""Kassam & Trefethen's (2005) Kuramoto-Sivashinsky start $\cos(x/16)(1+\sin(x/16))$.

    Periodic on the intended domain $[0, 32\pi)$.

    **Example:** ``ks_classic(PeriodicGrid(1, 128, extent=32 * math.pi))``.
    """
    x = grid.coordinates(dtype)
    return jnp.cos(x / 16) * (1 + jnp.sin(x / 16))


@eqx.filter_jit
def kdv_soliton(
    grid: PeriodicGrid, *, speed: float = 1.0, position: float | None = None, dtype=None
) -> Float[Array, " 1 n"]:
    r"""KdV soliton $\tfrac{c}{2}\operatorname{sech}^2(\tfrac{\sqrt c}{2}(x-x_0))$ (nearest image).

    Travels at speed $c$ under :class:`KortewegDeVries` with default coefficients; periodic to
    round-off when $\sqrt{c}\,L \gg 1$. `position` defaults to the domain centre.
    """
    ext = float(grid.extent)
    x0 = ext / 2 if position is None else position
    d = _periodic_offset(grid.coordinates(dtype), x0, ext)
    return 0.5 * speed / jnp.cosh(0.5 * math.sqrt(speed) * d) ** 2


@eqx.filter_jit
def nls_soliton(
    grid: PeriodicGrid,
    *,
    amplitude: float = 1.0,
    position: float | None = None,
    wavenumber: float = 0.0,
    dtype=None,
) -> Complex[Array, " 1 n"]:
    r"""Bright NLS soliton $a\operatorname{sech}(a(x-x_0))\,e^{i\kappa x}$.

    For $i h_t + \tfrac12 h_{xx} + |h|^2 h = 0$ and $\kappa = 0$ this is stationary up to the phase
    $e^{ia^2t/2}$. `position` defaults to the domain centre; $\kappa$ must be $2\pi$-integer
    multiple of $1/L$ for periodicity.
    """
    ext = float(grid.extent)
    x = grid.coordinates(dtype)
    x0 = ext / 2 if position is None else position
    envelope = amplitude / jnp.cosh(amplitude * _periodic_offset(x, x0, ext))
    return envelope * jnp.exp(1j * wavenumber * x)


@eqx.filter_jit
def gray_scott_square(
    grid: PeriodicGrid,
    *,
    key: PRNGKeyArray | None = None,
    size: float = 0.08,
    noise: float = 0.01,
    dtype=None,
) -> Float[Array, " 2 *spatial"]:
    r"""Pearson's (1993) Gray-Scott start: $(u, v) = (1, 0)$ with a centred square of side
    `size` $\times L$ set to $(1/2, 1/4)$, plus relative uniform noise of size `noise` if `key`.

    **Returns:** shape ``(2, *grid.spatial_shape)``.

    **Example:** ``gray_scott_square(PeriodicGrid(2, 128, 2.5), key=jax.random.key(0))``.
    """
    ext = float(grid.extent)
    x = grid.coordinates(dtype)
    inside = jnp.all(jnp.abs(x - ext / 2) <= size * ext / 2, axis=0)
    u = jnp.where(inside, 0.5, 1.0).astype(x.dtype)
    v = jnp.where(inside, 0.25, 0.0).astype(x.dtype)
    state = jnp.stack([u, v])
    if key is not None:
        state = state * (1 + noise * jax.random.uniform(key, state.shape, x.dtype, -1.0, 1.0))
    return state
