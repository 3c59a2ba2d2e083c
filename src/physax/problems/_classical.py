"""The classical-solution hook of periodic problems: a pseudo-spectral ETDRK solve.

A problem that derives from `SpectralProblem` names its `physax.solvers.spectral` PDE
(with the problem's parameter values) and its initial state on a grid; `classical` then
solves it on ``n`` points per axis with ETDRK of the given order (Cox & Matthews 2002,
coefficients by Kassam & Trefethen 2005) and 2/3 dealiasing. `physax solve`, the cached
spectral references and the benchmarks all go through this one hook.
"""

from __future__ import annotations

import abc
import math

import jax
import jax.numpy as jnp
import numpy as np

from ..solvers import spectral as sp
from ._problem import AbstractProblem


def _check(n: int, dt: float, snapshots: int, t_end: float) -> None:
    if int(n) < 2 or int(snapshots) < 1:
        raise ValueError(f"a classical solve needs n >= 2 points and snapshots >= 1, got {n}, {snapshots}.")
    if not (dt > 0 and t_end > 0 and math.isfinite(dt) and math.isfinite(t_end)):
        raise ValueError(f"a classical solve needs dt > 0 and t_end > 0, got dt = {dt}, t_end = {t_end}.")


def substeps(dt_out: float, dt: float) -> int:
    """Steps per output interval so that the step is at most ``dt`` (to 1e-9 relative)."""
    return max(1, math.ceil(dt_out / dt - 1e-9))


class SpectralProblem(AbstractProblem):
    r"""A time-dependent problem on a periodic box, solved classically by pseudo-spectral ETDRK.

    Subclasses give `_spectral_pde()` (the `physax.solvers.spectral` PDE with the problem's
    parameter values) and `_initial_state(grid, x, dtype)` (the channel-first initial state
    from the physical coordinates `x` of shape `(dims, *spatial)`). The spatial box is the
    domain's (`[lo, hi)` per axis, equal on every axis in 2-d). `classical` then runs
    exponential time differencing of order 1-4 (Cox & Matthews 2002, coefficients by
    Kassam & Trefethen 2005) with 2/3 dealiasing.

    **Example:** `Advection1D` is a `SpectralProblem`; its classical solution at $t = 1$
    is the initial sine shifted by $\beta$.

    >>> t, x, u = Advection1D(beta=1.0).classical(n=16, dt=0.1, snapshots=1)
    >>> bool(np.allclose(u[-1, 0], np.sin(x - 1.0)))
    True
    """

    @abc.abstractmethod
    def _spectral_pde(self) -> sp.AbstractPDE:
        """The spectral PDE with this problem's parameter values."""

    @abc.abstractmethod
    def _initial_state(self, grid: sp.PeriodicGrid, x, dtype):
        """Initial state, channel-first ``(C, *spatial)``."""

    @property
    def _box(self) -> tuple[int, float, float]:
        """(spatial dims, x_min, extent) of the periodic box."""
        lo, hi = self.domain.lo[1:], self.domain.hi[1:]
        return len(lo), float(lo[0]), float(hi[0] - lo[0])

    def classical(
        self,
        *,
        n: int,
        dt: float,
        snapshots: int,
        t_end: float | None = None,
        order: int | None = None,
        dtype=jnp.float64,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        r"""The classical solution: pseudo-spectral ETDRK on a periodic grid.

        **Arguments:**

        - `n`: grid points per spatial axis (even).
        - `dt`: the largest time step; each output interval ``t_end / snapshots`` is split
          into the fewest equal steps no longer than `dt`.
        - `snapshots`: output intervals (``snapshots + 1`` states, the initial one first).
        - `t_end`: final time (default: the end of the problem's time interval).
        - `order`: ETDRK order 1-4 (default 4).
        - `dtype`: ``float64`` (default; solved with 64-bit JAX enabled for the call
          only) or ``float32``.

        **Returns:** ``(t, x, u)``: times ``(snapshots + 1,)``, grid coordinates of one axis
        ``(n,)``, and the states ``(snapshots + 1, channels, *spatial)`` as NumPy arrays
        (complex for complex-valued problems).

        **Example:** `t, x, u = problems.AllenCahn().classical(n=512, dt=1e-3, snapshots=100)`.
        """
        t_end = float(self.domain.hi[0]) if t_end is None else float(t_end)
        _check(n, dt, snapshots, t_end)
        dims, x_min, extent = self._box
        x64 = jnp.dtype(dtype) == jnp.float64
        with jax.enable_x64(x64):
            real = jnp.float64 if x64 else jnp.float32
            grid = sp.PeriodicGrid(dims, int(n), extent=extent)
            x = grid.coordinates(real) + x_min
            dt_out = t_end / snapshots
            stepper = sp.Stepper(
                self._spectral_pde(),
                grid,
                dt_out,
                order=4 if order is None else int(order),
                substeps=substeps(dt_out, dt),
            )
            u = np.asarray(sp.rollout(stepper, self._initial_state(grid, x, real), int(snapshots)))
            axis = np.asarray(x[0] if dims == 1 else x[0][:, 0])
        return np.linspace(0.0, t_end, int(snapshots) + 1), axis, u
