"""`odil.solve`: one Newton step solves a linear problem; the inverse heat problem finds k."""

import math

import jax
import numpy as np
import pytest
import scipy.sparse as sps
import scipy.sparse.linalg as spla

from physax import odil, optim, problems
from physax.problems import Parameter


def _crank_nicolson_heat(problem, nt, nx):
    """Reference: Crank-Nicolson time marching, one sparse direct solve per step."""
    k, L, T = problem.parameters["k"].value, problem.length, problem.domain.t1
    x = np.linspace(0.0, L, nx)
    dt, h = T / (nt - 1), L / (nx - 1)
    lap = sps.diags([1.0, -2.0, 1.0], [-1, 0, 1], shape=(nx - 2, nx - 2)) / h**2
    eye = sps.identity(nx - 2)
    lhs = (eye / dt - 0.5 * k * lap).tocsc()
    rhs = eye / dt + 0.5 * k * lap
    u = np.zeros((nt, nx))
    u[0] = sum(a * np.sin(m * np.pi * x / L) for m, a in problem.modes)
    u[0, [0, -1]] = 0.0
    for n in range(nt - 1):
        u[n + 1, 1:-1] = spla.spsolve(lhs, rhs @ u[n, 1:-1])
    return u


def test_one_newton_step_solves_a_linear_problem_to_the_direct_sparse_solution():
    p = problems.Heat1D()
    nt, nx = 13, 11
    r = odil.solve(
        p, odil.Grid(p.domain, (nt, nx)), optimizer=odil.Newton(steps=1), init=lambda z: 0 * z[:, 0]
    )
    assert len(r.history) == 1 and r.history["step"][-1] == 1
    np.testing.assert_allclose(
        np.asarray(r.model.values), _crank_nicolson_heat(p, nt, nx), rtol=0, atol=1e-10
    )
    assert r.stats["unknowns"] == nt * nx == r.stats["equations"] and r.parameters == {}
    # the solution is second-order accurate: refining is not needed to see it is close
    assert r.history["rel_l2"][-1] < 2e-2


@pytest.mark.slow
def test_heat_inverse_recovers_the_diffusivity_on_a_tiny_grid():
    p = problems.Heat1D(k=Parameter(0.1, trainable=True, init=0.5, positive=True))
    obs = p.observations(200, key=jax.random.key(1), noise=0.01)
    r = odil.solve(p, odil.Grid(p.domain, (21, 17)), optimizer=odil.Newton(steps=15), observations=obs)
    assert abs(r.parameters["k"] - 0.1) / 0.1 < 0.02
    assert r.history["k"][0] != pytest.approx(0.1, rel=0.1)  # it started far away


def test_bad_input_is_refused_with_a_clear_message():
    p = problems.Heat1D()
    grid = odil.Grid(p.domain, (5, 5))
    with pytest.raises(ValueError, match="give observations"):
        odil.solve(problems.Heat1D(k=Parameter(0.1, trainable=True)), grid)
    with pytest.raises(ValueError, match="no condition 'nope'"):
        odil.solve(p, grid, conditions=["nope"])
    with pytest.raises(TypeError, match="optimizer"):
        odil.solve(p, grid, optimizer="newton")
    with pytest.raises(ValueError, match="another domain"):
        odil.solve(p, odil.Grid(problems.Burgers().domain, (5, 5)))
    with pytest.raises(ValueError, match="Newton needs"):
        odil.Newton(steps=-1)


@pytest.mark.slow
def test_steady_poisson_newton_second_order_and_gradient_methods_on_multigrid_unknowns():
    p = problems.Poisson2D()
    grid = lambda n: odil.Grid(p.domain, (n, n))  # noqa: E731
    errs = [odil.solve(p, grid(n), optimizer=odil.Newton(steps=2)).history["rel_l2"][-1] for n in (17, 33)]
    assert math.log2(errs[0] / errs[1]) > 1.8 and errs[1] < 1e-2
    # ODIL's multigrid decomposition speeds Adam up over plain grid values
    adam = {
        lv: odil.solve(p, grid(17), optimizer=optim.Adam(1000, 0.01), chunk=500, levels=lv)
        for lv in (None, 1)
    }
    assert adam[None].history["loss"][-1] < 0.3 * adam[1].history["loss"][-1]
    assert adam[None].history["phase"][-1] == "adam"
    # L-BFGS reaches the discrete solution Newton finds
    lbfgs = odil.solve(p, grid(17), optimizer=optim.LBFGS(200), chunk=100)
    assert lbfgs.history["rel_l2"][-1] == pytest.approx(errs[0], rel=0.02)
