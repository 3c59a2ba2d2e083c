"""Emulator and operator experiments end to end on tiny configurations: accuracy, resume after an
interruption, divergence, loading a run back, and bad input.

The uninterrupted runs are module fixtures shared by several tests; later runs in the same process
reuse the compiled training chunks, so only the first run of each family pays for compilation.
"""

import json
import shutil

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import physax.experiments as ex
from physax._train import CheckpointError, checkpoint
from physax.cli import main
from physax.experiments import _emulator_build

ADV = {
    "train.rollout_steps": [1, 2],
    "train.steps": 100,
    "train.learning_rate": 0.05,
    "data.train_trajectories": 3,
    "data.train_steps": 9,
    "data.test_trajectories": 2,
    "data.test_steps": 12,
    "eval.rollout_steps": 12,
    "chunk": 50,
}
TINY_ADV = [a for k, v in ADV.items() for a in ("--set", f"{k}={json.dumps(v)}")]
OP = {
    "data.train": 16,
    "data.test": 8,
    "pde.num_points": 32,
    "pde.dt": 0.05,
    "train.steps": 200,
    "train.batch_size": 8,
    "train.learning_rate": 0.01,
    "fno.width": 8,
    "fno.modes": 6,
    "fno.layers": 2,
    "fno.projection_width": 16,
    "deeponet.width": 16,
    "deeponet.depth": 2,
    "deeponet.basis": 8,
    "deeponet.steps": 0,
    "chunk": 100,
}
TIMES = ("wall_time_s", "train_time_s", "report_time_s")


@pytest.fixture(scope="module")
def adv_run(tmp_path_factory):
    return ex.run(
        ex.load("emulator-advection", ADV), out=tmp_path_factory.mktemp("e") / "adv", progress=False
    )


@pytest.fixture(scope="module")
def op_run(tmp_path_factory):
    return ex.run(ex.load("operator-burgers", OP), out=tmp_path_factory.mktemp("o") / "op", progress=False)


def _untimed(m):
    """Metrics without wall-clock entries (which differ between any two runs)."""
    if isinstance(m, dict):
        return {k: _untimed(v) for k, v in m.items() if k not in TIMES}
    return m


def _leaves(tree):
    return [np.asarray(x) for x in jax.tree.leaves(tree)]


def _interrupt(monkeypatch, **where):
    """Simulate a kill just before the chunk checkpoint matching `where` is written: the history
    row of that chunk is on disk, its checkpoint is not (the resume must drop the row)."""
    save = _emulator_build.save_tied

    def save_or_die(path, tree, cfg, **entries):
        if path.name == "state.eqx" and all(entries.get(k) == v for k, v in where.items()):
            raise KeyboardInterrupt
        save(path, tree, cfg, **entries)

    monkeypatch.setattr(_emulator_build, "save_tied", save_or_die)


@pytest.mark.slow
def test_emulator_advection_learns_the_stencil(adv_run):
    """100 Adam steps learn the upwind stencil [1 + CFL, -CFL] = [0.25, 0.75] to < 0.1 (the
    initial network is 1.40 away) and the 12-step rollout stays within 50 % nRMSE."""
    m, out = adv_run.metrics, adv_run.directory
    assert set(m["stencil_error"]) == {"1", "2"} and max(m["stencil_error"].values()) < 0.1
    assert m["gmean_nrmse_100"] < 0.5 and m["correlation_time"] == 12
    assert m["steps"] == 200 and m["status"] == "finished"
    assert list(adv_run.history["step"]) == [50, 100, 150, 200]
    for f in ("config.toml", "history.csv", "rollout.png", "rollout_metrics.png", "summary.md"):
        assert (out / f).is_file()
    head = checkpoint.read_header(out / "checkpoint" / "model_T2.eqx")
    assert head["experiment"] == "emulator-advection" and head["rollout"] == 2 and head["step"] == 100
    state = checkpoint.read_header(out / "checkpoint" / "state.eqx")
    assert state["rollout"] == 2 and state["step"] == 100 and state["wall_time_s"] > 0


def test_emulator_resume_after_interrupt_matches_uninterrupted(adv_run, tmp_path, monkeypatch):
    out = tmp_path / "adv"
    _interrupt(monkeypatch, rollout=2, step=100)  # rollout 1 finished, rollout 2 half-way
    with pytest.raises(KeyboardInterrupt):
        ex.run(ex.load("emulator-advection", ADV), out=out, progress=False)
    assert checkpoint.read_header(out / "checkpoint" / "state.eqx")["step"] == 50
    assert not (out / "checkpoint" / "model_T2.eqx").exists()
    monkeypatch.undo()
    config = (out / "config.toml").stat().st_mtime_ns
    r = ex.resume(out, progress=False)
    assert (out / "config.toml").stat().st_mtime_ns == config
    assert _untimed(r.metrics) == _untimed(adv_run.metrics)
    assert list(r.history["step"]) == [50, 100, 150, 200]
    np.testing.assert_array_equal(r.history["loss"], adv_run.history["loss"])
    for a, b in zip(_leaves(r.model), _leaves(adv_run.model), strict=True):
        np.testing.assert_array_equal(a, b)


