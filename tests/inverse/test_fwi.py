"""FWI library: low-pass filter, bounded parametrisation, gradient vs FD, tiny inversion, resume."""

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from physax._train import Diverged, Result
from physax.inverse import (
    BoundedVelocity,
    FWIDiverged,
    FWIState,
    L2Misfit,
    NCCMisfit,
    data_misfit,
    fwi,
    lowpass,
    surface_shots,
)
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
    assert float(data_misfit(3.0 * d, d, misfit=NCCMisfit())) < 1e-6
    assert float(data_misfit(3.0 * d, d, misfit=L2Misfit())) > 1.0
    assert float(data_misfit(3.0 * d, d)) == float(L2Misfit()(3.0 * d, d))
    with pytest.raises(TypeError, match="misfit object"):
        data_misfit(d, d, misfit="l1")


def _tiny(n_shots=3, n_steps=300):
    true = synthetic_model(32, 16, 20.0, dtype=jnp.float64 if jax.config.jax_enable_x64 else jnp.float32)
    start = AcousticModel(smooth_model(true.velocity, 4.0), dx=20.0)
    shots = surface_shots(32, n_shots=n_shots, f0=8.0, dt=DT, n_steps=n_steps, receiver_spacing=2)
    pml = CPML((0, 8, 8, 8), f0=8.0, free_surface=True, velocity_max=3500.0)
    observed = simulate_shots(true, shots, dt=DT, order=4, boundary=pml).traces
    return true, start, shots, pml, observed


@pytest.mark.slow
@pytest.mark.parametrize("misfit", [L2Misfit(), NCCMisfit()], ids=["l2", "ncc"])
def test_fwi_objective_gradient_matches_finite_differences(misfit):
    before = jax.config.jax_enable_x64
    jax.config.update("jax_enable_x64", True)
    try:
        true, start, shots, pml, observed = _tiny(n_shots=2, n_steps=200)
        param = BoundedVelocity(start.velocity, vmin=1500.0, vmax=3500.0, smoothing=1.0)

        def objective(theta):
            model = AcousticModel(param(theta), dx=start.dx)
            pred = simulate_shots(model, shots, dt=DT, order=4, boundary=pml).traces
            return data_misfit(pred, observed, misfit=misfit, dt=DT, cutoff=6.0)

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
        optimizer=optax.adam(0.1),
        smoothing=1.0,
        mask_rows=2,
        boundary=pml,
    )
    err = lambda v: float(jnp.linalg.norm(v - true_v) / jnp.linalg.norm(true_v))  # noqa: E731
    assert err(result.model.velocity) < 0.9 * err(start_v)
    assert result.history["misfit"][-1] < 0.5 * result.history["misfit"][6]
    assert len(result.history) == 12 and result.history[-1]["step"] == 12


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
        optimizer=(optax.adam(0.05), optax.lbfgs()),
        smoothing=1.0,
        mask_rows=1,
        boundary=pml,
    )
    h = result.history
    assert h["band"].tolist() == [0, 0, 1, 1, 1, 1]
    lbfgs = np.asarray(h["misfit"][2:])
    # the zoom line search only accepts steps that decrease the objective
    assert np.all(np.diff(lbfgs) <= 1e-6 * lbfgs[0]) and lbfgs[-1] < 0.7 * lbfgs[0]
    v = np.asarray(result.model.velocity)
    assert np.isfinite(v).all() and v.min() > 1500.0 and v.max() < 3500.0


@pytest.mark.slow
def test_lbfgs_first_step_is_scaled_and_history_reports_the_unscaled_misfit():
    _, start, shots, pml, observed = _tiny(n_shots=2, n_steps=200)
    kw = dict(dt=DT, bounds=(1500.0, 3500.0), bands=(6.0,), iterations=2, optimizer=optax.lbfgs())
    result = fwi(start, shots, observed, smoothing=0.0, boundary=pml, **kw)
    pred = simulate_shots(start, shots, dt=DT, order=4, boundary=pml).traces
    expected = float(data_misfit(pred, observed, dt=DT, cutoff=6.0))
    np.testing.assert_allclose(result.history["misfit"][0], expected, rtol=1e-4)
    # the objective is scaled so the first step (-gradient, unit line-search guess) moves
    # theta by ~0.1 logit units, ~50 m/s: not the ~1e-5 m/s of the raw gradient
    one = fwi(start, shots, observed, smoothing=0.0, boundary=pml, **{**kw, "iterations": 1})
    change = float(jnp.max(jnp.abs(one.model.velocity - start.velocity)))
    assert 5.0 < change < 500.0


