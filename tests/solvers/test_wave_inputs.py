"""Bad inputs raise clear errors; wavelets, coefficients and synthetic models."""

import jax.numpy as jnp
import numpy as np
import pytest

from physax.solvers.wave import (
    CPML,
    AcousticModel,
    Shot,
    central_coefficients,
    max_stable_dt,
    ricker,
    simulate,
    simulate_shots,
    smooth_model,
    staggered_coefficients,
    synthetic_model,
)

C, DX = 2000.0, 10.0
MODEL = AcousticModel(np.full((20, 30), C), dx=DX)
SHOT = Shot([[10, 10]], [[10, 20]], ricker(15.0, 1e-3, 10))


def test_cfl_violation_names_the_max_stable_dt():
    limit = max_stable_dt(C, DX, order=8)
    with pytest.raises(ValueError, match=f"max stable dt is {limit:.4g} s"):
        simulate(MODEL, SHOT, dt=1.01 * limit, order=8)
    staggered = max_stable_dt(C, DX, order=8, staggered=True)
    dense = AcousticModel(MODEL.velocity, jnp.ones(MODEL.shape), dx=DX)
    with pytest.raises(ValueError, match="CFL"):
        simulate(dense, SHOT, dt=0.5 * (limit + staggered), order=8)
    np.testing.assert_allclose(max_stable_dt(C, DX, order=2), DX / (C * np.sqrt(2)))


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(velocity=np.ones(5)), "2D array"),
        (dict(density=np.ones((20, 31))), "must equal `velocity` shape"),
        (dict(dx=0.0), "`dx` must be positive"),
        (dict(velocity=-np.ones((20, 30))), "positive everywhere"),
    ],
)
def test_bad_model(kwargs, match):
    args = dict(velocity=np.full((20, 30), C), density=None, dx=DX) | kwargs
    with pytest.raises(ValueError, match=match):
        AcousticModel(args["velocity"], args["density"], dx=args["dx"])


@pytest.mark.parametrize(
    "sources, receivers, match",
    [
        ([[10, 10]], [[10, 30]], "receivers lie outside the model grid"),
        ([[10, 10]], [[-1, 3]], r"first offender \(iz, ix\) = \(-1, 3\)"),
        ([[20, 10]], [[10, 3]], "sources lie outside"),
        ([10, 10], [[10, 3]], "shape \\(n, 2\\)"),
    ],
)
def test_bad_positions(sources, receivers, match):
    with pytest.raises(ValueError, match=match):
        simulate(MODEL, Shot(sources, receivers, ricker(15.0, 1e-3, 10)), dt=1e-3)


def test_bad_options():
    with pytest.raises(ValueError, match="`order` must be one of"):
        simulate(MODEL, SHOT, dt=1e-3, order=3)
    with pytest.raises(ValueError, match="`dt` must be positive"):
        simulate(MODEL, SHOT, dt=0.0)
    with pytest.raises(ValueError, match="snapshot_every"):
        simulate(MODEL, SHOT, dt=1e-3, snapshot_every=0)
    with pytest.raises(ValueError, match="wavelets"):
        Shot([[1, 1], [2, 2]], [[3, 3]], np.zeros((3, 10)))
    with pytest.raises(ValueError, match="CPML `width`"):
        CPML((10, 10), f0=10.0)
    with pytest.raises(ValueError, match="simulate_shots"):
        batched = Shot([[[1, 1]]], [[[3, 3]]], np.zeros((1, 1, 10)))
        simulate(MODEL, batched, dt=1e-3)
    with pytest.raises(ValueError, match="n_shots"):
        simulate_shots(MODEL, SHOT, dt=1e-3)


def test_coefficients_and_ricker():
    np.testing.assert_allclose(central_coefficients(4), [-5 / 2, 4 / 3, -1 / 12])
    np.testing.assert_allclose(staggered_coefficients(8), [1225 / 1024, -245 / 3072, 49 / 5120, -5 / 7168])
    w = np.asarray(ricker(10.0, 1e-3, 400, dtype=jnp.float64))
    assert np.argmax(w) == 150 and w[150] == pytest.approx(1.0)
    spectrum = np.abs(np.fft.rfft(w, 4096))
    assert np.fft.rfftfreq(4096, 1e-3)[np.argmax(spectrum)] == pytest.approx(10.0, abs=0.3)
    assert abs(w.sum()) < 1e-6 * np.abs(w).sum()  # zero mean


def test_synthetic_and_smooth_models():
    model = synthetic_model(with_density=True)
    assert model.shape == (100, 200) and model.dx == 10.0
    v = np.asarray(model.velocity)
    assert v.min() == 1800.0 and v.max() == 3200.0 and v[35, 100] == 2000.0
    assert v[-1, 0] == 3200.0 and v[70, 190] == 2700.0  # the interface dips to the right
    assert model.density is not None and np.all(np.asarray(model.density) > 1000.0)
    smooth = np.asarray(smooth_model(model.velocity, 5.0))
    assert smooth.shape == v.shape and v.min() <= smooth.min() and smooth.max() <= v.max() + 0.01
    assert np.abs(np.diff(smooth, axis=0)).max() < 0.5 * np.abs(np.diff(v, axis=0)).max()
    np.testing.assert_allclose(smooth_model(jnp.full((7, 9), 3.0), 2.0), 3.0, rtol=1e-6)
