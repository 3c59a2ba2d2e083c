"""Linear PDEs: advection, diffusion, advection-diffusion, dispersion."""

from __future__ import annotations

from jaxtyping import Array

from ._grid import PeriodicGrid
from ._pde import AbstractLinearPDE, param, per_axis


def _advection_symbol(velocity, grid: PeriodicGrid):
    out = 0.0
    for axis, c in enumerate(per_axis(velocity, grid.num_spatial_dims)):
        out = out - c * grid.derivative_symbol(1, axis)
    return out


class Advection(AbstractLinearPDE):
    r"""Linear advection $u_t + \mathbf{c}\cdot\nabla u = 0$; the profile moves by $\mathbf{c}t$.

    Symbol $-i\,\mathbf{c}\cdot\mathbf{k}$. **Arguments:** `velocity`: scalar (same on every axis)
    or one value per axis (default 1.0).

    **Example:** ``Stepper(Advection(velocity=0.5), PeriodicGrid(1, 64), dt=0.1)``.
    """

    velocity: float | tuple | Array = param(1.0)

    def linear_symbol(self, grid):
        return _advection_symbol(self.velocity, grid)


class Diffusion(AbstractLinearPDE):
    r"""Heat equation $u_t = \nu \Delta u$; symbol $-\nu|k|^2$.

    **Arguments:** `nu`: diffusivity (default 0.01).

    **Example:** ``Stepper(Diffusion(nu=0.1), PeriodicGrid(2, 32), dt=0.01)``.
    """

    nu: float | Array = param(0.01)

    def linear_symbol(self, grid):
        return self.nu * grid.laplacian_symbol()


class AdvectionDiffusion(AbstractLinearPDE):
    r"""Advection-diffusion $u_t + \mathbf{c}\cdot\nabla u = \nu\Delta u$.

    Symbol $-i\mathbf{c}\cdot\mathbf{k} - \nu|k|^2$.

    **Arguments:** `velocity` (scalar or per axis, default 1.0), `nu` (default 0.01).

    **Example:** ``AdvectionDiffusion(velocity=(1.0, -0.5), nu=0.01)`` on a 2D grid.
    """

    velocity: float | tuple | Array = param(1.0)
    nu: float | Array = param(0.01)

    def linear_symbol(self, grid):
        return _advection_symbol(self.velocity, grid) + self.nu * grid.laplacian_symbol()


class Dispersion(AbstractLinearPDE):
    r"""Linear dispersion $u_t = \gamma\partial_x^3 u$ (2D: $\gamma(\partial_x^3+\partial_y^3)u$).

    Symbol $\gamma (ik)^3 = -i\gamma k^3$: a Fourier mode $e^{ikx}$ travels with phase speed
    $\gamma k^2$ in the $+x$ direction (for $\gamma>0$).

    **Arguments:** `gamma` (default 1.0).

    **Example:** ``Stepper(Dispersion(gamma=0.01), PeriodicGrid(1, 64), dt=0.1)``.
    """

    gamma: float | Array = param(1.0)

    def linear_symbol(self, grid):
        out = 0.0
        for axis in range(grid.num_spatial_dims):
            out = out + grid.derivative_symbol(3, axis)
        return self.gamma * out
