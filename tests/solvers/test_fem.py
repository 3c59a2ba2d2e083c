"""FEM baseline: P1/P2 convergence orders in L2, the θ-scheme's order in time, scope checks."""

import numpy as np
import pytest
import skfem

from physax import metrics, problems
from physax.solvers import fem


def _l2_error(sol, exact) -> float:
    """||u_h - u||_L2 / ||u||_L2 by quadrature on the solution's own mesh."""
    b = sol.basis
    uh = b.interpolate(sol.dofs)

    @skfem.Functional
    def err(w):
        return (w.uh - exact(*w.x)) ** 2

    @skfem.Functional
    def norm(w):
        return exact(*w.x) ** 2

    return float(np.sqrt(err.assemble(b, uh=uh) / norm.assemble(b)))


def _orders(errors, sizes):
    return -np.diff(np.log(errors)) / np.diff(np.log(sizes))


@pytest.mark.parametrize(
    "order,ns,expected",
    [pytest.param(1, (8, 16, 32), 2.0, marks=pytest.mark.slow), (2, (4, 8, 16), 3.0)],
)
def test_lagrange_convergence_orders_in_l2(order, ns, expected):
    # manufactured -lap u = f, u = sin(pi x) sin(2 pi y) on [-1, 1]^2 (the catalogue's poisson2d)
    p = problems.Poisson2D()
    exact = lambda x, y: np.sin(np.pi * x) * np.sin(2 * np.pi * y)
    errors = [_l2_error(fem.solve(p, n=n, order=order), exact) for n in ns]
    rates = _orders(errors, ns)
    assert np.all(np.abs(rates - expected) < 0.25), (errors, rates)


def test_p2_on_reference_grid_matches_exact_solution():
    p = problems.Helmholtz2D()
    sol = fem.solve(p, n=(16, 64), order=2)
    assert sol.values.shape == p.reference().values.shape
    assert metrics.rel_l2_float64(sol.values, p.reference().values) < 2e-3
    assert sol.stats["unknowns"] == 33 * 129
    pts = np.array([[0.3, -0.2], [1.0, 1.0]])
    assert np.allclose(sol(pts), p.exact(pts), atol=2e-3)


@pytest.mark.parametrize("theta,expected", [(0.5, 2.0), pytest.param(1.0, 1.0, marks=pytest.mark.slow)])
def test_theta_scheme_order_in_time(theta, expected):
    p = problems.Heat1D()
    ref = p.reference().values
    steps = np.array([0.01, 0.005, 0.0025])  # 1, 2, 4 steps between the reference times
    errors = [
        metrics.rel_l2_float64(fem.solve(p, n=64, order=2, dt=dt, theta=theta).values, ref) for dt in steps
    ]
    rates = _orders(errors, 1 / steps)
    assert np.all(np.abs(rates - expected) < 0.15), (errors, rates)


@pytest.mark.parametrize(
    "problem,match",
    [
        (problems.Burgers(), "not linear"),
        (problems.Wave1D(), "derivatives"),
        (problems.Advection1D(), "periodic"),
    ],
)
def test_out_of_scope_problems_are_refused_with_the_reason(problem, match):
    with pytest.raises(fem.NotApplicable, match=match):
        fem.solve(problem, n=8)


def test_bad_arguments():
    with pytest.raises(ValueError, match="order must be 1"):
        fem.solve(problems.Poisson2D(), n=8, order=3)
    with pytest.raises(ValueError, match="theta"):
        fem.solve(problems.Heat1D(), n=8, theta=0.2)
    with pytest.raises(ValueError, match="at least 2"):
        fem.solve(problems.Poisson2D(), n=1)


@pytest.mark.slow
@pytest.mark.parametrize("problem", [problems.Poisson2D(), problems.Helmholtz2D()])
def test_p2_reaches_1e5_on_the_catalogue_problems(problem):
    n = (80 * int(problem.a1), 80 * int(problem.a2))  # the compare recipe: 80 elements per half-wave pair
    sol = fem.solve(problem, n=n, order=2)
    assert metrics.rel_l2_float64(sol.values, problem.reference().values) <= 1e-5
