"""Viscous Burgers benchmark: nu = 0.01/pi, u0 = -sin(pi x) on x in [-1, 1), t = 1 (float64).

Two independent checks: against a finer run of the same solver, and against the Cole-Hopf
solution evaluated here by brute-force trapezoidal quadrature of the heat-kernel integrals
(to be swapped for physax.solvers' Cole-Hopf once it lands; `burgers_sine_error` takes any
``exact(x, t)``).
"""

import math

import numpy as np
import pytest

from physax.solvers import spectral as sp

NU = 0.01 / math.pi


def cole_hopf_quadrature(x, t, nu=NU, half_width=3.0, num=6001):
    r"""u = -int sin(pi(x-e)) f(x-e) G(e) de / int f(x-e) G(e) de, f(y) = exp(-cos(pi y)/(2 pi nu)),
    G(e) = exp(-e^2/(4 nu t)); trapezoid on [-3, 3] (integrand decays far inside), max-shifted."""
    x = np.asarray(x)[:, None]
    eta = np.linspace(-half_width, half_width, num)[None, :]
    expo = -np.cos(np.pi * (x - eta)) / (2 * np.pi * nu) - eta**2 / (4 * nu * t)
    w = np.exp(expo - expo.max(axis=1, keepdims=True))
    return -(np.sin(np.pi * (x - eta)) * w).sum(axis=1) / w.sum(axis=1)


def rel(a, b):
    return float(np.linalg.norm(np.asarray(a) - b) / np.linalg.norm(b))


@pytest.fixture(scope="module")
def fine():
    return sp.burgers_sine_solution(1.0, num_points=2048, dt=1e-3)


def test_burgers_sine_against_finer_run(fine):
    x, u = sp.burgers_sine_solution(1.0, num_points=1024, dt=2e-3)
    x_fine, u_fine = fine
    np.testing.assert_allclose(np.asarray(x), np.asarray(x_fine)[::2])
    assert x[0] == -1.0
    # Measured ~1.0e-7 (spatial error of N=1024; N=2048 is ~1e-12 by the Cole-Hopf check).
    assert rel(u, np.asarray(u_fine)[::2]) < 1e-6


def test_burgers_sine_against_cole_hopf(fine):
    x, u = fine
    sub = slice(0, None, 8)  # 256 points keep the quadrature cheap
    exact = cole_hopf_quadrature(np.asarray(x)[sub], 1.0)
    # Measured ~2e-9 with dt=1e-3 (3.6e-13 with dt=1e-4).
    assert rel(np.asarray(u)[sub], exact) < 1e-8


def test_burgers_sine_error_helper():
    err = sp.burgers_sine_error(cole_hopf_quadrature, 0.3, num_points=512, dt=2e-3)
    # Measured ~5.9e-9 (t = 0.3, before the front steepens fully).
    assert float(err) < 1e-7
