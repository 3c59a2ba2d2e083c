"""2D incompressible Navier-Stokes in vorticity form with Kolmogorov forcing."""

from __future__ import annotations

import math
from typing import ClassVar

import equinox as eqx
import numpy as np
from jaxtyping import Array

from ._pde import AbstractPDE, param


class NavierStokesVorticity(AbstractPDE):
    r"""2D incompressible Navier-Stokes in vorticity form on $[0,L)^2$,

    $$\omega_t + \nabla\cdot(\mathbf{u}\,\omega) = \nu\Delta\omega - \lambda\,\omega + f,\qquad
    \Delta\psi = -\omega,\quad \mathbf{u} = (\psi_y, -\psi_x).$$

    The advection term is in divergence form (equal to $\mathbf{u}\cdot\nabla\omega$ since
    $\nabla\cdot\mathbf{u}=0$), which keeps the mean vorticity exactly constant (it only
    decays as $e^{-\lambda t}$ with drag). Kolmogorov forcing is the curl of the body force
    $A\sin(\kappa y)\,\hat{x}$, $\kappa = 2\pi n_f/L$: $f = -A\kappa\cos(\kappa y)$. Defaults
    follow Kochkov et al. (2021, "Machine learning-accelerated computational fluid dynamics",
    PNAS): $L=2\pi$, $\nu=10^{-3}$, $\lambda=0.1$, $n_f=4$. Array axis 1 of the state is $x$,
    axis 2 is $y$. The stream function comes from a Poisson solve in Fourier space; products
    are dealiased with the 2/3 rule.

    **Arguments:**

    - `nu`: the viscosity $\nu$.
    - `drag`: $\lambda$ (0 disables it).
    - `forcing_wavenumber`: $n_f$, an integer mode (0 disables the forcing).
    - `forcing_amplitude`: $A$.
    - `dealiasing_fraction`: default 2/3.

    **Example:** one step; the state is one channel of vorticity, and its mean stays zero.

    >>> grid = PeriodicGrid(2, 16, extent=2 * math.pi)
    >>> x, y = grid.coordinates()
    >>> w0 = (jnp.sin(x) * jnp.cos(2 * y) + jnp.cos(3 * x))[None]
    >>> w1 = Stepper(NavierStokesVorticity(), grid, dt=0.05)(w0)
    >>> w1.shape, bool(abs(w1.mean()) < 1e-6)
    ((1, 16, 16), True)
    """

    nu: float | Array = param(1e-3)
    drag: float | Array = param(0.1)
    forcing_wavenumber: int = eqx.field(static=True, default=4)
    forcing_amplitude: float | Array = param(1.0)
    dealiasing_fraction: float = eqx.field(static=True, default=2 / 3)
    supported_dims: ClassVar[tuple[int, ...]] = (2,)

    def linear_symbol(self, grid):
        return self.nu * grid.laplacian_symbol() - self.drag

    def forcing_hat(self, grid):
        """Spectrum (rfft layout) of the vorticity forcing $-A\\kappa\\cos(\\kappa y)$."""
        nf = self.forcing_wavenumber
        if not 0 <= nf < grid.num_points // 2:
            raise ValueError(
                f"forcing_wavenumber must be in [0, N/2) = [0, {grid.num_points // 2}), got {nf}."
            )
        unit = np.zeros(grid.spectral_shape(), dtype=np.complex128)
        kappa = 2 * math.pi * nf / float(grid.extent)
        if nf > 0:
            # cos(kappa y) has rfft coefficient N^2/2 at (m_x, m_y) = (0, n_f).
            unit[0, nf] = -kappa * grid.num_points**2 / 2
        return self.forcing_amplitude * unit

    def nonlinear(self, u_hat, grid):
        frac = self.dealiasing_fraction
        w_hat = grid.dealias(u_hat, frac)
        lap = grid.laplacian_symbol()
        inv_neg_lap = np.where(lap == 0, 0.0, -1.0 / np.where(lap == 0, 1.0, lap))
        psi_hat = w_hat * inv_neg_lap.astype(w_hat.dtype)
        vel_x = grid.to_physical(grid.diff(psi_hat, 1, axis=1))
        vel_y = grid.to_physical(-grid.diff(psi_hat, 1, axis=0))
        w = grid.to_physical(w_hat)
        flux_x = grid.dealias(grid.to_fourier(vel_x * w), frac)
        flux_y = grid.dealias(grid.to_fourier(vel_y * w), frac)
        advection = grid.diff(flux_x, 1, axis=0) + grid.diff(flux_y, 1, axis=1)
        forcing = self.forcing_hat(grid)
        return -advection + forcing.astype(w_hat.dtype)
