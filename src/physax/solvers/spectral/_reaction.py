"""Reaction-diffusion equations: Allen-Cahn, Fisher-KPP, Gray-Scott."""

from __future__ import annotations

from typing import ClassVar

import equinox as eqx
import jax.numpy as jnp
from jaxtyping import Array

from ._pde import AbstractPDE, param


class AllenCahn(AbstractPDE):
    r"""Allen-Cahn equation $u_t = \varepsilon\Delta u + c\,(u - u^3)$.

    Linear symbol $-\varepsilon|k|^2 + c$; nonlinear term $-c\,u^3$ (dealiased; the 2/3 rule
    removes most, not all, cubic aliasing). Kassam & Trefethen (2005) use $\varepsilon=0.01$,
    $c=1$ on $[-1,1]$.

    **Arguments:**

    - `epsilon`: $\varepsilon$ (default 0.01).
    - `c`: $c$ (default 1.0).
    - `dealiasing_fraction`: default 2/3.

    **Example:** the solution settles on the stable states $\pm 1$.

    >>> grid = PeriodicGrid(1, 64, extent=2.0)
    >>> traj = rollout(Stepper(AllenCahn(), grid, dt=0.1), 0.9 * sine_wave(grid), 50)
    >>> round(float(jnp.abs(traj[-1]).max()), 2)
    1.0
    """

    epsilon: float | Array = param(0.01)
    c: float | Array = param(1.0)
    dealiasing_fraction: float = eqx.field(static=True, default=2 / 3)

    def linear_symbol(self, grid):
        return self.epsilon * grid.laplacian_symbol() + self.c

    def nonlinear(self, u_hat, grid):
        frac = self.dealiasing_fraction
        u = grid.to_physical(grid.dealias(u_hat, frac))
        return -self.c * grid.dealias(grid.to_fourier(u * u * u), frac)


class FisherKPP(AbstractPDE):
    r"""Fisher-KPP equation $u_t = \nu\Delta u + r\,u(1-u)$.

    Linear symbol $-\nu|k|^2 + r$; nonlinear term $-r u^2$ (dealiased). Fronts connecting
    $u=1$ to $u=0$ travel at speed $2\sqrt{r\nu}$.

    **Arguments:**

    - `nu`: the diffusivity $\nu$ (default 0.01).
    - `r`: the growth rate $r$ (default 1.0).
    - `dealiasing_fraction`: default 2/3.

    **Example:** a population between 0 and 1 grows towards the carrying capacity 1.

    >>> grid = PeriodicGrid(1, 64, extent=1.0)
    >>> u0 = 0.5 + 0.5 * sine_wave(grid)
    >>> traj = rollout(Stepper(FisherKPP(nu=1e-3, r=10.0), grid, dt=0.01), u0, 50)
    >>> bool(traj[-1].mean() > 0.9), bool(traj.max() <= 1 + 1e-6)
    (True, True)
    """

    nu: float | Array = param(0.01)
    r: float | Array = param(1.0)
    dealiasing_fraction: float = eqx.field(static=True, default=2 / 3)

    def linear_symbol(self, grid):
        return self.nu * grid.laplacian_symbol() + self.r

    def nonlinear(self, u_hat, grid):
        frac = self.dealiasing_fraction
        u = grid.to_physical(grid.dealias(u_hat, frac))
        return -self.r * grid.dealias(grid.to_fourier(u * u), frac)


class GrayScott(AbstractPDE):
    r"""Gray-Scott reaction-diffusion system (two channels, $u$ then $v$):

    $$u_t = D_u\Delta u - uv^2 + F(1-u),\qquad v_t = D_v\Delta v + uv^2 - (F+\kappa)v.$$

    Linear symbols $-D_u|k|^2 - F$ and $-D_v|k|^2 - (F+\kappa)$; nonlinear terms
    $(-uv^2 + F,\; uv^2)$, dealiased. Defaults follow Pearson (1993, "Complex patterns in a simple
    system", Science 261) on a domain of extent 2.5: $D_u = 2\times10^{-5}$,
    $D_v = 10^{-5}$, $F = 0.04$, $\kappa = 0.06$. See `gray_scott_square` for the classic
    initial state.

    **Arguments:**

    - `diffusivity_u`, `diffusivity_v`: $D_u$ and $D_v$.
    - `feed`: $F$.
    - `kill`: $\kappa$.
    - `dealiasing_fraction`: default 2/3.

    **Example:** one step; the state has two channels, $u$ then $v$.

    >>> grid = PeriodicGrid(2, 16, extent=2.5)
    >>> u0 = gray_scott_square(grid, size=0.25)  # no noise without a key
    >>> Stepper(GrayScott(), grid, dt=1.0)(u0).shape
    (2, 16, 16)
    """

    diffusivity_u: float | Array = param(2e-5)
    diffusivity_v: float | Array = param(1e-5)
    feed: float | Array = param(0.04)
    kill: float | Array = param(0.06)
    dealiasing_fraction: float = eqx.field(static=True, default=2 / 3)
    num_channels: ClassVar[int] = 2

    def linear_symbol(self, grid):
        lap = grid.laplacian_symbol()
        return jnp.stack(
            [
                self.diffusivity_u * lap - self.feed,
                self.diffusivity_v * lap - (self.feed + self.kill),
            ]
        )

    def nonlinear(self, u_hat, grid):
        frac = self.dealiasing_fraction
        fields = grid.to_physical(grid.dealias(u_hat, frac))
        uv2 = fields[0] * fields[1] * fields[1]
        react = jnp.stack([-uv2 + self.feed, uv2])
        return grid.dealias(grid.to_fourier(react), frac)
