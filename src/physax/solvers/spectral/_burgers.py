"""Viscous Burgers and Korteweg-de Vries equations (1D, conservative quadratic flux)."""

from __future__ import annotations

from typing import ClassVar

import equinox as eqx
from jaxtyping import Array

from ._pde import AbstractPDE, param, quadratic_flux_divergence


class Burgers(AbstractPDE):
    r"""Viscous Burgers equation in conservative form, $u_t + b\,\tfrac12 (u^2)_x = \nu u_{xx}$.

    Linear symbol $-\nu k^2$; nonlinear term $-\tfrac{b}{2}\,\widehat{(u^2)_x}$, dealiased with
    the 2/3 rule by default. The classic benchmark (Basdevant et al. 1986; Raissi et al. 2019) is
    $\nu = 0.01/\pi$, $u_0=-\sin(\pi x)$ on $x\in[-1,1)$: see `burgers_sine_solution`.

    **Arguments:**

    - `nu`: the viscosity $\nu$ (default 0.01).
    - `b`: the convection coefficient $b$ (default 1.0).
    - `dealiasing_fraction`: default 2/3; 1.0 disables dealiasing.

    **Example:** from $-\sin(\pi x)$ the steepest slope grows from $\pi$ to over 20 by
    $t = 0.3$, as the shock forms at $x = 0$.

    >>> grid = PeriodicGrid(1, 128, extent=2.0)
    >>> traj = rollout(Stepper(Burgers(nu=0.01 / jnp.pi), grid, dt=1e-3), sine_wave(grid), 300)
    >>> slope = jnp.abs(jnp.diff(traj[-1, 0])).max() / grid.spacing
    >>> traj.shape, bool(slope > 20)
    ((301, 1, 128), True)
    """

    nu: float | Array = param(0.01)
    b: float | Array = param(1.0)
    dealiasing_fraction: float = eqx.field(static=True, default=2 / 3)
    supported_dims: ClassVar[tuple[int, ...]] = (1,)

    def linear_symbol(self, grid):
        return self.nu * grid.laplacian_symbol()

    def nonlinear(self, u_hat, grid):
        return -self.b * quadratic_flux_divergence(u_hat, grid, self.dealiasing_fraction)


class KortewegDeVries(AbstractPDE):
    r"""Korteweg-de Vries equation with optional (hyper)viscosity,

    $$u_t + \alpha\, u u_x + \beta\, u_{xxx} = \nu u_{xx} - \mu u_{xxxx},$$

    default $\alpha=6$, $\beta=1$, $\nu=\mu=0$ (the classic $u_t + 6uu_x + u_{xxx} = 0$, whose
    soliton is $u = \tfrac{c}{2}\operatorname{sech}^2(\tfrac{\sqrt c}{2}(x-ct))$, see
    `kdv_soliton`). Linear symbol $i\beta k^3 - \nu k^2 - \mu k^4$; the nonlinear term is
    written conservatively, $-\tfrac{\alpha}{2}(u^2)_x$.

    **Arguments:**

    - `alpha`, `beta`: the nonlinear and dispersive coefficients $\alpha$, $\beta$.
    - `nu`: the viscosity $\nu$.
    - `mu`: the hyperviscosity $\mu$.
    - `dealiasing_fraction`: default 2/3.

    **Example:** a soliton of speed 1 started at $x = 10$ is at $x = 15$ at $t = 5$, with
    its shape intact.

    >>> grid = PeriodicGrid(1, 128, extent=40.0)
    >>> u0 = kdv_soliton(grid, speed=1.0, position=10.0)
    >>> traj = rollout(Stepper(KortewegDeVries(), grid, dt=0.05), u0, 100)
    >>> bool(jnp.abs(traj[-1] - kdv_soliton(grid, speed=1.0, position=15.0)).max() < 1e-4)
    True
    """

    alpha: float | Array = param(6.0)
    beta: float | Array = param(1.0)
    nu: float | Array = param(0.0)
    mu: float | Array = param(0.0)
    dealiasing_fraction: float = eqx.field(static=True, default=2 / 3)
    supported_dims: ClassVar[tuple[int, ...]] = (1,)

    def linear_symbol(self, grid):
        return (
            -self.beta * grid.derivative_symbol(3)
            + self.nu * grid.derivative_symbol(2)
            - self.mu * grid.derivative_symbol(4)
        )

    def nonlinear(self, u_hat, grid):
        return -self.alpha * quadratic_flux_divergence(u_hat, grid, self.dealiasing_fraction)
