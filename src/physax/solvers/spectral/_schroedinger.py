"""Focusing nonlinear Schroedinger equation (complex field, full FFT)."""

from __future__ import annotations

from typing import ClassVar

import equinox as eqx
from jaxtyping import Array

from ._pde import AbstractPDE, param


class NonlinearSchroedinger(AbstractPDE):
    r"""Nonlinear Schroedinger equation $i h_t + a\,\Delta h + \beta |h|^2 h = 0$ for complex $h$.

    Default $a = 1/2$, $\beta = 1$ (focusing; the PINN benchmark of Raissi et al. 2019 on
    $[-5,5)$ with $h_0 = 2\operatorname{sech}x$). Written as $h_t = i a\Delta h + i\beta|h|^2h$:
    linear symbol $-i a|k|^2$, nonlinear term $i\beta|h|^2h$ (dealiased). The state is complex
    (complex64/complex128 following the input precision) and uses the full FFT; mass
    $\int|h|^2\,dx$ is conserved. Bright soliton: see `nls_soliton`.

    **Arguments:**

    - `a`: the dispersion $a$ (default 0.5).
    - `beta`: the nonlinearity $\beta$ (default 1.0; negative is defocusing).
    - `dealiasing_fraction`: default 2/3.

    **Example:** the bright soliton keeps its shape and its mass $\int |h|^2\,dx = 2$.

    >>> grid = PeriodicGrid(1, 64, extent=20.0)
    >>> h0 = nls_soliton(grid)
    >>> traj = rollout(Stepper(NonlinearSchroedinger(), grid, dt=0.05), h0, 40)
    >>> mass = jnp.sum(jnp.abs(traj[-1]) ** 2) * grid.spacing
    >>> round(float(mass), 4), bool(jnp.abs(jnp.abs(traj[-1]) - jnp.abs(h0)).max() < 1e-3)
    (2.0, True)
    """

    a: float | Array = param(0.5)
    beta: float | Array = param(1.0)
    dealiasing_fraction: float = eqx.field(static=True, default=2 / 3)
    complex_state: ClassVar[bool] = True

    def linear_symbol(self, grid):
        return 1j * self.a * grid.laplacian_symbol(complex_field=True)

    def nonlinear(self, u_hat, grid):
        frac = self.dealiasing_fraction
        h = grid.to_physical(grid.dealias(u_hat, frac))
        density = h.real * h.real + h.imag * h.imag
        return 1j * self.beta * grid.dealias(grid.to_fourier(density * h), frac)
