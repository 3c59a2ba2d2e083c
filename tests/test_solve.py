"""``physax solve``: classical spectral solves of the catalogue problems into run directories."""

import json

import numpy as np
import pytest

from physax.cli import main

SMALL = {  # small grids / short horizons so every problem runs in about a second
    "burgers": ["n=256", "dt=0.001", "snapshots=10"],
    "advection": [],
    "diffusion": [],
    "kdv": ["n=128", "t_end=2.0", "snapshots=10"],
    "ks": ["n=64", "t_end=10.0", "snapshots=10"],
    "allen-cahn": ["n=128", "t_end=0.1", "snapshots=5"],
    "nls": ["n=128", "dt=0.001", "snapshots=10"],
    "gray-scott": ["n=32", "t_end=50.0", "snapshots=5"],
    "kolmogorov": ["n=32", "t_end=0.5", "snapshots=5"],
}


def _solve(name, out, sets=()):
    args = ["solve", name, "--out", str(out), "--quiet"]
    for s in sets:
        args += ["--set", s]
    assert main(args) == 0
    return json.loads((out / "metrics.json").read_text())


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(SMALL))
def test_every_solvable_problem_writes_a_run_directory(name, tmp_path):
    m = _solve(name, tmp_path / name, SMALL[name])
    for f in ("config.toml", "metrics.json", "solution.npz", "solution.png"):
        assert (tmp_path / name / f).is_file()
    assert m["finite"] and m["wall_time_s"] > 0 and m["steps"] >= 1
    with np.load(tmp_path / name / "solution.npz") as sol:
        assert sol["u"].shape[0] == len(sol["t"])


def test_linear_problems_are_exact(tmp_path):
    for name in ("advection", "diffusion"):
        assert _solve(name, tmp_path / name)["rel_l2"] <= 1e-12


@pytest.mark.slow
def test_burgers_and_kdv_against_exact_solutions(tmp_path):
    assert _solve("burgers", tmp_path / "b", ["n=1024", "dt=0.001"])["rel_l2_final"] < 1e-6
    assert _solve("kdv", tmp_path / "k", ["t_end=2.0", "snapshots=10"])["rel_l2"] < 1e-6


def test_bad_solve_input(capsys, tmp_path):
    assert main(["solve", "burger", "--out", str(tmp_path / "x")]) == 2
    assert "Did you mean 'burgers'" in capsys.readouterr().err
    assert main(["solve", "burgers", "--set", "n=abc", "--out", str(tmp_path / "x")]) == 2
    assert main(["solve", "burgers", "--set", "n=255", "--out", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "even" in err.lower()
