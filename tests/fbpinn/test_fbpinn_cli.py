"""FBPINN / ELM experiments end to end on tiny budgets: runs, resume after a kill, loading, bad input."""

import json

import numpy as np
import pytest

import physax.experiments as ex
from physax import fbpinn, problems
from physax._train.checkpoint import read_header
from physax.cli import main
from physax.experiments import _fbpinn


@pytest.mark.slow
def test_fbpinn_and_elm_runs_write_their_metrics(tmp_path):
    out = tmp_path / "cos"
    argv = ["run", "fbpinn-cosine", "--out", str(out), "--quiet"]
    tiny = ["--set", "train.steps=4", "--set", "chunk=2", "--set", "collocation.n_interior=60"]
    assert main([*argv, *tiny, "--set", "decomposition.subdomains=[6]"]) == 0
    m = json.loads((out / "metrics.json").read_text())
    assert {"test_l1", "rel_l2", "wall_time_s", "steps"} <= set(m) and m["steps"] == 4
    for f in (
        "decomposition.png",
        "windows.png",
        "contributions.png",
        "solution.png",
        "loss.png",
        "summary.md",
    ):
        assert (out / f).is_file(), f
    out = tmp_path / "elm"
    assert (
        main(["run", "elm-oscillator", "--out", str(out), "--quiet", "--set", "decomposition.subdomains=[4]"])
        == 0
    )
    m = json.loads((out / "metrics.json").read_text())
    assert {"test_l1", "rel_l2", "wall_time_s", "compile_time_s", "condition_estimate"} <= set(m)


def test_bad_fbpinn_configs_exit_2(capsys, tmp_path):
    for bad in ("decomposition.overlap=0.9", "decomposition.window=gauss", "scheduler.kind=spiral"):
        assert main(["run", "fbpinn-cosine", "--out", str(tmp_path / "x"), "--quiet", "--set", bad]) == 2
        err = capsys.readouterr().err
        assert "overlap" in err or "window" in err or "scheduler.kind" in err


@pytest.mark.slow
def test_fbpinn_run_resumes_and_keeps_work_on_nan(tmp_path, capsys):
    out = tmp_path / "cos"
    tiny = ["--set", "train.steps=4", "--set", "chunk=2", "--set", "collocation.n_interior=60"]
    tiny += ["--set", "decomposition.subdomains=[6]"]
    assert main(["run", "fbpinn-cosine", "--out", str(out), "--quiet", *tiny]) == 0
    first = json.loads((out / "metrics.json").read_text())
    assert (out / "checkpoint" / "state.eqx").is_file()
    (out / "metrics.json").unlink()  # as if interrupted after the last chunk
    assert main(["run", str(out), "--resume", "--quiet"]) == 0
    again = json.loads((out / "metrics.json").read_text())
    assert again["test_l1"] == pytest.approx(first["test_l1"], rel=1e-6)
    steps = [line.split(",")[0] for line in (out / "history.csv").read_text().splitlines()[1:]]
    assert steps == ["2", "4"]
    ckpt = out / "checkpoint" / "state.eqx"
    ckpt.write_bytes(ckpt.read_bytes()[:-7])  # truncated: a clear error, exit code 2
    assert main(["run", str(out), "--resume", "--quiet"]) == 2
    assert "corrupt" in capsys.readouterr().err

    bad = tmp_path / "nan"
    assert (
        main(
            ["run", "fbpinn-cosine", "--out", str(bad), "--quiet", *tiny, "--set", "train.learning_rate=1e30"]
        )
        == 1
    )
    assert "diverged" in capsys.readouterr().err
    assert json.loads((bad / "metrics.json").read_text())["status"] == "diverged"
    assert (bad / "checkpoint" / "state.eqx").is_file()


TINY = {  # soft conditions: the model's static parts repeat, so the three runs compile once
    "train.steps": 6,
    "chunk": 2,
    "collocation.n_interior": 60,
    "decomposition.subdomains": [6],
    "model.hard_constraints": False,
}


@pytest.mark.slow
def test_a_killed_fbpinn_run_resumes_to_the_uninterrupted_result(tmp_path, monkeypatch):
    spec = ex.load("fbpinn-cosine", TINY)
    full = ex.run(spec, out=tmp_path / "full", progress=False)
    save = _fbpinn._save_checkpoint

    def killed_after_the_first_chunk(out, cfg, state, record):
        save(out, cfg, state, record)
        raise KeyboardInterrupt

    monkeypatch.setattr(_fbpinn, "_save_checkpoint", killed_after_the_first_chunk)
    with pytest.raises(KeyboardInterrupt):
        ex.run(spec, out=tmp_path / "killed", progress=False)
    monkeypatch.setattr(_fbpinn, "_save_checkpoint", save)
    header = read_header(tmp_path / "killed" / "checkpoint" / "state.eqx")
    assert header["step"] == 2 and header["experiment"] == "fbpinn-cosine" and "config_hash" in header
    assert not (tmp_path / "killed" / "metrics.json").exists()

    resumed = ex.resume(tmp_path / "killed", progress=False)
    for key in ("test_l1", "rel_l2", "max_abs_error"):
        assert resumed.metrics[key] == pytest.approx(full.metrics[key], rel=1e-6)
    assert list(resumed.history["step"]) == [2, 4, 6]
    pts = np.array([[0.1], [1.0], [-3.0]])
    np.testing.assert_allclose(resumed.predict(pts), full.predict(pts), rtol=1e-6, atol=1e-9)
    with pytest.raises(ex.ConfigError, match=r"shape \(n, 1\)"):
        resumed.predict(np.zeros((2, 2)))


def test_an_elm_run_saves_its_solved_model(tmp_path):
    out = tmp_path / "elm"
    cfg = {"decomposition.subdomains": [8], "collocation.n_interior": 200}
    run = ex.run(ex.load("elm-oscillator", cfg), out=out, progress=False)
    assert (out / "checkpoint" / "state.eqx").is_file()
    loaded = ex.load_run(out)
    assert isinstance(loaded.model, fbpinn.ELMFBPINN)
    ref = problems.DampedOscillator().reference()
    err = np.abs(loaded.predict(ref.points) - ref.flat_values)
    assert float(np.mean(err)) == pytest.approx(run.metrics["test_l1"], rel=1e-9)  # the solved model
    assert run.metrics["rel_l2"] < 1e-3
