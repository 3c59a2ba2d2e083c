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
