"""Kuramoto-Sivashinsky equation: conservative (derivative) form and combustion (gradient) form."""

from __future__ import annotations

from typing import ClassVar

import equinox as eqx

from ._pde import AbstractPDE, quadratic_flux_divergence


def _ks_symbol(grid):
    lap = grid.laplacian_symbol()
    return -lap - lap * lap


class KuramotoSivashinsky(AbstractPDE):
    r"""Kuramoto-Sivashinsky equation $u_t + u u_x + u_{xx} + u_{xxxx} = 0$ (1D).

    Linear symbol $k^2 - k^4$ (unstable for $0<|k|<1$); nonlinear term $-\tfrac12(u^2)_x$,
    dealiased. The standard chaotic test case (Kassam & Trefethen 2005) is $L = 32\pi$,
    $u_0 = \cos(x/16)(1+\sin(x/16))$: see `ks_classic`.

    **Arguments:**

    - `dealiasing_fraction`: default 2/3.

    **Example:** the small initial bump grows into the chaotic regime.

    >>> grid = PeriodicGrid(1, 64, extent=32 * math.pi)
    >>> traj = rollout(Stepper(KuramotoSivashinsky(), grid, dt=0.25), ks_classic(grid), 80)
    >>> traj.shape, bool(jnp.abs(traj[-1]).max() > jnp.abs(traj[0]).max())
    ((81, 1, 64), True)
    """

    dealiasing_fraction: float = eqx.field(static=True, default=2 / 3)
    supported_dims: ClassVar[tuple[int, ...]] = (1,)

    def linear_symbol(self, grid):
        return _ks_symbol(grid)

    def nonlinear(self, u_hat, grid):
        return -quadratic_flux_divergence(u_hat, grid, self.dealiasing_fraction)


class KuramotoSivashinskyCombustion(AbstractPDE):
    r"""Kuramoto-Sivashinsky in combustion (flame-front) form, 1D or 2D:

    $$u_t + \tfrac12|\nabla u|^2 + \Delta u + \Delta^2 u = 0.$$

    In 1D, $v = u_x$ satisfies the conservative form. Linear symbol $|k|^2-|k|^4$; nonlinear term
    $-\tfrac12|\nabla u|^2$, dealiased. The spatial mean of $u$ drifts (the nonlinear term is
    non-negative), which is physical for this form.

    **Arguments:**

    - `dealiasing_fraction`: default 2/3.

    **Example:** in 2-d; the mean drifts down, as the form implies.

    >>> grid = PeriodicGrid(2, 16, extent=32.0)
    >>> u0 = 0.1 * jnp.sin(2 * jnp.pi * grid.coordinates()[:1] / 32.0)
    >>> u = rollout(Stepper(KuramotoSivashinskyCombustion(), grid, dt=0.1), u0, 20)
    >>> u.shape, bool(u[-1].mean() < u[0].mean())
    ((21, 1, 16, 16), True)
    """

    dealiasing_fraction: float = eqx.field(static=True, default=2 / 3)

    def linear_symbol(self, grid):
        return _ks_symbol(grid)

    def nonlinear(self, u_hat, grid):
        frac = self.dealiasing_fraction
        u_hat = grid.dealias(u_hat, frac)
        grad_sq = 0.0
        for axis in range(grid.num_spatial_dims):
            g = grid.to_physical(grid.diff(u_hat, 1, axis))
            grad_sq = grad_sq + g * g
        return -0.5 * grid.dealias(grid.to_fourier(grad_sq), frac)
