"""Catalogue problems with exact solutions: residuals vanish on the exact solution; CLI runs."""

import json

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from physax.cli import main
from physax.pinn import evaluate
from physax.problems import Advection1D, Helmholtz2D, Poisson2D, Wave1D


def _exact_fn(problem):
    """The exact solution as a JAX function of one point (float64)."""
    if isinstance(problem, Advection1D):
        return lambda z: jnp.sin(z[1] - problem.parameters["beta"].value * z[0])
    if isinstance(problem, Wave1D):
        c = problem.parameters["c"].value
        return lambda z: (
            jnp.sin(jnp.pi * z[1]) * jnp.cos(jnp.pi * c * z[0])
            + 0.5 * jnp.sin(3 * jnp.pi * z[1]) * jnp.cos(3 * jnp.pi * c * z[0])
        )
    return lambda z: problem._u(z[0], z[1])


@pytest.mark.parametrize(
    "problem", [Advection1D(), Wave1D(), Helmholtz2D(), Poisson2D()], ids=lambda p: p.name
)
def test_exact_solution_satisfies_residual_and_conditions(problem):
    fn = _exact_fn(problem)
    params = problem.resolve({})
    pts = problem.domain.sample_interior(jax.random.key(0), 64, dtype=jnp.float64)
    coords = problem.domain.coords
    r = jax.vmap(lambda z: evaluate(problem.residual, fn, z, coords, params))(pts)
    assert float(jnp.max(jnp.abs(r))) < 1e-9
    np.testing.assert_allclose(np.asarray(jax.vmap(fn)(pts)), problem.exact(np.asarray(pts)), atol=1e-12)
    for name, cond in problem.conditions().items():
        where = {
            "boundary": problem.domain.sample_boundary,
            "initial": getattr(problem.domain, "sample_initial", None),
            "interior": problem.domain.sample_interior,
        }[cond.region]
        cpts = where(jax.random.key(1), 32, dtype=jnp.float64)
        rc = jax.vmap(lambda z, c=cond: evaluate(c.residual, fn, z, coords, params))(cpts)
        assert float(jnp.max(jnp.abs(rc))) < 1e-9, name


@pytest.mark.parametrize("name", ["advection", "wave1d", "poisson2d", "helmholtz2d"])
def test_catalogue_experiments_run(name, tmp_path):
    out = tmp_path / name
    argv = ["run", name, "--out", str(out), "--quiet", "--set", "train.adam_steps=60", "--set", "train.lbfgs_steps=5",
            "--set", "collocation.n_interior=200", "--set", "chunk=30"]  # fmt: skip
    assert main(argv) == 0
    m = json.loads((out / "metrics.json").read_text())
    assert m["steps"] == 65 and np.isfinite(m["rel_l2"])


def test_periodic_embedding_makes_advection_model_periodic():
    from physax.experiments._config import builtin
    from physax.experiments._pinn_build import build_model

    problem = Advection1D()
    model = build_model(builtin("advection"), problem, jax.random.key(0))
    z = jnp.array([0.3, 0.0])
    np.testing.assert_allclose(model(z), model(z.at[1].set(2 * np.pi)), atol=1e-5)
