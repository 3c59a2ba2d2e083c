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
    $u_0 = \cos(x/16)(1+\sin(x/16))$: see :func:`ks_classic`.

    **Arguments:** `dealiasing_fraction` (default 2/3).

    **Example:** ``Stepper(KuramotoSivashinsky(), PeriodicGrid(1, 128, 32 * jnp.pi), dt=0.25)``.
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

    **Arguments:** `dealiasing_fraction` (default 2/3).

    **Example:** ``Stepper(KuramotoSivashinskyCombustion(), PeriodicGrid(2, 64, 32.0), dt=0.1)``.
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
