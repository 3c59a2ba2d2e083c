"""Bad input and faults (issue 21, classes 1-7), as tables of cases.

Every case goes through ``physax.cli.main`` in-process and must give one line on stderr,
the documented exit code, no traceback, and leave nothing written or overwritten. The
slow cases at the end run real (tiny) trainings: ``--resume --force``, two processes on
one ``--out``, and a kill -9 in the middle of a checkpoint write.
"""

import json
import os
import subprocess
import sys
import textwrap

import jax.numpy as jnp
import numpy as np
import pytest

import physax.experiments as ex
from physax import problems
from physax._train.checkpoint import save
from physax.cli import main
from physax.experiments._common import CHECKPOINT, check_tie, forced, tie
from physax.experiments._config import dumps
from physax.experiments._pinn_build import load_observation_file

HEAT = ["run", "heat-forward"]
SOLVE = ["solve", "burgers", "--set", "n=64", "--set", "snapshots=4"]
WAVE = ["solve", "wave", "--set", "nx=40", "--set", "nz=20", "--set", "source_x=10", "--set", "t_end=0.05"]

# class 6 and 7: configuration, --set and solve inputs (argv, words the one line must hold)
CONFIG_CASES = [
    (HEAT + ["--set", "a=5", "--set", "a.x=1"], "was set to a value"),
    (HEAT + ["--set", "train=3"], "is a table"),
    (HEAT + ["--set", "seed=99999999999999999999999"], "out of range"),
    (HEAT + ["--set", "seed=-99999999999999999999999"], ">= 0"),
    (HEAT + ["--set", "train.learning_rate=inf"], "finite"),
    (HEAT + ["--set", "train.learning_rate=nan"], "finite"),
    (HEAT + ["--set", "train.learning_rate=-0.1"], ">= 0"),
    (HEAT + ["--set", "weights.pde=-1.0"], ">= 0"),
    (HEAT + ["--set", "model.fourier_features=-3"], ">= 0"),
    (HEAT + ["--set", "model.width=1.5"], "must be an integer"),
    (HEAT + ["--set", "model.hard_constraints=1"], "must be a boolean"),
    (HEAT + ["--set", "model.width=[1]"], "must be an integer"),
    (HEAT + ["--set", "model.width={a=1}"], "must be an integer"),
    (HEAT + ["--set", "problem.unknown=[1]"], "list of strings"),
    (HEAT + ["--set", "experiment=heat-inverse"], "cannot be changed"),
    (HEAT + ["--set", "nosuchkey=1"], "unknown config key"),
    (HEAT + ["--set", "train.adam_step=3"], "Did you mean 'train.adam_steps'"),
    (HEAT + ["--set", "train.adam_steps=many"], "must be an integer"),
    (HEAT + ["--set", "novalue"], "key=value"),
    (HEAT + ["--force"], "only applies to --resume"),
    (["run", "../solve_configs/burgers"], "unknown experiment"),
    (["run", "heat-forwrd"], "Did you mean 'heat-forward'"),
    (["run", "fwi", "--set", "acquisition.t_end=inf"], "finite"),
    (["run", "fwi", "--set", 'inversion.bands=["a", "b"]'], "list of numbers"),
    (["run", "fwi", "--set", "inversion.iterations=[1.5]"], "list of integers"),
    (["run", "fwi", "--set", "inversion.bands=[nan]"], "finite"),
    (["run", "fbpinn-cosine", "--set", 'decomposition.levels=["x"]'], "list of integers"),
    (["run", "emulator-advection", "--set", "train.rollout_steps=[-1]"], ">= 0"),
    (["run", "operator-burgers", "--set", "pde.nu=inf"], "finite"),
    ([*SOLVE, "--set", "t_end=inf"], "finite"),
    ([*SOLVE, "--set", "extent=inf"], "finite"),
    ([*SOLVE, "--set", "x_min=nan"], "finite"),
    ([*SOLVE, "--set", "snapshots=-4"], ">= 0"),
    ([*SOLVE, "--set", "pde.nu=-0.1"], "positive"),
    ([*SOLVE, "--set", "dt=1e-300"], "time steps"),
    ([*SOLVE, "--set", "snapshots=10000000000"], "time steps"),
    ([*SOLVE, "--set", "n=10000000000"], "GiB"),
    ([*SOLVE, "--set", "snapshots=100000000", "--set", "dt=1e-8"], "GiB"),
    ([*SOLVE, "--set", "order=7"], "order"),
    (["solve", "no-such-problem"], "unknown solvable problem"),
    ([*WAVE, "--set", "dt=1e-300"], "time steps"),
    ([*WAVE, "--set", "dx=nan"], "finite"),
    ([*WAVE, "--set", "nx=100000", "--set", "nz=100000"], "GiB"),
]


