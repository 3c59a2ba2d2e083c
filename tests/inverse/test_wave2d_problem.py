"""The Wave2D catalogue problem (Moseley et al. 2020 setting): FD reference and observations."""

import jax
import numpy as np
import pytest
from scipy.special import j0

from physax.metrics import rel_l2_float64
from physax.problems import Wave2D


def test_wave2d_reference_starts_at_the_pulse_and_spreads(tmp_path, monkeypatch):
    monkeypatch.setenv("PHYSAX_CACHE_DIR", str(tmp_path))
    problem = Wave2D(velocity="layered", t_end=0.12, data_fraction=0.5)
    ref = problem.reference()
    assert ref.values.shape == (21, 101, 101)
    (_, t), (_, x), (_, y) = ref.axes
    xx, yy = np.meshgrid(x, y, indexing="ij")
    np.testing.assert_allclose(
        ref.values[0], np.exp(-((xx**2 + (yy - 0.25) ** 2) / (2 * 0.2**2))), atol=1e-12
    )
    assert ref.values[-1].max() < 0.9 * ref.values[0].max()  # the pulse splits into an outgoing ring
    assert np.all(np.isfinite(ref.values))
    assert list(tmp_path.rglob("wave2d-*.npy"))  # cached on disk
    obs = problem.observations(200, key=jax.random.key(0))
    assert float(np.max(np.asarray(obs.points)[:, 0])) <= 0.06 + 1e-6


def test_wave2d_rejects_bad_velocity():
    with pytest.raises(ValueError, match="constant"):
        Wave2D(velocity="gradient")


def test_wave2d_reference_matches_the_exact_solution_in_a_constant_medium(tmp_path, monkeypatch):
    # from rest, u(r, t) = int_0^inf s^2 e^{-s^2 k^2 / 2} cos(c k t) J0(k r) k dk (Hankel transform
    # of the Gaussian pulse); the trapezoid rule on [0, 45] is exact to round-off for s = 0.2
    monkeypatch.setenv("PHYSAX_CACHE_DIR", str(tmp_path))
    problem = Wave2D(c=1.3, velocity="constant", t_end=0.12)
    ref = problem.reference()
    (_, t), (_, x), (_, y) = ref.axes
    xx, yy = np.meshgrid(x, y, indexing="ij")
    r = np.hypot(xx, yy - 0.25).ravel()
    k, dk = np.arange(0.0, 45.0, 0.05), 0.05
    weight = 0.2**2 * np.exp(-0.5 * 0.2**2 * k**2) * k * dk
    for j in (10, 20):
        exact = j0(np.outer(r, k)) @ (weight * np.cos(1.3 * k * t[j]))
        err = rel_l2_float64(ref.values[j].ravel(), exact)
        assert err < 2e-4, (t[j], err)  # order-8 FD, leapfrog at Courant 0.25
