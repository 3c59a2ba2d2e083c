"""CLI end to end: `physax solve wave` and `physax run fwi` on tiny grids."""

import json

import jax
import numpy as np
import pytest

from physax.cli import main

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


def test_run_fwi_tiny_reduces_misfit_and_writes_run_directory(tmp_path):
    out = tmp_path / "fwi"
    assert main(["run", "fwi", "--out", str(out), *TINY_FWI]) == 0
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
    for name in ("models.png", "misfit.png", "data_residuals.png", "history.csv", "solution.npz"):
        assert (out / name).is_file()


def test_run_fwi_rejects_bad_bands(tmp_path, capsys):
    bad = ["--set", "inversion.bands=[4.0]", "--set", "inversion.iterations=[1, 1]"]
    assert main(["run", "fwi", "--out", str(tmp_path / "b"), *bad]) == 2
    assert "same" in capsys.readouterr().err