def test_emulator_load_run_predicts_the_advected_state(adv_run):
    cfg = adv_run.spec.config
    _, stepper, init = _emulator_build.build_reference(cfg)
    u0 = np.asarray(init(key=jax.random.key(7)))  # (1, 30)
    pred = adv_run.predict(u0, steps=3)
    assert pred.shape == (3, 1, 30)
    exact = np.asarray(stepper(stepper(stepper(jnp.asarray(u0)))))
    assert np.linalg.norm(pred[-1] - exact) < 0.2 * np.linalg.norm(exact)
    batch = adv_run.predict(np.stack([u0, 2 * u0]))
    assert batch.shape == (2, 1, 1, 30)
    np.testing.assert_allclose(batch[0, 0], pred[0], rtol=1e-6)
    with pytest.raises(ex.ConfigError, match="shape"):
        adv_run.predict(np.zeros((1, 31)))


def test_resume_refuses_a_checkpoint_of_another_configuration(adv_run, tmp_path):
    out = tmp_path / "copy"
    shutil.copytree(adv_run.directory, out)
    text = (out / "config.toml").read_text()
    (out / "config.toml").write_text(text.replace("learning_rate = 0.05", "learning_rate = 0.04"))
    with pytest.raises(CheckpointError, match="learning_rate"):
        ex.resume(out, progress=False)


def test_diverging_emulator_exits_1_with_one_line(tmp_path, capsys):
    out = tmp_path / "div"
    code = main(["run", "emulator-advection", "--out", str(out), "--quiet", *TINY_ADV,
                 "--set", "train.learning_rate=1e30"])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 1
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert "diverged" in err and f"last good checkpoint: {out / 'checkpoint' / 'state.eqx'}" in err
    good = checkpoint.read_header(out / "checkpoint" / "state.eqx")
    assert good["rollout"] == 1 and f"last good state is at step {good['step']}" in err
    assert json.loads((out / "metrics.json").read_text())["status"] == "diverged"


@pytest.mark.slow
def test_operator_burgers_learns_the_solution_operator(op_run):
    """After 200 steps on 16 samples the FNO is within 20 % relative L2 of u(t=1); the DeepONet
    beats the zero predictor (relative L2 1; the persistence u(t=1) = u0 is ~60 here, as the
    viscous decay shrinks u by ~50x)."""
    m = op_run.metrics
    assert set(m["models"]) == {"fno", "deeponet"} and m["steps"] == 400
    assert m["models"]["fno"]["rel_l2"] < 0.2 and m["models"]["deeponet"]["rel_l2"] < 0.9
    assert (op_run.directory / "samples.png").is_file()
    head = checkpoint.read_header(op_run.directory / "checkpoint" / "deeponet.eqx")
    assert head["model"] == "deeponet" and head["experiment"] == "operator-burgers"


@pytest.mark.slow
def test_operator_resume_after_interrupt_matches_uninterrupted(op_run, tmp_path, monkeypatch):
    out = tmp_path / "op"
    _interrupt(monkeypatch, model="deeponet", step=200)
    with pytest.raises(KeyboardInterrupt):
        ex.run(ex.load("operator-burgers", OP), out=out, progress=False)
    assert checkpoint.read_header(out / "checkpoint" / "state.eqx")["step"] == 100
    monkeypatch.undo()
    config = (out / "config.toml").stat().st_mtime_ns
    r = ex.resume(out, progress=False)
    assert (out / "config.toml").stat().st_mtime_ns == config
    assert _untimed(r.metrics) == _untimed(op_run.metrics)
    np.testing.assert_array_equal(r.history["loss"], op_run.history["loss"])
    for name in ("fno", "deeponet"):
        for a, b in zip(_leaves(r.model[name]), _leaves(op_run.model[name]), strict=True):
            np.testing.assert_array_equal(a, b)


def test_operator_load_run_predicts(op_run):
    u0 = np.sin(2 * np.pi * np.arange(32) / 32)[None]
    fno = op_run.predict(u0)
    assert fno.shape == (1, 32) and np.all(np.isfinite(fno))
    both = op_run.predict(np.stack([u0, u0]), model="deeponet")
    assert both.shape == (2, 1, 32)
    direct = op_run.model["deeponet"](jnp.asarray(u0, jnp.float32))
    np.testing.assert_allclose(both[0], np.asarray(direct), rtol=1e-5, atol=1e-7)
    # viscous decay: the prediction is much smaller than the input
    assert np.linalg.norm(fno) < 0.5 * np.linalg.norm(u0)
    with pytest.raises(ex.ConfigError, match="model must be one of"):
        op_run.predict(u0, model="unet")


def test_emulator_bad_input(tmp_path, capsys):
    code = main(["run", "emulator-advection", "--out", str(tmp_path / "x"), *TINY_ADV,
                 "--set", "train.rollout_steps=[20]"])  # fmt: skip
    assert code == 2
    assert "raise data.train_steps" in capsys.readouterr().err
    code = main(["run", "emulator-burgers", "--out", str(tmp_path / "y"), "--quiet",
                 "--set", "model.architecture=transformer"])  # fmt: skip
    assert code == 2
    code = main(["run", "emulator-advection", "--out", str(tmp_path / "z"), "--quiet", *TINY_ADV,
                 "--set", "model.activation=relu6"])  # fmt: skip
    assert code == 2
    assert "model.activation must be one of" in capsys.readouterr().err
