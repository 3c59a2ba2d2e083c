"""Temporal convergence order of ETDRK1-4 on Kuramoto-Sivashinsky and viscous Burgers (float64).

Errors are relative L2 against an ETDRK4 run with a much smaller step on the same grid (so only
the time discretisation is measured); the dt ranges sit in the asymptotic regime, well above
round-off (smallest errors ~1e-9).
"""

import math

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from physax.solvers import spectral as sp


@eqx.filter_jit
def _advance(stepper, u0, n):
    # dt is a traced array and n a traced int, so each order compiles once.
    return jax.lax.fori_loop(0, n, lambda _, u: stepper(u), u0)


def _run(pde, grid, u0, t_final, dt, order):
    stepper = sp.Stepper(pde, grid, jnp.asarray(dt), order=order)
    return _advance(stepper, u0, jnp.asarray(round(t_final / dt)))


def _slope(pde, grid, u0, t_final, dts, order, ref_dt):
    ref = _run(pde, grid, u0, t_final, ref_dt, 4)
    errs = [
        float(jnp.linalg.norm(_run(pde, grid, u0, t_final, dt, order) - ref) / jnp.linalg.norm(ref))
        for dt in dts
    ]
    assert min(errs) > 1e-11, f"errors {errs} reach round-off; enlarge dt"
    return np.polyfit(np.log(dts), np.log(errs), 1)[0], errs


# Step sizes as fractions of t_final, per order (kept in the asymptotic range).
_KS_STEPS = {
    1: [128, 256, 512, 1024],
    2: [16, 32, 64, 128],
    3: [16, 32, 64, 128],
    4: [8, 16, 32, 64],
}
_BURGERS_STEPS = {
    1: [64, 128, 256, 512],
    2: [16, 32, 64, 128],
    3: [8, 16, 32, 64],
    4: [8, 16, 32, 64],
}


@pytest.mark.parametrize("order", [1, 2, 3, 4])
def test_order_kuramoto_sivashinsky(order):
    grid = sp.PeriodicGrid(1, 64, extent=32 * math.pi)
    t_final = 5.0
    dts = [t_final / m for m in _KS_STEPS[order]]
    slope, errs = _slope(
        sp.KuramotoSivashinsky(), grid, sp.ks_classic(grid), t_final, dts, order, t_final / 2048
    )
    tol = 0.4
    assert abs(slope - order) <= tol, (slope, errs)


@pytest.mark.parametrize("order", [1, 2, 3, 4])
def test_order_burgers(order):
    grid = sp.PeriodicGrid(1, 64, extent=2 * math.pi)
    x = grid.coordinates()
    u0 = jnp.sin(x) + 0.3 * jnp.cos(2 * x)
    t_final = 1.0
    dts = [t_final / m for m in _BURGERS_STEPS[order]]
    slope, errs = _slope(sp.Burgers(nu=0.05), grid, u0, t_final, dts, order, t_final / 1024)
    assert abs(slope - order) <= 0.4, (slope, errs)
