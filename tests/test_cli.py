"""The physax command line end to end: run directory, resume, and clear errors on bad input."""

import json

import numpy as np
import pytest

from physax import report
from physax.cli import main

TINY = [
    "--quiet",
    "--set", "train.adam_steps=150",
    "--set", "train.lbfgs_steps=30",
    "--set", "collocation.n_interior=200",
    "--set", "collocation.n_boundary=40",
    "--set", "collocation.n_initial=40",
    "--set", "model.width=12",
    "--set", "model.depth=2",
    "--set", "data.n=100",
    "--set", "chunk=50",
]  # fmt: skip


def test_list_and_version(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    for name in (
        "burgers-forward",
        "burgers-inverse",
        "heat-forward",
        "heat-inverse",
        "kolmogorov",
        "gray-scott",
    ):
        assert name in out
    with pytest.raises(SystemExit) as e:
        main(["--version"])
    assert e.value.code == 0


def test_run_writes_the_whole_run_directory(tmp_path):
    out = tmp_path / "run"
    assert main(["run", "heat-inverse", "--out", str(out), *TINY]) == 0
    for name in ("config.toml", "metrics.json", "history.csv", "summary.md", "checkpoint/state.eqx",
                 "solution.png", "reference.png", "error.png", "loss.png", "parameters.png"):  # fmt: skip
        assert (out / name).is_file() and (out / name).stat().st_size > 0, name
    m = json.loads((out / "metrics.json").read_text())
    for key in ("experiment", "wall_time_s", "steps", "device", "rel_l2"):
        assert key in m
    assert m["steps"] == 180 and set(m["parameters"]["k"]) >= {"estimate", "true", "rel_error"}
    rows = report.HistoryWriter.load(out / "history.csv").rows
    assert [r["step"] for r in rows] == [50, 100, 150, 180]
    # the written config.toml re-runs as is
    again = tmp_path / "again"
    assert main(["run", str(out / "config.toml"), "--out", str(again), "--quiet"]) == 0
    m2 = json.loads((again / "metrics.json").read_text())
    assert m2["rel_l2"] == pytest.approx(m["rel_l2"], rel=1e-9)


def test_resume_equals_uninterrupted(tmp_path, monkeypatch):
    full, cut = tmp_path / "full", tmp_path / "cut"
    assert main(["run", "heat-inverse", "--out", str(full), *TINY]) == 0

    real_append = report.HistoryWriter.append

    def interrupt(self, row):  # the process dies after step 100 was checkpointed
        if row["step"] == 150:
            raise KeyboardInterrupt
        real_append(self, row)

    monkeypatch.setattr(report.HistoryWriter, "append", interrupt)
    assert main(["run", "heat-inverse", "--out", str(cut), *TINY]) == 130
    monkeypatch.setattr(report.HistoryWriter, "append", real_append)
    assert not (cut / "metrics.json").exists()
    assert main(["run", str(cut), "--resume", "--quiet"]) == 0
    a = json.loads((full / "metrics.json").read_text())
    b = json.loads((cut / "metrics.json").read_text())
    assert b["steps"] == a["steps"]
    assert b["rel_l2"] == pytest.approx(a["rel_l2"], rel=1e-9)
    assert b["parameters"]["k"]["estimate"] == pytest.approx(a["parameters"]["k"]["estimate"], rel=1e-9)
    steps = [r["step"] for r in report.HistoryWriter.load(cut / "history.csv").rows]
    assert steps == [50, 100, 150, 180]


def _fails(capsys, argv, match):
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    assert match in err, err


def test_bad_config_gives_one_line_and_exit_2(capsys, tmp_path):
    out = ["--out", str(tmp_path / "x"), "--quiet"]
    _fails(
        capsys, ["run", "heat-forward", "--set", "train.adam_step=5", *out], "Did you mean 'train.adam_steps'"
    )
    _fails(capsys, ["run", "heat-forward", "--set", "train.adam_steps=fast", *out], "must be an integer")
    _fails(capsys, ["run", "heat-forward", "--set", "model.hard_constraints=1", *out], "must be a boolean")
    _fails(capsys, ["run", "heat-forward", "--set", "problem.length=-1.0", *out], "impossible domain")
    _fails(capsys, ["run", "heat-forward", "--set", "model.activation=relu6", *out], "model.activation")
    _fails(capsys, ["run", "heat-forwrd", *out], "Did you mean 'heat-forward'")
    bad = tmp_path / "bad.toml"
    bad.write_text('experiment = "heat-forward"\n[train]\nsteps = 3\n')
    _fails(capsys, ["run", "heat-forward", "--config", str(bad), *out], "unknown config key 'train.steps'")


def test_bad_observation_files(capsys, tmp_path):
    out = ["--out", str(tmp_path / "x"), "--quiet"]
    nan = tmp_path / "obs.csv"
    nan.write_text("t,x,u\n0.1,0.2,0.3\n0.2,nan,0.1\n")
    _fails(capsys, ["run", "heat-inverse", "--set", f'data.file="{nan}"', *out], "NaN")
    shape = tmp_path / "obs.npz"
    np.savez(shape, points=np.zeros((5, 3)), values=np.zeros(5))
    _fails(capsys, ["run", "heat-inverse", "--set", f'data.file="{shape}"', *out], "3 columns")
    count = tmp_path / "count.npz"
    np.savez(count, points=np.zeros((5, 2)), values=np.zeros(4))
    _fails(
        capsys,
        ["run", "heat-inverse", "--set", f'data.file="{count}"', *out],
        "5 observation points but 4 values",
    )


@pytest.mark.slow
def test_corrupt_checkpoint_and_existing_run(capsys, tmp_path):
    run_dir = tmp_path / "run"
    assert main(["run", "heat-forward", "--out", str(run_dir), *TINY[:-2], "--set", "data.n=0"]) == 0
    capsys.readouterr()
    _fails(capsys, ["run", "heat-forward", "--out", str(run_dir), "--quiet"], "--resume")
    ckpt = run_dir / "checkpoint" / "state.eqx"
    ckpt.write_bytes(ckpt.read_bytes()[:-100])
    _fails(capsys, ["run", str(run_dir), "--resume", "--quiet"], "corrupt")