@pytest.mark.slow
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
        fwi(start, shots, observed, optimizer=(optax.adam(0.1),), **kwargs)
    with pytest.raises(TypeError, match="optax transformation"):
        fwi(start, shots, observed, optimizer=(optax.adam(0.1), "sgd"), **kwargs)
    with pytest.raises(TypeError, match="misfit object"):
        fwi(start, shots, observed, misfit="ncc", **kwargs)
    with pytest.raises(ValueError, match="does not fit"):
        fwi(start, shots, observed, iterations=1, state=FWIState.initial(start.velocity, step=5), **kwargs)


def _small(dtype=jnp.float32):
    true = synthetic_model(20, 12, 20.0, dtype=dtype)
    start = AcousticModel(smooth_model(true.velocity, 3.0), dx=20.0)
    shots = surface_shots(20, n_shots=2, f0=8.0, dt=DT, n_steps=120, receiver_spacing=2)
    pml = CPML((0, 6, 6, 6), f0=8.0, free_surface=True, velocity_max=3500.0)
    observed = simulate_shots(true, shots, dt=DT, order=4, boundary=pml).traces
    kw = dict(dt=DT, bounds=(1500.0, 3500.0), smoothing=1.0, mask_rows=1, boundary=pml)
    return start, shots, observed, kw


ADAM = optax.adam(0.05)


def test_resumed_fwi_ends_where_the_uninterrupted_one_does():
    # Adam on two bands, interrupted inside the first and right at the band change (where the
    # optimiser state restarts); the CLI test resumes inside an L-BFGS band (memory, line
    # search state and objective scale carry over; L-BFGS takes ~15 s more to compile)
    start, shots, observed, kw = _small()
    kw.update(bands=(5.0, None), iterations=(3, 3), optimizer=ADAM)
    full = fwi(start, shots, observed, **kw)
    assert isinstance(full, Result) and isinstance(full.state, FWIState)
    assert full.history["step"].tolist() == [1, 2, 3, 4, 5, 6] and full.state.step == 6
    assert full.history["band"].tolist() == [0, 0, 0, 1, 1, 1]
    for cut in (2, 3):
        saved = {}

        def kill(record, state, cut=cut, saved=saved):
            saved["state"] = state
            if record["step"] == cut:
                raise KeyboardInterrupt

        with pytest.raises(KeyboardInterrupt):
            fwi(start, shots, observed, callbacks=[kill], **kw)
        assert saved["state"].step == cut
        rest = fwi(start, shots, observed, state=saved["state"], **kw)
        assert rest.history["step"].tolist() == list(range(cut + 1, 7))
        np.testing.assert_allclose(rest.history["misfit"], full.history["misfit"][cut:], rtol=1e-6)
        np.testing.assert_allclose(rest.model.velocity, full.model.velocity, rtol=1e-6)
    assert float(full.history["misfit"][-1]) < float(full.history["misfit"][3])


def test_fwi_divergence_raises_with_the_last_good_state():
    start, shots, observed, kw = _small()
    records = []
    with pytest.raises(FWIDiverged, match="diverged at iteration") as info:
        # Adam's steps (~lr each) overflow theta in float32 after a few iterations
        fwi(
            start,
            shots,
            observed,
            iterations=10,
            optimizer=optax.adam(1e38),
            callbacks=[lambda r, s: records.append(r)],
            **kw,
        )
    e = info.value
    assert isinstance(e, Diverged) and isinstance(e.state, FWIState)
    assert e.step == e.state.step == len(records) >= 1 and e.record["step"] == e.step + 1
    assert bool(jnp.all(jnp.isfinite(e.state.theta)))