def _one_line(capsys, code, want, words=()):
    assert code == want
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    for w in words:
        assert w in err, err
    return err


@pytest.mark.parametrize(
    ("argv", "message"), CONFIG_CASES, ids=[" ".join(c[0][1:])[:60] for c in CONFIG_CASES]
)
def test_bad_configuration_gives_one_line_and_exit_2(argv, message, tmp_path, capsys):
    out = tmp_path / "out"
    code = main([*argv, "--out", str(out), "--quiet"])
    _one_line(capsys, code, 2, [message])
    assert not out.exists()


def _obs_npz(path, **arrays):
    np.savez(path, **arrays)


_PTS = np.random.default_rng(0).uniform(0.05, 0.95, (20, 2))
# class 6 and 7: observation files for heat-inverse (t, x) in [0, 1]^2 (name, writer, message)
OBS_CASES = [
    ("complex.npz", lambda p: _obs_npz(p, points=_PTS, values=np.ones(20) + 1j), "complex"),
    ("string.npz", lambda p: _obs_npz(p, points=_PTS, values=np.array(["a"] * 20)), "must be numbers"),
    ("points_str.npz", lambda p: _obs_npz(p, points=np.full((20, 2), "x"), values=np.ones(20)), "numbers"),
    ("width2.npz", lambda p: _obs_npz(p, points=_PTS, values=np.ones((20, 2))), "output(s)"),
    ("zero_d.npz", lambda p: _obs_npz(p, points=_PTS, values=np.array(3.0)), "shape"),
    ("three_d.npz", lambda p: _obs_npz(p, points=_PTS, values=np.ones((20, 1, 1))), "shape"),
    ("points1d.npz", lambda p: _obs_npz(p, points=np.ones(20), values=np.ones(20)), "2-d array"),
    ("count.npz", lambda p: _obs_npz(p, points=_PTS, values=np.ones(19)), "one value per point"),
    ("empty.npz", lambda p: _obs_npz(p, points=np.zeros((0, 2)), values=np.zeros(0)), "at least one"),
    ("nan.npz", lambda p: _obs_npz(p, points=_PTS, values=np.full(20, np.nan)), "NaN/inf"),
    ("huge.npz", lambda p: _obs_npz(p, points=_PTS, values=np.full(20, 1e300)), "range of float32"),
    ("far.npz", lambda p: _obs_npz(p, points=_PTS * 1e6, values=np.ones(20)), "outside the domain"),
    ("missing.npz", lambda p: _obs_npz(p, xy=_PTS), "must hold arrays"),
    ("corrupt.npz", lambda p: p.write_bytes(b"PK\x03\x04" + b"garbage" * 20), "zip"),
    ("object.npz", lambda p: _obs_npz(p, points=np.array([None] * 20), values=np.ones(20)), "pickle"),
    ("ragged.csv", lambda p: p.write_text("0.1,0.2,1\n0.3,0.4\n"), "ragged"),
    ("text.csv", lambda p: p.write_text("t,x,u\n0.1,0.2,abc\n"), "non-numeric"),
    ("absent.csv", lambda p: None, "does not exist"),
    ("data.json", lambda p: p.write_text("{}"), ".npz or .csv"),
]


@pytest.mark.parametrize(("name", "write", "message"), OBS_CASES, ids=[c[0] for c in OBS_CASES])
def test_bad_observation_files_are_refused_in_one_line(name, write, message, tmp_path):
    """The loader behind ``data.file`` (in-process: building heat-inverse's network first
    would cost seconds per case; the CLI path is the slow test below)."""
    path = tmp_path / name
    write(path)
    with pytest.raises(ex.ConfigError) as info:
        load_observation_file(str(path), 2, problem=problems.Heat1D())
    assert message in str(info.value) and "\n" not in str(info.value)


