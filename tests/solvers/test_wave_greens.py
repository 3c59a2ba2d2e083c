"""Homogeneous-medium traces of the FD solver against the analytic 2D Green's function."""

import jax.numpy as jnp
import numpy as np
import pytest

from physax.solvers.wave import CPML, AcousticModel, Shot, greens_function_trace, ricker, simulate

C, F0, DX = 2000.0, 15.0, 10.0  # 2000 / 15 / 10 = 13.3 points per wavelength at f0


def _rel_l2(a, b):
    return float(np.linalg.norm(np.asarray(a) - b) / np.linalg.norm(b))


@pytest.mark.parametrize("density", [None, 2.5])
def test_order8_matches_greens_function(density):
    # Courant 0.1 keeps the O(dt^2) time dispersion (dominant error here) small
    dt, n, src, r_cells = 0.1 * DX / C, 100, 50, 33  # receiver 2.5 wavelengths away
    nt = int(0.4 / dt)  # the pulse has passed; PML echoes arrive later and are tiny
    rho = None if density is None else np.full((n, n), density)
    model = AcousticModel(np.full((n, n), C), rho, dx=DX)
    shot = Shot([[src, src]], [[src, src + r_cells], [src + r_cells, src]], ricker(F0, dt, nt))
    traces = simulate(model, shot, dt=dt, order=8, boundary=CPML(20, f0=F0)).traces
    ref = greens_function_trace(shot.wavelets[0], dt, r_cells * DX, C, density or 1.0)
    for k in range(2):
        assert _rel_l2(traces[:, k], ref) <= 0.01


@pytest.mark.parametrize("density", [None, 1.7])
def test_free_surface_matches_image_source(density):
    # p = 0 at row 0: the exact field is G(r) - G(r_image) with the source mirrored about row 0
    dt, n = 0.1 * DX / C, 80
    nt = int(0.4 / dt)
    src, rec = (8, 30), (5, 60)
    rho = None if density is None else np.full((n, n), density)
    model = AcousticModel(np.full((n, n), C), rho, dx=DX)
    shot = Shot([src], [rec, (0, 50)], ricker(F0, dt, nt, dtype=jnp.float64))
    pml = CPML(20, f0=F0, free_surface=True)
    traces = simulate(model, shot, dt=dt, order=8, boundary=pml).traces
    r_direct = DX * np.hypot(rec[0] - src[0], rec[1] - src[1])
    r_image = DX * np.hypot(rec[0] + src[0], rec[1] - src[1])
    w = shot.wavelets[0]
    ref = greens_function_trace(w, dt, r_direct, C) - greens_function_trace(w, dt, r_image, C)
    assert _rel_l2(traces[:, 0], (density or 1.0) * ref) <= 0.01
    assert np.all(np.asarray(traces[:, 1]) == 0.0)  # on the surface itself


def test_float32_by_default_and_float64_when_given():
    n, dt = 30, 1e-3
    shot = Shot([[15, 15]], [[15, 20]], ricker(F0, dt, 20))
    out32 = simulate(AcousticModel(jnp.full((n, n), C, jnp.float32), dx=DX), shot, dt=dt)
    out64 = simulate(AcousticModel(np.full((n, n), C), dx=DX), shot, dt=dt)
    assert out32.traces.dtype == jnp.float32
    assert out64.traces.dtype == jnp.float64
    np.testing.assert_allclose(out32.traces, out64.traces, rtol=1e-3, atol=1e-6)
