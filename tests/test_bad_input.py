"""Bad input, as a table of cases: each gives one line on stderr, exit code 2, and writes nothing."""

import pytest

from physax.cli import main

CASES = [
    (["run", "heat-forward", "--set", "a=5", "--set", "a.x=1"], "was set to a value"),
    (["run", "heat-forward", "--set", "train=3"], "is a table"),
    (["run", "heat-forward", "--set", "seed=99999999999999999999999"], "out of range"),
    (["run", "heat-forward", "--set", "train.learning_rate=inf"], "finite"),
    (["run", "heat-forward", "--set", "train.learning_rate=-0.1"], ">= 0"),
    (["run", "heat-forward", "--set", "weights.pde=-1.0"], ">= 0"),
    (["run", "heat-forward", "--set", "model.fourier_features=-3"], ">= 0"),
    (["run", "heat-forward", "--set", "experiment=heat-inverse"], "cannot be changed"),
    (["run", "../solve_configs/burgers"], "unknown experiment"),
    (["run", "heat-forwrd"], "Did you mean 'heat-forward'"),
    (["run", "heat-forward", "--set", "train.adam_steps=many"], "must be an integer"),
    (["solve", "burgers", "--set", "t_end=inf"], "finite"),
    (["solve", "burgers", "--set", "x_min=nan"], "finite"),
    (["solve", "burgers", "--set", "snapshots=-4"], ">= 0"),
    (["run", "fwi", "--set", "acquisition.t_end=inf"], "finite"),
]


@pytest.mark.parametrize(("argv", "message"), CASES, ids=[" ".join(c[0][1:]) for c in CASES])
def test_bad_input_gives_one_line_and_exit_2(argv, message, tmp_path, capsys):
    out = tmp_path / "out"
    assert main([*argv, "--out", str(out)] + (["--quiet"] if argv[0] == "run" else [])) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not out.exists()


def test_bad_out_directories(tmp_path, capsys):
    afile = tmp_path / "afile"
    afile.write_text("mine")
    for out in (afile / "sub", tmp_path / ("x" * 300)):
        assert main(["run", "heat-forward", "--out", str(out), "--quiet"]) == 2
        err = capsys.readouterr().err
        assert "pick another --out" in err and len(err.strip().splitlines()) == 1
    assert afile.read_text() == "mine"
