"""Multi-device and multi-process runs: forced host devices in subprocesses, two local processes.

Fast tier: environment and divisibility errors (one line, exit 2). Slow tier: the shot count
that does not split over 4 forced devices (exit 2), every family
as 1 process x 4 devices and as 2 processes x 2 devices against its one-device run, and a
2-process run resumed from the checkpoint process 0 wrote.
"""

import sys
import types
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import launch  # noqa: E402

import physax.distributed as dist  # noqa: E402
from physax.distributed import _runtime  # noqa: E402

HERE = Path(__file__).parent


def test_environment_must_name_all_three_variables(monkeypatch):
    for name in (_runtime.COORDINATOR, _runtime.NUM_PROCESSES, _runtime.PROCESS_ID):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("SLURM_NTASKS", raising=False)
    assert dist.initialize() is False and not dist.requested()  # nothing set: one process, untouched
    monkeypatch.setenv(_runtime.COORDINATOR, "127.0.0.1:1234")
    with pytest.raises(dist.DistributedConfigError, match="PHYSAX_NUM_PROCESSES, PHYSAX_PROCESS_ID not set"):
        dist.initialize()
    monkeypatch.setenv(_runtime.NUM_PROCESSES, "2")
    monkeypatch.setenv(_runtime.PROCESS_ID, "2")
    with pytest.raises(dist.DistributedConfigError, match="0..PHYSAX_NUM_PROCESSES-1"):
        dist.initialize()
    monkeypatch.setenv(_runtime.PROCESS_ID, "1")
    monkeypatch.setenv(_runtime.COORDINATOR, "localhost")
    with pytest.raises(dist.DistributedConfigError, match="host:port"):
        dist.initialize()


def test_cli_turns_a_bad_environment_into_exit_2(monkeypatch, tmp_path, capsys):
    from physax.cli import main

    monkeypatch.setenv(_runtime.COORDINATOR, "127.0.0.1:1234")
    monkeypatch.delenv(_runtime.NUM_PROCESSES, raising=False)
    assert main(["run", "heat-forward", "--out", str(tmp_path / "r"), "--quiet"]) == 2
    assert "PHYSAX_NUM_PROCESSES" in capsys.readouterr().err and not (tmp_path / "r").exists()


def test_counts_that_do_not_split_are_one_line_errors(tmp_path, capsys):
    mesh = types.SimpleNamespace(size=4)
    dist.check_divisible("the number of shots", 8, mesh)
    dist.check_divisible("anything", 7, None)
    with pytest.raises(
        dist.DivisibilityError, match=r"^the number of shots is 6, .* 4 devices; use a multiple of 4"
    ):
        dist.check_divisible("the number of shots", 6, mesh)
    with pytest.raises(ValueError, match="device"):
        dist.device_mesh(64)
    assert dist.device_mesh(None) is None and dist.device_mesh(1) is None and dist.device_mesh("all") is None
    from physax.cli import main

    out = tmp_path / "fwi"
    assert main(["run", "fwi", "--set", "inversion.devices=3", "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "inversion.devices" in err and not out.exists()


def test_fbpinn_devices_are_checked_before_training(tmp_path, capsys):
    from physax.cli import main

    out = tmp_path / "fb"
    assert main(["run", "fbpinn-cosine", "--set", "train.devices=64", "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "train.devices" in err and not out.exists()


@pytest.mark.slow
def test_shots_that_do_not_split_over_four_devices_exit_2(tmp_path):
    out = tmp_path / "fwi"
    cli = "import sys; from physax.cli import main; sys.exit(main(sys.argv[1:]))"
    cmd = ["-c", cli, "run", "fwi", "--set", "inversion.devices=0", "--set", "acquisition.n_shots=6"]
    (r,) = launch.run([*cmd, "--out", str(out), "--quiet"], devices=4, timeout=300)
    assert r.returncode == 2, r.stderr[-2000:]
    assert r.stderr.strip().count("\n") == 0 and "n_shots is 6" in r.stderr and "multiple of 4" in r.stderr
    assert not out.exists()


@pytest.mark.slow
def test_every_family_on_four_devices_of_one_process_matches_one_device():
    (r,) = launch.run(
        [str(HERE / "families.py"), "fwi", "wave", "ensemble", "emulator", "fbpinn"], devices=4, timeout=900
    )
    assert r.returncode == 0 and "OK" in r.stdout, r.stderr[-3000:]


@pytest.mark.slow
def test_two_processes_of_two_devices_match_one_device():
    results = launch.run(
        [str(HERE / "families.py"), "fwi", "wave", "pinn", "ensemble", "emulator", "fbpinn"],
        devices=2,
        processes=2,
        timeout=900,
    )
    for r in results:
        assert r.returncode == 0 and "OK" in r.stdout, r.stderr[-3000:]


@pytest.mark.slow
def test_two_process_run_resumes_from_process_0s_checkpoint(tmp_path):
    results = launch.run([str(HERE / "resume.py"), str(tmp_path)], devices=2, processes=2, timeout=900)
    for r in results:
        assert r.returncode == 0 and "OK" in r.stdout, r.stderr[-3000:]


def test_ensemble_options_are_checked_before_training(tmp_path, capsys):
    from physax.cli import main

    out = tmp_path / "ens"
    assert main(["run", "heat-forward", "--set", "train.ensemble=3", "--out", str(out), "--quiet"]) == 2
    assert "train.lbfgs_steps = 0" in capsys.readouterr().err and not out.exists()


@pytest.mark.slow
def test_ensemble_experiment_reports_mean_and_spread(tmp_path):
    import numpy as np

    import physax.experiments as ex

    tiny = {
        "train.ensemble": 3,
        "train.adam_steps": 30,
        "train.decay_steps": 10,
        "train.lbfgs_steps": 0,
        "train.phases": [],
        "chunk": 15,
        "collocation.n_interior": 64,
        "collocation.n_boundary": 16,
        "collocation.n_initial": 16,
        "model.width": 8,
        "model.depth": 1,
    }
    run = ex.run(ex.load("heat-forward", tiny), out=tmp_path / "ens", progress=False)
    m = run.metrics
    assert m["ensemble"] == 3 and len(m["rel_l2_members"]) == 3 and m["steps"] == 30
    members = np.asarray(m["rel_l2_members"])
    assert len(set(members.round(12))) == 3  # independently seeded members differ
    assert m["rel_l2"] <= members.mean() + 1e-9  # the mean is no worse than the average member (convexity)
    assert m["spread_mean"] > 0 and (tmp_path / "ens" / "spread.png").is_file()
    x = np.array([[0.3, 0.4], [0.7, 0.1]])
    np.testing.assert_allclose(run.predict(x), np.asarray(run.model.mean(x)), rtol=1e-6)
    assert np.asarray(run.model.members(x)).shape[0] == 3
