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

    Symbol $-i\,\mathbf{c}\cdot\mathbf{k}$.

    **Arguments:**

    - `velocity`: a scalar (the same on every axis) or one value per axis (default 1.0).

    **Example:** half a period in one step, exact for any step size.

    >>> grid = PeriodicGrid(1, 32, extent=1.0)
    >>> u0 = sine_wave(grid, mode=3)
    >>> u1 = Stepper(Advection(velocity=0.5), grid, dt=1.0)(u0)
    >>> bool(jnp.abs(u1 - jnp.roll(u0, 16, axis=-1)).max() < 1e-5)
    True
    """

    velocity: float | tuple | Array = param(1.0)

    def linear_symbol(self, grid):
        return _advection_symbol(self.velocity, grid)


class Diffusion(AbstractLinearPDE):
    r"""Heat equation $u_t = \nu \Delta u$; symbol $-\nu|k|^2$.

    **Arguments:**

    - `nu`: the diffusivity (default 0.01).

    **Example:** the mode $\sin x \cos 2y$ decays by $e^{-5\nu t}$.

    >>> grid = PeriodicGrid(2, 16, extent=2 * math.pi)
    >>> x, y = grid.coordinates()
    >>> u0 = (jnp.sin(x) * jnp.cos(2 * y))[None]
    >>> u1 = Stepper(Diffusion(nu=0.1), grid, dt=1.0)(u0)
    >>> bool(abs(u1.max() / u0.max() - math.exp(-0.5)) < 1e-5)
    True
    """

    nu: float | Array = param(0.01)

    def linear_symbol(self, grid):
        return self.nu * grid.laplacian_symbol()


class AdvectionDiffusion(AbstractLinearPDE):
    r"""Advection-diffusion $u_t + \mathbf{c}\cdot\nabla u = \nu\Delta u$.

    Symbol $-i\mathbf{c}\cdot\mathbf{k} - \nu|k|^2$.

    **Arguments:**

    - `velocity`: a scalar or one value per axis (default 1.0).
    - `nu`: the diffusivity (default 0.01).

    **Example:** a step of the `Stepper` is the exact solution.

    >>> grid = PeriodicGrid(2, 16, extent=1.0)
    >>> pde = AdvectionDiffusion(velocity=(1.0, -0.5), nu=0.01)
    >>> x, y = grid.coordinates()
    >>> u0 = jnp.sin(2 * jnp.pi * (x + 2 * y))[None]
    >>> u1 = Stepper(pde, grid, dt=0.1)(u0)
    >>> bool(jnp.abs(u1 - exact_linear_solution(pde, grid, u0, 0.1)).max() < 1e-5)
    True
    """

    velocity: float | tuple | Array = param(1.0)
    nu: float | Array = param(0.01)

    def linear_symbol(self, grid):
        return _advection_symbol(self.velocity, grid) + self.nu * grid.laplacian_symbol()


class Dispersion(AbstractLinearPDE):
    r"""Linear dispersion $u_t = \gamma\partial_x^3 u$ (2D: $\gamma(\partial_x^3+\partial_y^3)u$).

    Symbol $\gamma (ik)^3 = -i\gamma k^3$: a Fourier mode $e^{ikx}$ travels with phase speed
    $\gamma k^2$ in the $+x$ direction (for $\gamma>0$).

    **Arguments:**

    - `gamma`: $\gamma$ (default 1.0).

    **Example:** the mode $k = 2$ moves at $\gamma k^2 = 0.4$.

    >>> grid = PeriodicGrid(1, 64, extent=2 * math.pi)
    >>> x = grid.coordinates()
    >>> u1 = exact_linear_solution(Dispersion(gamma=0.1), grid, jnp.sin(2 * x), 1.0)
    >>> bool(jnp.abs(u1 - jnp.sin(2 * (x - 0.4))).max() < 1e-5)
    True
    """

    gamma: float | Array = param(1.0)

    def linear_symbol(self, grid):
        out = 0.0
        for axis in range(grid.num_spatial_dims):
            out = out + grid.derivative_symbol(3, axis)
        return self.gamma * out