@pytest.mark.slow
def test_a_bad_observation_file_through_the_cli(tmp_path, capsys):
    path = tmp_path / "complex.npz"
    OBS_CASES[0][1](path)
    out = tmp_path / "out"
    code = main(["run", "heat-inverse", "--set", f'data.file="{path}"', "--out", str(out), "--quiet"])
    _one_line(capsys, code, 2, ["complex"])
    assert not out.exists()


def test_bad_config_files_and_out_paths(tmp_path, capsys):
    binary = tmp_path / "binary.toml"
    binary.write_bytes(bytes(range(256)))
    broken = tmp_path / "broken.toml"
    broken.write_text("train = [\n")
    afile = tmp_path / "afile"
    afile.write_text("mine")
    cases = [
        (HEAT + ["--config", str(binary)], "not UTF-8"),
        (HEAT + ["--config", str(broken)], "not valid TOML"),
        (HEAT + ["--config", str(tmp_path)], "is not a file"),
        (HEAT + ["--config", str(tmp_path / "none.toml")], "does not exist"),
        (["run", str(binary)], "not UTF-8"),
        (HEAT + ["--out", str(afile)], "is a file"),
        (HEAT + ["--out", str(afile / "sub")], "pick another --out"),
        (HEAT + ["--out", str(tmp_path / ("x" * 300))], "pick another --out"),
        (["run", str(tmp_path)], "pass --resume"),
        (["run", str(tmp_path / "nothing"), "--resume"], "not a run directory"),
    ]
    for argv, message in cases:
        _one_line(capsys, main([*argv, "--quiet"]), 2, [message])
    assert afile.read_text() == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile", "binary.toml", "broken.toml"]


# class 3: a fresh run never takes over a directory that holds anything
def _killed_emulator(d):
    (d / "checkpoint").mkdir()
    (d / "checkpoint" / "model_T1.eqx").write_bytes(b"weights")
    (d / "config.toml").write_text('experiment = "emulator-advection"\n')


def _symlinked_config(d):
    outside = d.parent / "outside.toml"
    outside.write_text("precious")
    os.symlink(outside, d / "config.toml")


RUNDIR_CASES = [
    ("killed emulator", _killed_emulator, "--resume"),
    ("user files", lambda d: [(d / n).write_text("mine") for n in ("summary.md", "history.csv")], "empty it"),
    ("killed before first checkpoint", lambda d: (d / "config.toml").write_text("x = 1\n"), "--resume"),
    ("symlinked config.toml", _symlinked_config, "not empty"),
    ("hidden file", lambda d: (d / ".notes").write_text("mine"), "not empty"),
]


@pytest.mark.parametrize(("what", "make", "message"), RUNDIR_CASES, ids=[c[0] for c in RUNDIR_CASES])
def test_a_fresh_run_refuses_a_used_directory(what, make, message, tmp_path, capsys):
    d = tmp_path / "run"
    d.mkdir()
    make(d)
    before = {p: (p.read_bytes() if p.is_file() else None) for p in d.rglob("*")}
    argv = ["run", "emulator-advection"] if "emulator" in what else HEAT
    _one_line(capsys, main([*argv, "--out", str(d), "--quiet"]), 2, [message])
    assert {p: (p.read_bytes() if p.is_file() else None) for p in d.rglob("*")} == before
    if "symlinked" in what:
        assert (tmp_path / "outside.toml").read_text() == "precious"


# classes 1 and 2: a tampered checkpoint, or one from another run, is refused on --resume
TINY = {"train.adam_steps": 20, "train.lbfgs_steps": 0, "collocation.n_interior": 50,
        "collocation.n_boundary": 10, "collocation.n_initial": 10, "model.width": 8, "model.depth": 1,
        "chunk": 10}  # fmt: skip


