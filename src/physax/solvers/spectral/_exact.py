"""Exact solutions of the linear spectral PDEs (exact exponential in Fourier space)."""

from __future__ import annotations

import jax.numpy as jnp
from jaxtyping import Array, Float, Inexact

from ._grid import PeriodicGrid
from ._pde import AbstractLinearPDE


def exact_linear_solution(
    pde: AbstractLinearPDE,
    grid: PeriodicGrid,
    u0: Inexact[Array, " c *spatial"],
    t: float | Float[Array, ""],
) -> Inexact[Array, " c *spatial"]:
    r"""Exact solution $u(t) = \mathcal{F}^{-1}[e^{\hat L t}\mathcal{F}u_0]$ of a linear PDE.

    For a band-limited $u_0$ (no energy at the Nyquist mode) this is the exact solution of the
    PDE itself, e.g. the translate $u_0(x - ct)$ for `Advection`.

    **Arguments:**

    - `pde`: an `AbstractLinearPDE` (`Advection`, `Diffusion`, `AdvectionDiffusion`,
      `Dispersion`).
    - `grid`: the `PeriodicGrid`.
    - `u0`: the initial state (channel-first).
    - `t`: the time.

    **Returns:** the state at time `t`, same shape and dtype as `u0`.

    **Example:** diffusion damps $\sin x$ by $e^{-\nu t}$.

    >>> grid = PeriodicGrid(1, 32, extent=2 * math.pi)
    >>> u = exact_linear_solution(Diffusion(nu=0.1), grid, jnp.sin(grid.coordinates()), 2.0)
    >>> bool(abs(u.max() - math.exp(-0.2)) < 1e-6)
    True
    """
    if not isinstance(pde, AbstractLinearPDE):
        raise TypeError(
            f"exact_linear_solution needs a linear PDE (nonlinear term zero), got "
            f"{type(pde).__name__}; use a Stepper with a fine dt as a reference instead."
        )
    u0 = jnp.asarray(u0)
    u_hat = grid.to_fourier(u0)
    lin = jnp.asarray(pde.linear_symbol(grid))
    factor = jnp.exp(lin.astype(jnp.result_type(lin, 1j)) * t).astype(u_hat.dtype)
    return grid.to_physical(factor * u_hat).astype(u0.dtype)
