"""`physax compare`: every applicable method on one problem, one run directory, bad input exit 2."""

import json

import numpy as np
import pytest

import physax.experiments as ex
from physax.cli import main

FILES = ("config.toml", "comparison.json", "comparison.md", "comparison.png")


def test_compare_writes_every_file_and_says_what_it_skipped(tmp_path):
    out = tmp_path / "cmp"
    r = ex.compare("helmholtz2d", methods="fem,classical,fbpinn", out=out, overrides={"fem": {"n": [8, 16]}})
    for f in FILES:
        assert (out / f).is_file(), f
    fem = r["fem"]
    assert fem.status == "ok" and fem.size == ("unknowns", 17 * 33)
    assert 1e-5 < fem.rel_l2 < 5e-2  # P2 on a coarse mesh: accurate, not exact
    assert r["classical"].status == "skipped" and "no classical solver" in r["classical"].reason
    assert r["fbpinn"].status == "skipped" and "no shipped fbpinn" in r["fbpinn"].reason
    saved = json.loads((out / "comparison.json").read_text())
    assert [m["method"] for m in saved["methods"]] == ["fem", "classical", "fbpinn"]
    md = (out / "comparison.md").read_text()
    assert "| fem | " in md and "- classical: skipped:" in md


@pytest.mark.parametrize(
    "argv,message",
    [
        (["compare", "poisson2d", "--methods", "pinn,fen"], "Did you mean 'fem'"),
        (["compare", "poison2d"], "Did you mean 'poisson2d'"),
        (["compare", "burgers-inverse"], "forward problems"),
        (["compare", "poisson2d", "--budget", "0"], "--budget"),
        (["compare", "poisson2d", "--set", "fem.orders=1"], "Did you mean 'fem.order'"),
        (["compare", "poisson2d", "--set", "pinn.train.adam_step=3"], "adam_steps"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path, capsys, argv, message):
    out = tmp_path / "never"
    assert main([*argv, "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1
    assert not out.exists()


@pytest.mark.slow
def test_fbpinn_and_elm_run_on_poisson2d_with_the_recipes_compare_derives(tmp_path):
    tiny = {
        "fbpinn": {"train.steps": 20, "chunk": 10, "collocation.n_interior": 200},
        "elm": {"decomposition.subdomains": [2, 2], "elm.features": 16, "collocation.n_interior": 400},
    }
    r = ex.compare("poisson2d", methods="fbpinn,elm", out=tmp_path / "cmp", overrides=tiny)
    for m in ("fbpinn", "elm"):
        assert r[m].status == "ok", r[m].reason
        assert "on poisson2d with" in r[m].recipe and np.isfinite(r[m].rel_l2)
    assert r["fbpinn"].size[0] == "parameters" and len(r["fbpinn"].curve) == 2  # two chunks of 10
    assert r["elm"].size == ("unknowns", 4 * 17) and r["elm"].rel_l2 < 0.5


@pytest.mark.slow
def test_compare_every_method_on_a_tiny_budget(tmp_path):
    out = tmp_path / "cmp"
    tiny_pinn = {"train.adam_steps": 40, "train.lbfgs_steps": 0, "collocation.n_interior": 200, "chunk": 10}
    r = ex.compare(
        "heat-forward",
        budget=1e-3,  # every iterative method stops after its first chunk / Newton step
        out=out,
        overrides={"pinn": tiny_pinn, "odil": {"shape": [11, 9], "steps": 3}, "fem": {"n": 8, "dt": 0.01}},
    )
    for f in FILES:
        assert (out / f).is_file(), f
    pinn = r["pinn"]
    assert pinn.status == "ok" and pinn.stopped_by_budget and len(pinn.curve) == 1
    assert np.isfinite(pinn.rel_l2) and pinn.size[0] == "parameters"
    assert r["fem"].status == "ok" and r["fem"].rel_l2 < 5e-3
    odil = r["odil"]
    assert odil.status == "ok" and odil.stopped_by_budget and odil.size == ("unknowns", 11 * 9)
    assert np.isfinite(odil.rel_l2)
    assert r["classical"].status == "skipped"
    assert (
        main(
            ["compare", "heat-forward", "--methods", "fem", "--set", "fem.n=8", "--out", str(tmp_path / "c2")]
        )
        == 0
    )


@pytest.mark.slow
def test_a_family_tried_and_not_shipped_says_why(tmp_path):
    r = ex.compare("burgers-forward", methods="elm", out=tmp_path / "cmp")
    assert r["elm"].status == "skipped" and "shock" in r["elm"].reason