def _run_dir(tmp_path, header=None, seed=0):
    """A heat-forward run directory with a checkpoint whose header is tied to its config."""
    cfg = ex.load("heat-forward", TINY).config
    d = tmp_path / "run"
    (d / "checkpoint").mkdir(parents=True)
    (d / "config.toml").write_text(dumps(cfg))
    signed = tie({**cfg, "seed": seed})
    header = (
        {**signed, "step": 700, "phase": "adam", "wall_time_s": 1.5} if header is None else header(signed)
    )
    save(d / CHECKPOINT, {"a": jnp.arange(4.0)}, header)
    return d


def _edit(old: bytes, new: bytes):
    def apply(d):
        path = d / CHECKPOINT
        data = path.read_bytes()
        assert old in data
        path.write_bytes(data.replace(old, new, 1))

    return apply


def _truncate(d):
    path = d / CHECKPOINT
    path.write_bytes(path.read_bytes()[:-7])


def _edit_config(d):
    path = d / "config.toml"
    path.write_text(path.read_text().replace("learning_rate = 0.003", "learning_rate = 0.01"))


CHECKPOINT_CASES = [
    ("step 700 -> 300", None, _edit(b'"step": 700', b'"step": 300'), "edited"),
    ("step missing", None, _edit(b'"step": 700', b'"stop": 700'), "edited"),
    ("step not an integer", None, _edit(b'"step": 700', b'"step": "7"'), "edited"),
    ("unknown phase", None, _edit(b'"phase": "adam"', b'"phase": "nope"'), "edited"),
    ("wall time not a number", None, _edit(b'"wall_time_s": 1.5', b'"wall_time_s": "x"'), "edited"),
    ("header is a list", None, _edit(b'{"experiment"', b'["experiment"'), "corrupt header"),
    ("body bit flip", None, _edit(b"\xf0?", b"\xf0>"), "checksum"),
    ("truncated", None, _truncate, "checksum"),
    ("not a checkpoint", None, lambda d: (d / CHECKPOINT).write_bytes(b"hello"), "not a physax checkpoint"),
    ("missing", None, lambda d: (d / CHECKPOINT).unlink(), "no checkpoint"),
    ("from a seed-5 run", lambda h: None, lambda d: None, "seed = 5"),
    ("config.toml edited", None, _edit_config, "train.learning_rate"),
    (
        "signed, unknown phase",
        lambda h: {**h, "step": 3, "phase": "nope"},
        lambda d: None,
        "invalid step/phase",
    ),
    ("signed, step missing", lambda h: {**h, "phase": "adam"}, lambda d: None, "invalid step/phase"),
]


@pytest.mark.parametrize(
    ("what", "header", "spoil", "message"), CHECKPOINT_CASES, ids=[c[0] for c in CHECKPOINT_CASES]
)
def test_resume_refuses_a_tampered_or_foreign_checkpoint(what, header, spoil, message, tmp_path, capsys):
    d = _run_dir(
        tmp_path,
        seed=5 if "seed-5" in what else 0,
        header=None if header is None or "seed" in what else header,
    )
    spoil(d)
    files = {p: p.read_bytes() for p in d.rglob("*") if p.is_file()}
    _one_line(capsys, main(["run", str(d), "--resume", "--quiet"]), 2, [message])
    assert {p: p.read_bytes() for p in d.rglob("*") if p.is_file() and p.name != ".lock"} == files


def test_force_turns_a_tie_mismatch_into_one_warning(tmp_path, capsys):
    cfg = ex.load("heat-forward").config
    other = {**cfg, "seed": 5, "train": {**cfg["train"], "learning_rate": 0.01}}
    with pytest.raises(ex.ConfigError.__mro__[1], match="train.learning_rate"):
        check_tie(tmp_path / "c.eqx", tie(other), {**cfg, "seed": 5})
    with forced():
        check_tie(tmp_path / "c.eqx", tie(other), cfg)
        check_tie(tmp_path / "c.eqx", tie(other), cfg)  # warned once
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "--force" in err and "'seed'" in err


def test_tmp_files_left_by_a_killed_write_are_cleaned(tmp_path):
    (tmp_path / ".tmp-abc.eqx").write_bytes(b"half a checkpoint")
    save(tmp_path / "state.eqx", {"a": jnp.zeros(2)}, {"step": 1})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["state.eqx"]


