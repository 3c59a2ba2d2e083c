"""The public experiments layer: load / run / resume / load_run / predict, and run-directory ownership."""

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import physax.experiments as ex
from physax.cli import main

TINY = {
    "train.adam_steps": 60,
    "train.lbfgs_steps": 10,
    "collocation.n_interior": 200,
    "collocation.n_boundary": 40,
    "collocation.n_initial": 40,
    "model.width": 12,
    "model.depth": 2,
    "chunk": 20,
}


def _heat_exact(t, x, k=0.1):
    """The heat-forward reference: two sine modes decaying at rates k (n pi)^2."""
    return np.sin(np.pi * x) * np.exp(-k * np.pi**2 * t) + 0.5 * np.sin(3 * np.pi * x) * np.exp(
        -9 * k * np.pi**2 * t
    )


def test_load_gives_a_typed_validated_spec():
    spec = ex.load("heat-forward", {"train.adam_steps": 300, "model": {"width": 8}})
    assert isinstance(spec, ex.PINNSpec) and spec["train.adam_steps"] == 300 and spec["model.width"] == 8
    assert isinstance(ex.load("fbpinn-cosine"), ex.FBPINNSpec)
    assert isinstance(ex.load("emulator-advection"), ex.EmulatorSpec)
    assert isinstance(ex.load("fwi"), ex.FWISpec)
    with pytest.raises(ex.ConfigError, match="Did you mean 'train.adam_steps'"):
        ex.load("heat-forward", {"train.adam_step": 3})
    with pytest.raises(ex.ConfigError, match="must be an integer"):
        ex.load("heat-forward", {"train.adam_steps": "many"})
    with pytest.raises(ex.ConfigError, match="unknown experiment"):
        ex.load("../solve_configs/burgers")
    with pytest.raises(ex.ConfigError, match="finite"):
        ex.load("heat-forward", {"train.learning_rate": float("inf")})
    with pytest.raises(ex.ConfigError, match="out of range"):
        ex.load("heat-forward", {"seed": 2**70})
    with pytest.raises(ex.ConfigError, match="cannot be changed"):
        ex.load("heat-forward", {"experiment": "heat-inverse"})
    assert "[train]" in ex.show("heat-forward") and "#" in ex.show("heat-forward")


def test_run_load_run_predict_and_resume_to_the_same_result(tmp_path, monkeypatch):
    spec = ex.load("heat-forward", TINY)
    full = ex.run(spec, out=tmp_path / "full", progress=False)
    assert full.metrics["steps"] == 70 and full.history["step"][-1] == 70
    # the loaded model is the trained field: compare with the exact solution at new points
    pts = np.array([[0.25, 0.5], [0.5, 0.3], [0.9, 0.7]])
    u = ex.load_run(tmp_path / "full").predict(pts)
    assert u.shape == (3,)
    err = np.linalg.norm(u - _heat_exact(pts[:, 0], pts[:, 1])) / np.linalg.norm(
        _heat_exact(pts[:, 0], pts[:, 1])
    )
    assert err < 3 * full.metrics["rel_l2"] + 0.05

    # a run killed after its second checkpoint, then resumed, ends where the uninterrupted one did
    from physax.experiments import _pinn

    real, calls = _pinn._save_checkpoint, []

    def dying(*args, **kwargs):
        real(*args, **kwargs)
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt

    monkeypatch.setattr(_pinn, "_save_checkpoint", dying)
    with pytest.raises(KeyboardInterrupt):
        ex.run(spec, out=tmp_path / "killed", progress=False)
    monkeypatch.setattr(_pinn, "_save_checkpoint", real)
    assert not (tmp_path / "killed" / "metrics.json").exists()
    resumed = ex.resume(tmp_path / "killed", progress=False)
    assert resumed.metrics["rel_l2"] == pytest.approx(full.metrics["rel_l2"], rel=1e-9)
    np.testing.assert_allclose(resumed.predict(pts), u, rtol=1e-9)


