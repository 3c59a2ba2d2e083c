"""CLI end to end: `physax solve wave` and `physax run fwi` on tiny grids; resume, divergence, predict."""

import json

import jax
import numpy as np
import pytest

import physax.experiments as ex
from physax import report
from physax._train.checkpoint import read_header
from physax.cli import main
from physax.solvers.wave import AcousticModel

TINY_FWI = [
    "--set", "model.nx=24", "--set", "model.nz=16", "--set", "model.start_smoothing=3.0",
    "--set", "acquisition.n_shots=2", "--set", "acquisition.t_end=0.3", "--set", "acquisition.pml_width=8",
    "--set", "inversion.bands=[4.0, 0.0]", "--set", "inversion.iterations=[2, 2]", "--quiet",
]  # fmt: skip


@pytest.fixture(autouse=True)
def _restore_x64():
    before = jax.config.jax_enable_x64
    yield
    jax.config.update("jax_enable_x64", before)  # the CLI switches float64 on globally


@pytest.mark.slow
def test_solve_wave_writes_traces_snapshots_and_figures(tmp_path):
    out = tmp_path / "wave"
    sets = ["nx=40", "nz=20", "source_x=20", "t_end=0.2", "pml_width=6", "snapshots=3", "order=2"]
    assert main(["solve", "wave", "--out", str(out), "--quiet", *sum((["--set", s] for s in sets), [])]) == 0
    m = json.loads((out / "metrics.json").read_text())
    assert m["steps"] == 200 and m["wall_time_s"] > 0 and m["finite"]
    sol = np.load(out / "solution.npz")
    assert sol["traces"].shape == (200, 40) and sol["snapshots"].shape == (3, 20, 40)
    assert np.abs(sol["traces"]).max() > 0
    for name in ("snapshots.png", "shot_gather.png", "config.toml", "summary.md"):
        assert (out / name).is_file()


def test_solve_wave_bad_input_is_a_config_error(tmp_path, capsys):
    assert main(["solve", "wave", "--out", str(tmp_path / "a"), "--set", "dt=0.01"]) == 2
    assert "CFL" in capsys.readouterr().err


@pytest.fixture(scope="module")
def fwi_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("fwi") / "run"
    assert main(["run", "fwi", "--out", str(out), *TINY_FWI]) == 0
    return out


@pytest.mark.slow
def test_run_fwi_tiny_reduces_misfit_and_writes_run_directory(fwi_run):
    out = fwi_run
    m = json.loads((out / "metrics.json").read_text())
    for key in (
        "model_rel_error_initial",
        "model_rel_error_final",
        "misfit_reduction",
        "wall_time_s",
        "steps",
    ):
        assert key in m
    assert m["steps"] == 4 and m["misfit_reduction"] > 1.0
    for name in (
        "models.png",
        "misfit.png",
        "data_residuals.png",
        "history.csv",
        "solution.npz",
        "checkpoint/state.eqx",
    ):
        assert (out / name).is_file()
    rows = report.HistoryWriter.load(out / "history.csv").rows
    assert [r["step"] for r in rows] == [1, 2, 3, 4] and [r["band"] for r in rows] == [0, 0, 1, 1]


@pytest.mark.slow
def test_load_run_predicts_the_inverted_velocity(fwi_run):
    run = ex.load_run(fwi_run)
    assert isinstance(run.model, AcousticModel)
    inverted = np.load(fwi_run / "solution.npz")["inverted"]
    np.testing.assert_allclose(np.asarray(run.model.velocity), inverted, rtol=1e-6)
    dx = run.model.dx
    # grid nodes (x, z) = (ix dx, iz dx), and the midpoint of a cell: the mean of its corners
    nodes = np.array([[0.0, 0.0], [5 * dx, 3 * dx], [23 * dx, 15 * dx]])
    np.testing.assert_allclose(run.predict(nodes), inverted[[0, 3, 15], [0, 5, 23]], rtol=1e-6)
    mid = run.predict(np.array([[2.5 * dx, 7.5 * dx]]))
    np.testing.assert_allclose(mid, inverted[7:9, 2:4].mean(), rtol=1e-6)
    with pytest.raises(ex.ConfigError, match="must lie in the model"):
        run.predict(np.array([[-1.0, 0.0]]))


def test_fwi_resume_equals_uninterrupted(tmp_path, monkeypatch, fwi_run):
    spec = ex.load("fwi", ex.parse_overrides(TINY_FWI[1:-1:2]))
    spec = spec.replace({"inversion.checkpoint_every": 3})
    full = ex.load_run(fwi_run).metrics  # the same run with checkpoints every 10 iterations
    real_append = report.HistoryWriter.append

    def kill(self, row):  # the process dies inside the second L-BFGS band, after iteration 3 was checkpointed
        if row["step"] == 4:
            raise KeyboardInterrupt
        real_append(self, row)

    monkeypatch.setattr(report.HistoryWriter, "append", kill)
    with pytest.raises(KeyboardInterrupt):
        ex.run(spec, out=tmp_path / "cut", progress=False)
    monkeypatch.setattr(report.HistoryWriter, "append", real_append)
    assert not (tmp_path / "cut" / "metrics.json").exists()
    assert read_header(tmp_path / "cut" / "checkpoint" / "state.eqx")["step"] == 3
    resumed = ex.resume(tmp_path / "cut", progress=False)
    assert [r["step"] for r in resumed.history] == [1, 2, 3, 4]
    m = resumed.metrics
    assert m["steps"] == full["steps"] == 4
    for key in ("model_rel_error_final", "misfit_final"):
        assert m[key] == pytest.approx(full[key], rel=1e-6), key


def test_fwi_divergence_exits_1_with_one_line_and_keeps_the_last_good_state(tmp_path, capsys):
    out = tmp_path / "div"
    lr = ["--set", "inversion.optimizer='adam'", "--set", "inversion.learning_rate=1e38"]
    sets = ["--set", "inversion.iterations=[10, 10]", "--set", "inversion.checkpoint_every=100"]
    assert main(["run", "fwi", "--out", str(out), *TINY_FWI, *lr, *sets]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    assert "FWI diverged" in err and str(out / "checkpoint" / "state.eqx") in err
    m = json.loads((out / "metrics.json").read_text())
    assert m["status"] == "diverged" and m["steps"] >= 1


def test_run_fwi_rejects_bad_bands(tmp_path, capsys):
    bad = ["--set", "inversion.bands=[4.0]", "--set", "inversion.iterations=[1, 1]"]
    assert main(["run", "fwi", "--out", str(tmp_path / "b"), *bad]) == 2
    assert "same" in capsys.readouterr().err
