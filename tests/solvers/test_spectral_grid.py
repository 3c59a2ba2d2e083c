"""Grid operators, initial conditions and bad-input errors."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from physax.solvers import spectral as sp


def test_grid_derivatives_are_spectrally_exact():
    grid = sp.PeriodicGrid(2, 16, extent=3.0)
    x, y = grid.coordinates()
    assert grid.coordinates().shape == (2, 16, 16) and float(x[1, 0]) == 3.0 / 16
    a = 2 * math.pi / 3.0
    u = (jnp.sin(2 * a * x) * jnp.cos(a * y))[None]
    u_hat = grid.to_fourier(u)
    dx = grid.to_physical(grid.diff(u_hat, 1, axis=0))
    np.testing.assert_allclose(dx, (2 * a * jnp.cos(2 * a * x) * jnp.cos(a * y))[None], atol=1e-12)
    lap = grid.to_physical(grid.laplacian(u_hat))
    np.testing.assert_allclose(lap, -5 * a**2 * u, atol=1e-11)
    # Complex fields use the full FFT and round-trip.
    h = u + 1j * u
    np.testing.assert_allclose(grid.to_physical(grid.to_fourier(h)), h, atol=1e-14)


def test_dealias_mask_two_thirds_rule():
    grid = sp.PeriodicGrid(1, 12)
    mask = grid.dealias_mask()
    # Keep |m| < N/3 = 4 (m = 4 would alias a quadratic product back onto m = -4).
    np.testing.assert_array_equal(mask, [True] * 4 + [False] * 3)
    assert grid.dealias_mask(1.0).all()
    assert grid.dealias_mask(complex_field=True).sum() == 7


def test_odd_derivative_zeroes_nyquist():
    grid = sp.PeriodicGrid(1, 8, extent=2 * math.pi)
    assert grid.derivative_symbol(1)[-1] == 0 and grid.derivative_symbol(3)[-1] == 0
    assert grid.derivative_symbol(2)[-1] == -16


def test_initial_conditions_shapes_determinism_bandlimit():
    grid = sp.PeriodicGrid(2, 16, extent=1.0)
    key = jax.random.key(0)
    u = sp.random_fourier_series(grid, key=key, num_channels=3, max_mode=2)
    assert u.shape == (3, 16, 16)
    np.testing.assert_allclose(jnp.max(jnp.abs(u), axis=(1, 2)), 1.0)
    np.testing.assert_array_equal(u, sp.random_fourier_series(grid, key=key, num_channels=3, max_mode=2))
    spec = np.abs(np.fft.fft2(np.asarray(u[0])))
    m = np.abs(np.fft.fftfreq(16, 1 / 16))
    outside = (m[:, None] > 2) | (m[None, :] > 2)
    assert spec[outside].max() < 1e-12 and abs(float(jnp.mean(u))) < 1e-14
    grf = sp.gaussian_random_field(grid, key=key, exponent=4.0)
    assert grf.shape == (1, 16, 16) and abs(float(jnp.mean(grf))) < 1e-14
    blobs = sp.gaussian_blobs(grid, key=key, num_blobs=2, num_channels=2)
    assert blobs.shape == (2, 16, 16) and float(jnp.min(blobs)) >= 0
    gs = sp.gray_scott_square(sp.PeriodicGrid(2, 32, 2.5))
    assert gs.shape == (2, 32, 32) and float(gs[0].min()) == 0.5


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: sp.PeriodicGrid(1, 33), "even"),
        (lambda: sp.PeriodicGrid(3, 16), "1 or 2"),
        (lambda: sp.PeriodicGrid(1, 16, extent=0.0), "positive"),
        (lambda: sp.Stepper(sp.Burgers(), sp.PeriodicGrid(1, 16), 0.0), "dt must be positive"),
        (lambda: sp.Stepper(sp.Burgers(), sp.PeriodicGrid(1, 16), -0.1), "dt must be positive"),
        (lambda: sp.Stepper(sp.Burgers(), sp.PeriodicGrid(1, 16), 0.1, order=5), "order"),
        (lambda: sp.Stepper(sp.Burgers(), sp.PeriodicGrid(1, 16), 0.1, substeps=0), "substeps"),
        (lambda: sp.Stepper(sp.Burgers(), sp.PeriodicGrid(2, 16), 0.1), "dimension"),
        (lambda: sp.Stepper(sp.NavierStokesVorticity(), sp.PeriodicGrid(1, 16), 0.1), "2"),
        (
            lambda: sp.Advection(velocity=(1.0, 2.0)).linear_symbol(sp.PeriodicGrid(1, 8)),
            "per-axis",
        ),
        (
            lambda: sp.random_fourier_series(sp.PeriodicGrid(1, 8), key=jax.random.key(0), max_mode=4),
            "max_mode",
        ),
        (lambda: sp.rollout(lambda u: u, jnp.zeros((1, 8)), -1), "non-negative"),
    ],
)
def test_bad_configuration_raises(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_bad_state_raises():
    grid = sp.PeriodicGrid(1, 16)
    stepper = sp.Stepper(sp.Diffusion(), grid, 0.1)
    with pytest.raises(ValueError, match=r"shape \(1, 16\).*u\[None\]"):
        stepper(jnp.zeros(16))
    with pytest.raises(ValueError, match="shape"):
        sp.rollout(stepper, jnp.zeros((2, 16)), 3)
    with pytest.raises(ValueError, match="complex"):
        stepper(jnp.zeros((1, 16), jnp.complex128))
    gs = sp.Stepper(sp.GrayScott(), sp.PeriodicGrid(2, 8), 1.0)
    with pytest.raises(ValueError, match=r"\(2, 8, 8\)"):
        gs(jnp.zeros((1, 8, 8)))
    with pytest.raises(TypeError, match="linear PDE"):
        sp.exact_linear_solution(sp.Burgers(), grid, jnp.zeros((1, 16)), 1.0)
