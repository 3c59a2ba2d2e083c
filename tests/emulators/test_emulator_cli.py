"""`physax run emulator-* / operator-burgers` end to end on tiny configurations, and bad input."""

import json

from physax.cli import main

TINY_ADV = [
    "--quiet",
    "--set", "train.rollout_steps=[1, 2]",
    "--set", "train.steps=30",
    "--set", "data.train_trajectories=3",
    "--set", "data.train_steps=9",
    "--set", "data.test_trajectories=2",
    "--set", "data.test_steps=12",
    "--set", "eval.rollout_steps=12",
    "--set", "chunk=10",
]  # fmt: skip


def test_emulator_advection_tiny(tmp_path):
    out = tmp_path / "adv"
    assert main(["run", "emulator-advection", "--out", str(out), *TINY_ADV]) == 0
    m = json.loads((out / "metrics.json").read_text())
    assert set(m["stencil_error"]) == {"1", "2"}
    assert m["gmean_nrmse_100"] > 0 and 0 <= m["correlation_time"] <= 12
    assert m["steps"] == 60 and m["wall_time_s"] > 0
    for f in ("config.toml", "history.csv", "rollout.png", "rollout_metrics.png", "summary.md"):
        assert (out / f).is_file()
    # --resume reuses the finished trainings.
    assert main(["run", str(out), "--resume", "--quiet"]) == 0


def test_operator_burgers_tiny(tmp_path):
    out = tmp_path / "op"
    args = ["--quiet", "--set", "data.train=8", "--set", "data.test=4", "--set", "pde.num_points=32",
            "--set", "train.steps=4", "--set", "train.batch_size=4", "--set", "fno.width=4",
            "--set", "fno.modes=4", "--set", "fno.layers=1", "--set", "fno.projection_width=4",
            "--set", "deeponet.width=8", "--set", "deeponet.depth=1", "--set", "deeponet.basis=4",
            "--set", "pde.dt=0.05", "--set", "deeponet.steps=4"]  # fmt: skip
    assert main(["run", "operator-burgers", "--out", str(out), *args]) == 0
    m = json.loads((out / "metrics.json").read_text())
    assert set(m["models"]) == {"fno", "deeponet"} and m["models"]["fno"]["rel_l2"] > 0
    assert (out / "samples.png").is_file()


def test_emulator_bad_input(tmp_path, capsys):
    code = main(["run", "emulator-advection", "--out", str(tmp_path / "x"), *TINY_ADV,
                 "--set", "train.rollout_steps=[20]"])  # fmt: skip
    assert code == 2
    assert "raise data.train_steps" in capsys.readouterr().err
    code = main(["run", "emulator-burgers", "--out", str(tmp_path / "y"), "--quiet",
                 "--set", "model.architecture=transformer"])  # fmt: skip
    assert code == 2
