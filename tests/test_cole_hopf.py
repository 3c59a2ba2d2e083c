"""The exact Burgers reference (Cole-Hopf quadrature) against an independent spectral solve."""

import jax.numpy as jnp
import numpy as np
import pytest

from physax.problems import Burgers
from physax.solvers import burgers_cole_hopf
from physax.solvers.spectral import Burgers as SpectralBurgers, PeriodicGrid, Stepper, rollout


def _spectral_on_grid(nu: float, t_out: np.ndarray, x_out: np.ndarray) -> np.ndarray:
    """ETDRK4 pseudo-spectral solve (N = 2048, float64), Fourier-interpolated to ``x_out``."""
    n, dt_out = 2048, t_out[1] - t_out[0]
    grid = PeriodicGrid(1, n, extent=2.0)  # x = -1 + [0, 2) : the odd 2-periodic extension
    x = -1.0 + np.asarray(grid.coordinates(jnp.float64))[0]
    substeps = 20
    stepper = Stepper(SpectralBurgers(nu=nu), grid, dt_out, order=4, substeps=substeps)  # dt_out per call
    u0 = jnp.asarray(-np.sin(np.pi * x))[None]
    traj = np.asarray(rollout(stepper, u0, len(t_out) - 1))[:, 0]  # (nt, n)
    coef = np.fft.rfft(traj, axis=1) / n
    k = np.arange(coef.shape[1])
    phase = np.exp(1j * np.pi * np.outer(k, x_out - x[0]))  # wavenumber pi k on a period of 2
    weights = np.where((k == 0) | (k == n // 2), 1.0, 2.0)
    return np.real((coef * weights) @ phase)


def test_cole_hopf_matches_spectral_solve_on_raissi_grid():
    nu = 0.01 / np.pi
    t = np.linspace(0.0, 0.99, 100)
    x = np.linspace(-1.0, 1.0, 256)
    exact = burgers_cole_hopf(t[:, None], x[None, :], nu)
    spectral = _spectral_on_grid(nu, t, x)
    rel = np.linalg.norm(exact - spectral) / np.linalg.norm(spectral)
    assert rel <= 1e-5, rel


def test_cole_hopf_properties():
    nu = 0.01 / np.pi
    x = np.linspace(-1, 1, 201)
    u = burgers_cole_hopf(np.full_like(x, 0.5), x, nu)
    np.testing.assert_allclose(u, -u[::-1], atol=1e-12)  # odd in x
    assert abs(u[0]) < 1e-12 and abs(u[-1]) < 1e-12  # Dirichlet boundary
    np.testing.assert_allclose(burgers_cole_hopf(0.0, x, nu), -np.sin(np.pi * x))
    # the shock: steep negative slope at x = 0 by t = 0.5
    assert (u[101] - u[99]) / (x[101] - x[99]) < -50


def test_burgers_reference_grid_is_raissi_shape():
    ref = Burgers().reference()
    assert ref.shape == (100, 256)
    assert ref.points.shape == (25600, 2)


def test_cole_hopf_rejects_bad_input():
    with pytest.raises(ValueError, match="viscosity"):
        burgers_cole_hopf(1.0, 0.0, -1.0)
    with pytest.raises(ValueError, match="t >= 0"):
        burgers_cole_hopf(-1.0, 0.0, 0.1)