# slow: real processes and real (tiny) trainings
def _sets(overrides):
    return [x for k, v in overrides.items() for x in ("--set", f"{k}={v}")]


CLI = [sys.executable, "-c", "import sys; from physax.cli import main; sys.exit(main(sys.argv[1:]))"]


@pytest.mark.slow
def test_exit_codes_of_real_processes(tmp_path):
    binary = tmp_path / "binary.toml"
    binary.write_bytes(bytes(range(256)))
    procs = [
        subprocess.Popen([*CLI, *SOLVE, "--set", "dt=1e-300", "--out", str(tmp_path / "a")], stderr=subprocess.PIPE, text=True),
        subprocess.Popen([*CLI, *HEAT, "--config", str(binary), "--out", str(tmp_path / "b")], stderr=subprocess.PIPE, text=True),
    ]  # fmt: skip
    for p, word in zip(procs, ("time steps", "UTF-8")):
        err = p.communicate(timeout=300)[1].strip()
        assert p.returncode == 2 and len(err.splitlines()) == 1 and word in err, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["binary.toml"]


@pytest.mark.slow
def test_two_processes_on_one_out_exactly_one_wins(tmp_path):
    out = tmp_path / "shared"
    argv = [*CLI, *HEAT, "--out", str(out), "--quiet", *_sets(TINY)]
    procs = [
        subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)
    ]
    results = [(p.wait(timeout=500), p.stdout.read(), p.stderr.read()) for p in procs]
    codes = sorted(r[0] for r in results)
    assert codes == [0, 2], results
    loser = next(r for r in results if r[0] == 2)[2].strip()
    assert len(loser.splitlines()) == 1 and ("in use by another physax run" in loser or "not empty" in loser)
    metrics = json.loads((out / "metrics.json").read_text())  # the winner's run is whole
    assert metrics["steps"] == 20 and (out / CHECKPOINT).is_file()
    assert ex.load_run(out).spec.config == ex.load("heat-forward", TINY).config


KILLER = """
    import os, signal, sys
    real, writes = os.fsync, [0]
    def fsync(fd):  # SIGKILL this process inside its second checkpoint write, before the rename
        if sys._getframe(1).f_code.co_filename.endswith("checkpoint.py"):
            writes[0] += 1
            if writes[0] == 2:
                os.kill(os.getpid(), signal.SIGKILL)
        real(fd)
    os.fsync = fsync
    from physax.cli import main
    sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.slow
def test_kill_9_during_a_checkpoint_write_then_resume_equals_an_uninterrupted_run(tmp_path, capsys):
    sets = _sets(TINY)
    killed = tmp_path / "killed"
    res = subprocess.run([sys.executable, "-c", textwrap.dedent(KILLER), *HEAT, "--out", str(killed), "--quiet", *sets],
                         capture_output=True, text=True, timeout=500)  # fmt: skip
    assert res.returncode == -9, res.stderr
    assert [p.name.startswith(".tmp-") for p in (killed / "checkpoint").iterdir()].count(True) == 1
    assert not (killed / "metrics.json").exists()
    assert main(["run", str(killed), "--resume", "--quiet"]) == 0
    assert [p.name for p in (killed / "checkpoint").iterdir()] == ["state.eqx"]
    assert main([*HEAT, "--out", str(tmp_path / "full"), "--quiet", *sets]) == 0
    full, resumed = ex.load_run(tmp_path / "full"), ex.load_run(killed)
    assert resumed.metrics["rel_l2"] == pytest.approx(full.metrics["rel_l2"], rel=1e-9)
    pts = np.array([[0.3, 0.4], [0.8, 0.1]])
    np.testing.assert_allclose(resumed.predict(pts), full.predict(pts), rtol=1e-9)

    # --force: an edited config.toml is refused (naming the key) unless forced, then one warning
    cfg = killed / "config.toml"
    cfg.write_text(cfg.read_text().replace("learning_rate = 0.003", "learning_rate = 0.002"))
    capsys.readouterr()
    _one_line(
        capsys, main(["run", str(killed), "--resume", "--quiet"]), 2, ["train.learning_rate", "--force"]
    )
    assert main(["run", str(killed), "--resume", "--quiet", "--force"]) == 0
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "warning" in err and "train.learning_rate" in err
