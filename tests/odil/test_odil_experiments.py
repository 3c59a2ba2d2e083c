"""The odil-* experiments run tiny, write their run directory, load back and resume."""

import numpy as np
import pytest

import physax.experiments as ex

TINY = {
    "odil-burgers": {"grid.shape": [11, 33], "odil.steps": 4},
    "odil-burgers-inverse": {"grid.shape": [11, 33], "odil.steps": 3, "data.n": 300},
    "odil-heat-inverse": {"grid.shape": [11, 9], "odil.steps": 4, "data.n": 100},
    "odil-assimilation": {"grid.shape": [11, 33], "odil.steps": 3},
}


def test_the_odil_experiments_load_as_odil_specs(tmp_path):
    for name in TINY:
        assert name in ex.names() and isinstance(ex.load(name), ex.ODILSpec)
    with pytest.raises(ex.ConfigError, match="drop_conditions names 'nope'"):
        ex.run(
            ex.load("odil-burgers", {"odil.drop_conditions": ["nope"]}),
            out=tmp_path / "never",
            progress=False,
        )


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(TINY))
def test_odil_experiment_runs_tiny_and_resumes_to_the_same_result(name, tmp_path, monkeypatch):
    spec = ex.load(name, TINY[name])
    full = ex.run(spec, out=tmp_path / "full", progress=False)
    m = full.metrics
    assert m["status"] == "finished" and m["method"] == "odil" and m["rel_l2"] < 1.0
    for f in ("config.toml", "metrics.json", "history.csv", "summary.md", "solution.png", "loss.png"):
        assert (tmp_path / "full" / f).is_file(), f
    pts = np.array([[0.5, 0.2], [0.25, 0.5]])
    assert full.predict(pts).shape == (2,)
    if name not in ("odil-burgers", "odil-heat-inverse"):
        return  # resuming goes through the same code for the other two

    from physax.experiments import _odil

    real, calls = _odil._save, []

    def dying(*args, **kwargs):
        real(*args, **kwargs)
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt

    monkeypatch.setattr(_odil, "_save", dying)
    with pytest.raises(KeyboardInterrupt):
        ex.run(spec, out=tmp_path / "killed", progress=False)
    monkeypatch.setattr(_odil, "_save", real)
    resumed = ex.resume(tmp_path / "killed", progress=False)
    assert resumed.metrics["rel_l2"] == pytest.approx(m["rel_l2"], rel=1e-6)
    np.testing.assert_allclose(resumed.predict(pts), full.predict(pts), rtol=1e-6, atol=1e-12)


@pytest.mark.slow
@pytest.mark.parametrize("optimizer", ["adam", "lbfgs"])
def test_gradient_odil_runs_resume_from_their_optimiser_state_to_the_same_result(
    optimizer, tmp_path, monkeypatch
):
    over = {"grid.shape": [11, 17], "odil.optimizer": optimizer, "odil.steps": 30, "odil.chunk": 10}
    spec = ex.load("odil-burgers", over)
    full = ex.run(spec, out=tmp_path / "full", progress=False)

    from physax.experiments import _odil

    real, calls = _odil._save, []

    def dying(out, cfg, state, wall):
        real(out, cfg, state, wall)
        calls.append(state.phase)
        if len(calls) == 2:  # after two of three chunks
            raise KeyboardInterrupt

    monkeypatch.setattr(_odil, "_save", dying)
    with pytest.raises(KeyboardInterrupt):
        ex.run(spec, out=tmp_path / "killed", progress=False)
    monkeypatch.setattr(_odil, "_save", real)
    assert calls == [optimizer, optimizer]
    with pytest.raises(ex.ConfigError, match="resume it"):
        ex.load_run(tmp_path / "killed")
    resumed = ex.resume(tmp_path / "killed", progress=False)
    assert resumed.metrics["steps"] == full.metrics["steps"] == 30
    assert resumed.metrics["rel_l2"] == pytest.approx(full.metrics["rel_l2"], rel=1e-9)
    pts = np.array([[0.5, 0.2], [0.25, -0.5]])
    np.testing.assert_allclose(resumed.predict(pts), full.predict(pts), rtol=1e-9, atol=1e-12)
