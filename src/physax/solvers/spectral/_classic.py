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
    r"""The sine wave $A\sin(2\pi m x_{\text{axis}}/L + \phi)$ as a one-channel state.

    **Arguments:**

    - `grid`: the `PeriodicGrid`.
    - `mode`: the integer mode $m$.
    - `amplitude`: $A$.
    - `phase`: $\phi$.
    - `axis`: the spatial axis it varies along.
    - `dtype`: floating dtype (default: JAX's default float).

    **Returns:** shape `(1, *grid.spatial_shape)`.

    **Example:** the Burgers benchmark start $-\sin(\pi x)$ on $[-1, 1)$ is $\sin(\pi x')$ in
    the grid coordinate $x' = x + 1 \in [0, 2)$.

    >>> u0 = sine_wave(PeriodicGrid(1, 8, extent=2.0))  # x' = 0, 0.25, ..., 1.75
    >>> u0.shape, u0[0, [0, 2, 6]].round(6).tolist()
    ((1, 8), [0.0, 1.0, -1.0])
    """
    x = grid.coordinates(dtype)[axis]
    return (amplitude * jnp.sin(2 * math.pi * mode * x / float(grid.extent) + phase))[None]


@eqx.filter_jit
def ks_classic(grid: PeriodicGrid, *, dtype=None) -> Float[Array, " 1 n"]:
    r"""Kassam & Trefethen's (2005) Kuramoto-Sivashinsky start $\cos(x/16)(1+\sin(x/16))$.

    Periodic on the intended domain $[0, 32\pi)$.

    **Arguments:**

    - `grid`: a 1-d `PeriodicGrid`, normally of extent $32\pi$.
    - `dtype`: floating dtype (default: JAX's default float).

    **Returns:** shape `(1, N)`.

    **Example:**

    >>> u0 = ks_classic(PeriodicGrid(1, 128, extent=32 * math.pi))
    >>> u0.shape, round(float(u0.max()), 2)
    ((1, 128), 1.3)
    """
    x = grid.coordinates(dtype)
    return jnp.cos(x / 16) * (1 + jnp.sin(x / 16))


@eqx.filter_jit
def kdv_soliton(
    grid: PeriodicGrid, *, speed: float = 1.0, position: float | None = None, dtype=None
) -> Float[Array, " 1 n"]:
    r"""KdV soliton $\tfrac{c}{2}\operatorname{sech}^2(\tfrac{\sqrt c}{2}(x-x_0))$ (nearest periodic image).

    Travels at speed $c$ under `KortewegDeVries` with default coefficients; periodic to
    round-off when $\sqrt{c}\,L \gg 1$.

    **Arguments:**

    - `grid`: a 1-d `PeriodicGrid`.
    - `speed`: $c > 0$; the height is $c / 2$.
    - `position`: $x_0$ (default: the domain's centre).
    - `dtype`: floating dtype (default: JAX's default float).

    **Returns:** shape `(1, N)`.

    **Example:**

    >>> grid = PeriodicGrid(1, 64, extent=40.0)
    >>> u0 = kdv_soliton(grid, speed=2.0)
    >>> float(u0.max()), float(grid.coordinates()[0, jnp.argmax(u0[0])])
    (1.0, 20.0)
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

    For $i h_t + \tfrac12 h_{xx} + |h|^2 h = 0$ and $\kappa = 0$ it is stationary up to the
    phase $e^{ia^2t/2}$ (see `NonlinearSchroedinger`). $\kappa$ must be a multiple of
    $2\pi / L$ for periodicity.

    **Arguments:**

    - `grid`: a 1-d `PeriodicGrid`.
    - `amplitude`: $a$.
    - `position`: $x_0$ (default: the domain's centre).
    - `wavenumber`: $\kappa$.
    - `dtype`: floating dtype of the coordinates (the state is complex).

    **Returns:** a complex state of shape `(1, N)`.

    **Example:**

    >>> h0 = nls_soliton(PeriodicGrid(1, 64, extent=20.0), amplitude=2.0)
    >>> h0.dtype.kind, float(jnp.abs(h0).max())
    ('c', 2.0)
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
    r"""Pearson's (1993) Gray-Scott start: $(u, v) = (1, 0)$ with a centred square set to $(1/2, 1/4)$.

    The square's side is `size` $\times L$; with a `key`, relative uniform noise of size
    `noise` breaks the symmetry.

    **Arguments:**

    - `grid`: a 2-d (or 1-d) `PeriodicGrid`.
    - `key`: PRNG key of the noise (`None`: no noise).
    - `size`: the square's side as a fraction of the extent.
    - `noise`: the relative noise level.
    - `dtype`: floating dtype (default: JAX's default float).

    **Returns:** shape `(2, *grid.spatial_shape)`.

    **Example:**

    >>> state = gray_scott_square(PeriodicGrid(2, 32, 2.5))
    >>> state.shape, float(state[0].min()), float(state[1].max())
    ((2, 32, 32), 0.5, 0.25)
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
