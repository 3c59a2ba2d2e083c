"""FBPINN / ELM experiments end to end on tiny budgets, and bad configurations."""

import json

import pytest

from physax.cli import main


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
        main(["run", "fbpinn-cosine", "--out", str(bad), "--quiet", *tiny, "--set", "weights.pde=nan"]) == 1
    )
    assert "diverged" in capsys.readouterr().err
    assert json.loads((bad / "metrics.json").read_text())["status"] == "diverged"
    assert (bad / "checkpoint" / "state.eqx").is_file()
