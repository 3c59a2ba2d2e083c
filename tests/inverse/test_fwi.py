"""FWI library: low-pass filter, bounded parametrisation, gradient vs FD, tiny inversion."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from physax.inverse import BoundedVelocity, data_misfit, fwi, lowpass, surface_shots
from physax.solvers.wave import CPML, AcousticModel, simulate_shots, smooth_model, synthetic_model

DT = 2e-3


def test_lowpass_passes_low_and_removes_high_frequencies_without_phase_shift():
    t = np.arange(1000) * DT
    low, high = np.sin(2 * np.pi * 2.0 * t), np.sin(2 * np.pi * 40.0 * t)
    x = jnp.asarray(np.stack([low + high, high], -1))[None]
    y = np.asarray(lowpass(x, DT, 10.0))
    mid = slice(200, 800)  # away from the ends of the record
    np.testing.assert_allclose(y[0, mid, 0], low[mid], atol=2e-3)
    assert np.abs(y[0, mid, 1]).max() < 1e-4
    np.testing.assert_allclose(np.asarray(lowpass(x, DT, jnp.inf)), np.asarray(x), atol=1e-6)
    # -6 dB (|H|^2 = 1/2) at the cutoff: a sine at f_c keeps half its amplitude
    at_cut = np.asarray(lowpass(jnp.asarray(np.sin(2 * np.pi * 10.0 * t))[None, :, None], DT, 10.0))
    assert abs(np.abs(at_cut[0, mid, 0]).max() - 0.5) < 0.02


def test_bounded_velocity_respects_bounds_and_starts_at_start():
    start = jnp.asarray(np.linspace(1800.0, 2600.0, 60).reshape(6, 10), jnp.float32)
    param = BoundedVelocity(start, vmin=1500.0, vmax=3000.0, smoothing=1.0, mask_rows=2)
    np.testing.assert_allclose(np.asarray(param(jnp.zeros_like(start))), np.asarray(start), rtol=1e-5)
    for scale in (1e3, -1e3):
        v = np.asarray(param(scale * jax.random.normal(jax.random.key(0), start.shape)))
        assert v.min() >= 1500.0 and v.max() <= 3000.0
        np.testing.assert_allclose(v[:2], np.asarray(start[:2]), rtol=1e-5)  # masked rows fixed
    with pytest.raises(ValueError, match="inside the bounds"):
        BoundedVelocity(start, vmin=2000.0, vmax=3000.0)


def test_ncc_misfit_ignores_amplitude_scaling():
    d = jax.random.normal(jax.random.key(1), (2, 50, 3))
    assert float(data_misfit(3.0 * d, d, kind="ncc")) < 1e-6
    assert float(data_misfit(3.0 * d, d, kind="l2")) > 1.0
    with pytest.raises(ValueError, match="unknown misfit"):
        data_misfit(d, d, kind="l1")


def _tiny(n_shots=3, n_steps=300):
    true = synthetic_model(32, 16, 20.0, dtype=jnp.float64 if jax.config.jax_enable_x64 else jnp.float32)
    start = AcousticModel(smooth_model(true.velocity, 4.0), dx=20.0)
    shots = surface_shots(32, n_shots=n_shots, f0=8.0, dt=DT, n_steps=n_steps, receiver_spacing=2)
    pml = CPML((0, 8, 8, 8), f0=8.0, free_surface=True, velocity_max=3500.0)
    observed = simulate_shots(true, shots, dt=DT, order=4, boundary=pml).traces
    return true, start, shots, pml, observed


@pytest.mark.parametrize("kind", ["l2", "ncc"])
def test_fwi_objective_gradient_matches_finite_differences(kind):
    before = jax.config.jax_enable_x64
    jax.config.update("jax_enable_x64", True)
    try:
        true, start, shots, pml, observed = _tiny(n_shots=2, n_steps=200)
        param = BoundedVelocity(start.velocity, vmin=1500.0, vmax=3500.0, smoothing=1.0)

        def objective(theta):
            model = AcousticModel(param(theta), dx=start.dx)
            pred = simulate_shots(model, shots, dt=DT, order=4, boundary=pml).traces
            return data_misfit(pred, observed, kind=kind, dt=DT, cutoff=6.0)

        theta = 0.1 * jax.random.normal(jax.random.key(2), start.shape, jnp.float64)
        direction = jax.random.normal(jax.random.key(3), start.shape, jnp.float64)
        grad = jax.grad(objective)(theta)
        eps = 1e-4
        fd = (objective(theta + eps * direction) - objective(theta - eps * direction)) / (2 * eps)
        np.testing.assert_allclose(float(jnp.vdot(grad, direction)), float(fd), rtol=1e-5)
    finally:
        jax.config.update("jax_enable_x64", before)


@pytest.mark.slow
def test_tiny_multiscale_inversion_reduces_model_error_and_misfit():
    true, start, shots, pml, observed = _tiny()
    true_v, start_v = true.velocity.astype(jnp.float32), start.velocity.astype(jnp.float32)
    start = AcousticModel(start_v, dx=start.dx)
    result = fwi(
        start,
        shots,
        observed,
        dt=DT,
        bounds=(1500.0, 3500.0),
        bands=(5.0, None),
        iterations=6,
        learning_rate=0.1,
        smoothing=1.0,
        mask_rows=2,
        boundary=pml,
    )
    err = lambda v: float(jnp.linalg.norm(v - true_v) / jnp.linalg.norm(true_v))  # noqa: E731
    assert err(result.velocity) < 0.9 * err(start_v)
    assert result.history["misfit"][-1] < 0.5 * result.history["misfit"][6]
    assert len(result.history["iteration"]) == 12


@pytest.mark.slow
def test_lbfgs_polish_after_adam_decreases_misfit_monotonically():
    _, start, shots, pml, observed = _tiny(n_shots=2, n_steps=200)
    result = fwi(
        start,
        shots,
        observed,
        dt=DT,
        bounds=(1500.0, 3500.0),
        bands=(6.0, None),
        iterations=(2, 4),
        optimizer=("adam", "lbfgs"),
        learning_rate=0.05,
        smoothing=1.0,
        mask_rows=1,
        boundary=pml,
    )
    h = result.history
    assert h["band"] == [0, 0, 1, 1, 1, 1]
    lbfgs = np.asarray(h["misfit"][2:])
    # the zoom line search only accepts steps that decrease the objective
    assert np.all(np.diff(lbfgs) <= 1e-6 * lbfgs[0]) and lbfgs[-1] < 0.7 * lbfgs[0]
    v = np.asarray(result.velocity)
    assert np.isfinite(v).all() and v.min() > 1500.0 and v.max() < 3500.0


@pytest.mark.slow
def test_lbfgs_first_step_is_scaled_and_history_reports_the_unscaled_misfit():
    _, start, shots, pml, observed = _tiny(n_shots=2, n_steps=200)
    kw = dict(dt=DT, bounds=(1500.0, 3500.0), bands=(6.0,), iterations=2, optimizer="lbfgs")
    result = fwi(start, shots, observed, smoothing=0.0, boundary=pml, **kw)
    pred = simulate_shots(start, shots, dt=DT, order=4, boundary=pml).traces
    expected = float(data_misfit(pred, observed, dt=DT, cutoff=6.0))
    np.testing.assert_allclose(result.history["misfit"][0], expected, rtol=1e-4)
    # the objective is scaled so the first step (-gradient, unit line-search guess) moves
    # theta by ~0.1 logit units, ~50 m/s: not the ~1e-5 m/s of the raw gradient
    one = fwi(start, shots, observed, smoothing=0.0, boundary=pml, **{**kw, "iterations": 1})
    change = float(jnp.max(jnp.abs(one.velocity - start.velocity)))
    assert 5.0 < change < 500.0


def test_velocity_on_the_free_surface_row_does_not_enter_the_data():
    true, start, shots, pml, observed = _tiny(n_shots=1, n_steps=150)

    def misfit(v):
        pred = simulate_shots(AcousticModel(v, dx=start.dx), shots, dt=DT, order=4, boundary=pml).traces
        return data_misfit(pred, observed[:, :150])

    grad = jax.grad(misfit)(start.velocity)
    assert float(jnp.max(jnp.abs(grad[0]))) == 0.0 and float(jnp.max(jnp.abs(grad[1]))) > 0.0


def test_fwi_rejects_bad_optimizer_lists():
    _, start, shots, pml, observed = _tiny(n_shots=1, n_steps=50)
    kwargs = dict(dt=DT, bounds=(1500.0, 3500.0), bands=(5.0, None), boundary=pml)
    with pytest.raises(ValueError, match="one optimizer per band"):
        fwi(start, shots, observed, optimizer=("adam",), **kwargs)
    with pytest.raises(ValueError, match="unknown optimizer"):
        fwi(start, shots, observed, optimizer=("adam", "sgd"), **kwargs)
    with pytest.raises(ValueError, match="lbfgs_memory"):
        fwi(start, shots, observed, optimizer="lbfgs", lbfgs_memory=0, **kwargs)
