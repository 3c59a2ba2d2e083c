"""ETDRK is exact for linear PDEs: compare with closed-form solutions (float64)."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from physax.solvers import spectral as sp

TOL = 1e-12


def rel(a, b):
    return float(jnp.linalg.norm(a - b) / jnp.linalg.norm(b))


def _modes_1d(x, shift=lambda k: 0.0, decay=lambda k: 1.0):
    # Band-limited test field: each Fourier mode k moves by shift(k) and decays by decay(k).
    out = 0.0
    for k, a, p in [(1, 1.0, 0.0), (3, 0.5, 1.3), (5, 0.2, -0.4)]:
        out = out + a * decay(k) * jnp.sin(k * (x - shift(k)) + p)
    return out


@pytest.mark.parametrize("order", [1, 2, 3, 4])
def test_linear_1d_closed_form(order):
    grid = sp.PeriodicGrid(1, 32, extent=2 * math.pi)
    x = grid.coordinates()
    u0 = _modes_1d(x)
    dt, n = 0.37, 10
    t = dt * n
    cases = [
        (sp.Advection(velocity=0.7), _modes_1d(x, shift=lambda k: 0.7 * t)),
        (sp.Diffusion(nu=0.1), _modes_1d(x, decay=lambda k: math.exp(-0.1 * k**2 * t))),
        (
            sp.AdvectionDiffusion(velocity=-0.4, nu=0.05),
            _modes_1d(x, shift=lambda k: -0.4 * t, decay=lambda k: math.exp(-0.05 * k**2 * t)),
        ),
        # u_t = g u_xxx: mode k travels at +g k^2.
        (sp.Dispersion(gamma=0.3), _modes_1d(x, shift=lambda k: 0.3 * k**2 * t)),
    ]
    if order < 4:
        cases = cases[2:3]  # the order is irrelevant for linear PDEs; spare the compilations
    for pde, exact in cases:
        traj = sp.rollout(sp.Stepper(pde, grid, dt, order=order), u0, n)
        assert traj.shape == (n + 1, 1, 32)
        assert rel(traj[-1], exact) <= TOL, type(pde).__name__
        assert rel(sp.exact_linear_solution(pde, grid, u0, t), exact) <= TOL


@pytest.mark.parametrize(
    "pde",
    [
        sp.Advection(velocity=(0.3, -1.1)),
        sp.Diffusion(nu=0.02),
        sp.AdvectionDiffusion(velocity=(1.0, 0.5), nu=0.01),
        sp.Dispersion(gamma=0.05),
    ],
)
def test_linear_2d_random_bandlimited(pde):
    grid = sp.PeriodicGrid(2, 16, extent=3.0)
    u0 = sp.random_fourier_series(grid, key=jax.random.key(0), max_mode=4)
    dt, n = 0.13, 7
    stepper = sp.Stepper(pde, grid, dt, order=4, substeps=2)
    out = sp.rollout(stepper, u0, n, include_init=False)
    assert out.shape == (n, 1, 16, 16)
    exact = sp.exact_linear_solution(pde, grid, u0, dt * n)
    assert rel(out[-1], exact) <= TOL


def test_advection_2d_translation():
    grid = sp.PeriodicGrid(2, 16, extent=2.0)
    x, y = grid.coordinates()
    c, t = (0.3, -0.7), 1.1

    def field(sx, sy):
        return (jnp.sin(math.pi * (x - sx)) * jnp.cos(2 * math.pi * (y - sy)))[None]

    stepper = sp.Stepper(sp.Advection(velocity=c), grid, t / 4)
    out = sp.rollout(stepper, field(0.0, 0.0), 4)[-1]
    assert rel(out, field(c[0] * t, c[1] * t)) <= TOL


def test_phi_functions_match_series_and_closed_form():
    z = jnp.array([0.0, 1e-8, -1e-3 + 2e-3j, 0.5j, -2.0, -30.0 + 4j, 3.0], dtype=jnp.complex128)
    p1, p2, p3 = sp.phi_functions(z, 3)
    zz = np.asarray(z)
    small = np.abs(zz) < 1e-2
    ez = np.exp(zz)

    def series(j):
        # phi_j(z) = sum_n z^n / (n + j)!
        return sum(zz**n / math.factorial(n + j) for n in range(12))

    with np.errstate(divide="ignore", invalid="ignore"):
        d1 = np.where(small, series(1), (ez - 1) / zz)
        d2 = np.where(small, series(2), (ez - 1 - zz) / zz**2)
        d3 = np.where(small, series(3), (ez - 1 - zz - zz**2 / 2) / zz**3)
    for got, want in [(p1, d1), (p2, d2), (p3, d3)]:
        np.testing.assert_allclose(np.asarray(got), want, rtol=1e-12, atol=1e-14)


def test_float32_follows_input_dtype():
    grid = sp.PeriodicGrid(1, 32, extent=2 * math.pi)
    u0 = _modes_1d(grid.coordinates())
    stepper = sp.Stepper(sp.AdvectionDiffusion(velocity=1.0, nu=0.01), grid, 0.1)
    out32 = sp.rollout(stepper, u0.astype(jnp.float32), 5)
    out64 = sp.rollout(stepper, u0, 5)
    assert out32.dtype == jnp.float32 and out64.dtype == jnp.float64
    assert rel(out32[-1], out64[-1]) < 1e-5
