"""The grid backend of `Field`: exact on polynomials of its order, second-order convergent."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from physax import geometry, odil
from physax.odil._field import crank_nicolson_rows, evaluate_crank_nicolson, evaluate_nodes, node_rows


def _grid(n=(9, 11), periodic=None):
    dom = geometry.TimeXSpace(geometry.Interval(-1.0, 2.0), 0.0, 0.5)
    return odil.Grid(dom, n, periodic)


KEYS = [(), ("x",), ("x", "x"), ("t",), ("t", "x")]


def _node_values(grid, f):
    t, x = np.meshgrid(*grid.axes, indexing="ij")
    return jnp.asarray(f(t, x))


def test_node_stencils_are_exact_on_quadratics_everywhere_including_the_ends():
    grid = _grid()
    f = lambda t, x: 1 + 2 * t - 3 * x + 0.5 * t * x + 4 * x**2 - t**2  # noqa: E731
    exact = {
        (): f,
        ("x",): lambda t, x: -3 + 0.5 * t + 8 * x,
        ("x", "x"): lambda t, x: 8 + 0 * x,
        ("t",): lambda t, x: 2 + 0.5 * x - 2 * t,
        ("t", "x"): lambda t, x: 0.5 + 0 * x,
    }
    rows = node_rows(grid, np.ones(grid.shape, bool))
    probe = lambda u, params: jnp.stack([u() if k == () else u.d(*k) for k in KEYS])  # noqa: E731
    got = jax.jit(lambda u: evaluate_nodes(probe, grid, rows, u, 0, {}))(_node_values(grid, f))
    z = rows.z
    want = np.concatenate([exact[k](z[:, 0], z[:, 1]) for k in KEYS])
    np.testing.assert_allclose(got, want, atol=1e-10)


def test_crank_nicolson_values_are_exact_at_half_levels_for_linear_in_time_fields():
    grid = _grid()
    f = lambda t, x: (1 + 2 * t) * (1 - x + 3 * x**2)  # noqa: E731
    rows = crank_nicolson_rows(grid)
    u = _node_values(grid, f)
    t, x = rows.z[:, 0], rows.z[:, 1]
    assert np.allclose(np.diff(np.unique(t)), grid.spacing[0]) and t.min() == pytest.approx(
        grid.spacing[0] / 2
    )
    exact = {
        (): f(t, x),
        ("x",): (1 + 2 * t) * (-1 + 6 * x),
        ("x", "x"): (1 + 2 * t) * 6,
        ("t",): 2 * (1 - x + 3 * x**2),
        ("t", "x"): 2 * (-1 + 6 * x),
    }
    probe = lambda u, params: jnp.stack([u() if k == () else u.d(*k) for k in KEYS])  # noqa: E731
    got = jax.jit(lambda u: evaluate_crank_nicolson(probe, grid, rows, u, 0, {}))(u)
    np.testing.assert_allclose(got, np.concatenate([exact[k] for k in KEYS]), atol=1e-10)


def test_stencils_converge_at_second_order_on_smooth_functions():
    f = lambda t, x: np.sin(2 * np.pi * x / 3) * np.exp(-t)  # noqa: E731  (period 3 in x)
    exact = {
        ("x",): lambda t, x: 2 * np.pi / 3 * np.cos(2 * np.pi * x / 3) * np.exp(-t),
        ("x", "x"): lambda t, x: -((2 * np.pi / 3) ** 2) * f(t, x),
        ("t",): lambda t, x: -f(t, x),
    }
    probe = lambda u, params: jnp.stack([u.d(*k) for k in exact])  # noqa: E731
    for periodic in (False, True):
        errors = []
        for n in (12, 24, 48):
            grid = _grid((n, n), {"x": 3.0} if periodic else None)
            rows = crank_nicolson_rows(grid)
            ev = jax.jit(lambda u, grid=grid, rows=rows: evaluate_crank_nicolson(probe, grid, rows, u, 0, {}))
            got = np.asarray(ev(_node_values(grid, f)))
            t, x = rows.z[:, 0], rows.z[:, 1]
            want = np.concatenate([exact[k](t, x) for k in exact])
            errors.append([np.max(np.abs(g - w)) for g, w in zip(np.split(got, 3), np.split(want, 3))])
        orders = np.log2(np.asarray(errors[:-1]) / np.asarray(errors[1:]))
        assert np.all(orders > 1.8), (periodic, orders)


def test_third_derivatives_need_a_periodic_axis():
    grid = _grid()
    rows = node_rows(grid, np.ones(grid.shape, bool))
    with pytest.raises(ValueError, match="periodic"):
        evaluate_nodes(lambda u, p: u.d("x", "x", "x"), grid, rows, jnp.zeros(grid.shape), 0, {})


def test_grid_checks_its_input_and_interpolates_linear_fields_exactly():
    dom = geometry.Box((0.0, 0.0), (1.0, 2.0))
    with pytest.raises(ValueError, match="one node count per coordinate"):
        odil.Grid(dom, (5,))
    with pytest.raises(ValueError, match="at least 3"):
        odil.Grid(dom, (2, 5))
    grid = odil.Grid(dom, (5, 7))
    x, y = np.meshgrid(*grid.axes, indexing="ij")
    sol = odil.GridSolution(jnp.asarray(1 + 2 * x - y + 0.5 * x * y), grid)
    pts = np.array([[0.1, 0.3], [0.77, 1.9], [1.0, 2.0]])
    np.testing.assert_allclose(
        sol(pts), 1 + 2 * pts[:, 0] - pts[:, 1] + 0.5 * pts[:, 0] * pts[:, 1], atol=1e-12
    )
    with pytest.raises(ValueError, match=r"shape \(n, 2\)"):
        sol(np.zeros((3, 3)))
