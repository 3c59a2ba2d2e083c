"""Catalogue problems with exact solutions: residuals vanish on the exact solution; CLI runs."""

import json

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from physax import problems
from physax.cli import main
from physax.metrics import rel_l2_float64
from physax.pinn import evaluate
from physax.problems import Advection1D, Helmholtz2D, Poisson2D, Wave1D


def _exact_fn(problem):
    """The exact solution as a JAX function of one point (float64)."""
    if isinstance(problem, problems.TwoModeAdvection):
        v, k = problem.parameters["velocity"].value, 2 * np.pi / 3.0
        return lambda z: jnp.sin(k * (z[1] - v * z[0])) + 0.5 * jnp.cos(2 * k * (z[1] - v * z[0]))
    if isinstance(problem, problems.TwoModeDiffusion):
        nu, k = problem.parameters["nu"].value, 2 * np.pi / 3.0
        return lambda z: (
            jnp.sin(k * z[1]) * jnp.exp(-nu * k**2 * z[0])
            + 0.5 * jnp.cos(2 * k * z[1]) * jnp.exp(-4 * nu * k**2 * z[0])
        )
    if isinstance(problem, problems.KdVSoliton):  # x0 = x_min + extent / 4 = 10, c = 1.5
        # the soliton at its nearest periodic image (a line soliton piecewise: the residual vanishes)
        d = lambda z: (z[1] - 10.0 - 1.5 * z[0] + 20.0) % 40.0 - 20.0
        return lambda z: 0.75 / jnp.cosh(0.5 * np.sqrt(1.5) * d(z)) ** 2
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
    "problem",
    [
        Advection1D(),
        Wave1D(),
        Helmholtz2D(),
        Poisson2D(),
        problems.TwoModeAdvection(velocity=0.7, x_min=-1.0, extent=3.0),
        problems.TwoModeDiffusion(nu=0.05, x_min=-1.0, extent=3.0),
        problems.KdVSoliton(speed=1.5, extent=40.0, t_end=2.0),
    ],
    ids=lambda p: p.name,
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


@pytest.mark.slow
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


def test_wave1d_classical_leapfrog_converges_at_second_order():
    p = Wave1D()
    errors = []
    for n in (40, 80):
        t, x, u = p.classical(n=n, dt=0.5 / n, snapshots=10)
        tt, xx = np.meshgrid(t, x, indexing="ij")
        exact = p.exact(np.stack([tt.ravel(), xx.ravel()], -1)).reshape(tt.shape)
        errors.append(rel_l2_float64(u[:, 0], exact))
    assert 3.6 < errors[0] / errors[1] < 4.4 and errors[1] < 1e-3
    with pytest.raises(ValueError, match="Courant"):
        p.classical(n=80, dt=0.1, snapshots=10)


def _initial(problem, x):
    """u(0, x) from the hard constraint with a zero network (complex for two components)."""
    zero = 0.0 if problem.output_size == "scalar" else jnp.zeros(problem.output_size)
    u = jax.vmap(lambda s: problem.hard_constraint()(jnp.stack([jnp.zeros(()), s]), zero))(jnp.asarray(x))
    u = np.asarray(u)
    return u if u.ndim == 1 else u[:, 0] + 1j * u[:, 1]


def test_classical_hooks_start_from_the_initial_condition():
    for p in (problems.Burgers(), problems.NonlinearSchroedinger(), problems.KuramotoSivashinsky()):
        t, x, u = p.classical(n=64, dt=1e-3, snapshots=2, t_end=0.002)
        assert t.shape == (3,) and x.shape == (64,) and u.shape == (3, 1, 64), p.name
        assert x[0] == p.domain.lo[1]
        np.testing.assert_allclose(u[0, 0], _initial(p, x), atol=1e-12, err_msg=p.name)
    for p in (problems.GrayScott(), problems.KolmogorovFlow()):
        _, x, u = p.classical(n=16, dt=0.5, snapshots=1, t_end=0.5)
        assert u.shape[2:] == (16, 16) and np.all(np.isfinite(u)) and x[0] == 0.0


def test_classical_precision_is_an_argument():
    jax.config.update("jax_enable_x64", False)  # the conftest fixture restores it
    p = problems.TwoModeDiffusion()
    _, _, u64 = p.classical(n=32, dt=0.01, snapshots=2)
    _, _, u32 = p.classical(n=32, dt=0.01, snapshots=2, dtype=jnp.float32)
    assert u64.dtype == np.float64 and u32.dtype == np.float32 and not jax.config.jax_enable_x64
    with pytest.raises(NotImplementedError, match="no classical solver"):
        Helmholtz2D().classical(n=8, dt=0.1, snapshots=1)


def test_problems_without_a_pointwise_start_say_so():
    gs = problems.GrayScott()
    assert gs.conditions() == {} and gs.output_size == 2
    params, coords = gs.resolve({}), gs.domain.coords
    rest = lambda z: jnp.stack([jnp.ones(()), jnp.zeros(())])  # the trivial steady state (1, 0)
    assert (
        float(jnp.max(jnp.abs(evaluate(gs.residual, rest, jnp.array([0.0, 0.1, 0.2]), coords, params)))) == 0
    )
    with pytest.raises(NotImplementedError, match="stream function"):
        problems.KolmogorovFlow().residual(None, {})