def test_cli_predict_and_show(tmp_path, capsys):
    out = tmp_path / "run"
    sets = [x for k, v in TINY.items() for x in ("--set", f"{k}={v}")]
    assert main(["run", "heat-forward", "--out", str(out), "--quiet", *sets]) == 0
    pts = tmp_path / "pts.csv"
    pts.write_text("t,x\n0.5,0.5\n0.1,0.2\n")
    assert main(["predict", str(out), "--points", str(pts), "--out", str(tmp_path / "u.npz")]) == 0
    with np.load(tmp_path / "u.npz") as f:
        assert f["values"].shape == (2,)
    bad = tmp_path / "bad.csv"
    bad.write_text("0.5,0.5,0.5\n")
    capsys.readouterr()
    assert main(["predict", str(out), "--points", str(bad)]) == 2
    assert "shape (n, 2)" in capsys.readouterr().err
    assert main(["show", "burgers-inverse"]) == 0
    text = capsys.readouterr().out
    assert text.startswith('experiment = "burgers-inverse"') and "[train]" in text


@pytest.mark.slow  # moved out of the fast tier (its 8-minute budget); runs in .ci/run
def test_divergence_exits_1_naming_the_true_checkpoint(tmp_path, capsys):
    out = tmp_path / "div"
    # phases = []: the float32 Adam of the two-phase shorthand (a float64 Adam phase with a huge
    # step saturates the tanh network to a finite loss instead of overflowing)
    code = main(["run", "heat-forward", "--out", str(out), "--quiet", "--set", "train.learning_rate=1e30",
                 "--set", "train.phases=[]", "--set", "train.lbfgs_steps=0", "--set", "train.adam_steps=40",
                 "--set", "chunk=20"])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 1 and "diverged" in err and len(err.strip().splitlines()) == 1
    assert "no checkpoint was written yet" in err and not (out / "checkpoint" / "state.eqx").exists()


def test_a_fresh_run_refuses_a_used_directory_and_a_symlinked_out(tmp_path, capsys):
    used = tmp_path / "mine"
    used.mkdir()
    (used / "summary.md").write_text("my notes")
    assert main(["run", "heat-forward", "--out", str(used), "--quiet"]) == 2
    assert "not empty" in capsys.readouterr().err and (used / "summary.md").read_text() == "my notes"
    target = tmp_path / "elsewhere"
    target.mkdir()
    os.symlink(target, tmp_path / "link")
    assert main(["run", "heat-forward", "--out", str(tmp_path / "link"), "--quiet"]) == 2
    assert not any(target.iterdir())
    afile = tmp_path / "afile"
    afile.write_text("x")
    assert main(["run", "heat-forward", "--out", str(afile), "--quiet"]) == 2
    assert "is a file" in capsys.readouterr().err


def test_a_directory_held_by_another_run_is_refused(tmp_path):
    """Two runs into one --out: the second sees the first's lock and exits 2 (nothing lost)."""
    out = tmp_path / "shared"
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import sys, time
            from physax.experiments._rundir import RunDirectory
            with RunDirectory({str(out)!r}, fresh=True):
                print("held", flush=True)
                time.sleep(30)
        """)],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "held"
        res = subprocess.run([sys.executable, "-m", "physax.cli._main", "run", "heat-forward", "--out", str(out),
                              "--quiet"], capture_output=True, text=True)  # fmt: skip
        assert res.returncode == 2 and "in use by another physax run" in res.stderr
        assert "Traceback" not in res.stderr
    finally:
        holder.kill()
        holder.wait()


def test_resume_refuses_an_edited_config(tmp_path, capsys):
    out = tmp_path / "run"
    sets = [x for k, v in TINY.items() for x in ("--set", f"{k}={v}")]
    assert main(["run", "heat-forward", "--out", str(out), "--quiet", *sets]) == 0
    cfg = (out / "config.toml").read_text()
    (out / "config.toml").write_text(cfg.replace("learning_rate = 0.003", "learning_rate = 0.01"))
    capsys.readouterr()
    assert main(["run", str(out), "--resume", "--quiet"]) == 2
    assert "train.learning_rate" in capsys.readouterr().err
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["steps"] == 70
