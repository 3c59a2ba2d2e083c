"""The Wave2D catalogue problem (Moseley et al. 2020 setting): FD reference and observations."""

import jax
import numpy as np
import pytest

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
