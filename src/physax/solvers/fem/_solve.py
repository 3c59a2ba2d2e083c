"""`solve(problem, n=..., order=2)`: the finite-element solution of a catalogue problem."""

from __future__ import annotations

import math
import time
from typing import Any

import equinox as eqx
import numpy as np

from ._mesh import basis, box_mesh, check_order, evaluation_matrix
from ._probe import NotApplicable
from ._schemes import steady, theta_scheme


class FEMSolution(eqx.Module):
    r"""A finite-element solution on the problem's reference grid.

    **Fields:**

    - `values`: the solution at the points of ``problem.reference_axes()``, shaped like
      that grid (``(nt, nx)`` for a heat problem, ``(nx, ny)`` for a 2-d elliptic one).
    - `axes`: those axes, ``(name, coordinates)`` each.
    - `dofs`: the nodal values (at the final time for an evolution problem).
    - `basis`: the scikit-fem `CellBasis` the `dofs` belong to.
    - `stats`: ``unknowns`` (degrees of freedom), ``elements``, ``order``, ``scheme``,
      ``wall_time_s`` (everything: forms, assembly, solve, evaluation), and for the
      θ-scheme ``steps``, ``dt``, ``theta``.

    Calling it on `(n, d_space)` points evaluates the (final-time, for evolution problems)
    finite-element function there.

    **Example:** P2 elements on an $8 \times 8$ mesh for `physax.problems.Poisson2D`, whose
    exact solution is 1 at $(0.5, 0.25)$.

    >>> sol = solve(problems.Poisson2D(), n=8, order=2)
    >>> sol.values.shape, sol.stats["unknowns"]
    ((101, 101), 289)
    >>> bool(abs(sol(np.array([[0.5, 0.25]]))[0] - 1.0) < 0.05)
    True
    """

    values: np.ndarray
    axes: tuple
    dofs: np.ndarray
    basis: Any
    stats: dict
    _box: tuple = eqx.field(static=True)

    def __call__(self, points) -> np.ndarray:
        """The (final-time, for evolution problems) solution at ``(n, d_space)`` points."""
        lo, hi, shape = self._box
        return evaluation_matrix(self.basis, np.asarray(points, np.float64), lo, hi, shape) @ self.dofs


def _shape(n, dims: int) -> tuple[int, ...]:
    shape = tuple(int(v) for v in np.broadcast_to(np.asarray(n), (dims,)))
    if any(s < 2 for s in shape):
        raise ValueError(f"n must give at least 2 elements per axis, got {n!r}.")
    return shape


def solve(problem, *, n, order: int = 2, dt: float | None = None, theta: float = 0.5) -> FEMSolution:
    r"""Solve a linear elliptic or heat-type catalogue problem with P1/P2 Lagrange elements.

    The weak form is read off the problem's own ``residual`` and ``conditions()`` (see
    `physax.solvers.fem.linear_coefficients`): a residual linear in the field, second order
    in space with constant leading coefficients, and (for evolution problems) first order
    in time; one Dirichlet condition on the boundary and, in time, one initial condition.
    Steady problems (``-Δu = f``, Helmholtz ``Δu + k^2 u = q``, the multiscale Laplace
    problem) are a Galerkin solve on a box of right triangles (or an interval);
    evolution problems (``u_t = k u_xx``) use the θ-scheme in time (Crank–Nicolson for
    ``θ = 1/2``, backward Euler for ``θ = 1``) on a `MeshLine` (1-d) or triangles (2-d).
    Assembly and meshes are scikit-fem's (Gustafsson & McBain 2020); sparse LU from SciPy.

    **Arguments:**

    - `problem`: a `physax.problems` problem on a box (``Box``/``Interval``, or
      ``TimeXSpace`` for evolution problems), not periodic.
    - `n`: elements per space axis (an int, or one per axis); each box cell is two triangles.
    - `order`: 1 (P1) or 2 (P2).
    - `dt`: the largest time step (evolution problems; default: the space step ``h``).
      Each interval between the reference times is split into equal steps no longer
      than `dt`.
    - `theta`: the θ of the time scheme, in ``[1/2, 1]``.

    **Returns:** a `FEMSolution`; ``values`` lies on ``problem.reference_axes()``, so
    ``physax.metrics.rel_l2_float64(sol.values, problem.reference().values)`` scores it
    like every other method.

    **Raises:** `NotApplicable` (a `ValueError`) for problems outside this scope, with the
    reason; `ValueError` for bad arguments.

    **Example:**

    >>> p = problems.Poisson2D()
    >>> sol = solve(p, n=16, order=2)
    >>> sol.stats["unknowns"], bool(metrics.rel_l2_float64(sol.values, p.reference().values) < 1e-2)
    (1089, True)
    """
    t_start = time.perf_counter()
    order = check_order(order)
    if not 0.5 <= float(theta) <= 1.0:
        raise ValueError(f"theta must lie in [1/2, 1] (1/2: Crank-Nicolson, 1: backward Euler), got {theta}.")
    if getattr(problem, "periodic", None):
        raise NotApplicable(f"{problem.name} is periodic; the FEM adapter imposes Dirichlet boundaries.")
    dom = problem.domain
    evolution = "t" in dom.coords
    if evolution and dom.coords[0] != "t":
        raise NotApplicable(f"{problem.name}: time must be the first coordinate.")
    lo, hi = np.asarray(dom.lo[evolution:]), np.asarray(dom.hi[evolution:])
    if len(lo) not in (1, 2):
        raise NotApplicable(f"{problem.name} has {len(lo)} space dimensions; the FEM adapter meshes 1 or 2.")
    shape = _shape(n, len(lo))
    b = basis(box_mesh(lo, hi, shape), order)
    axes = tuple(problem.reference_axes())
    space_axes = [c for _, c in axes[evolution:]]
    mesh_pts = np.stack(np.meshgrid(*space_axes, indexing="ij"), -1).reshape(-1, len(lo))
    E = evaluation_matrix(b, mesh_pts, lo, hi, shape)
    stats = {"unknowns": int(b.N), "elements": int(b.nelems), "order": order}
    if evolution:
        h = float(np.min((hi - lo) / np.asarray(shape)))
        step = h if dt is None else float(dt)
        if not (step > 0 and math.isfinite(step)):
            raise ValueError(f"dt must be a positive number, got {dt}.")
        u, info = theta_scheme(problem, b, axes[0][1], dt=step, theta=float(theta))
        values = (u @ E.T).reshape(tuple(len(c) for _, c in axes))
        dofs = u[-1]
        stats.update(scheme=f"P{order} FEM, theta = {theta:g}", dt=step, theta=float(theta), **info)
    else:
        dofs, info = steady(problem, b)
        values = (E @ dofs).reshape(tuple(len(c) for _, c in axes))
        stats.update(scheme=f"P{order} FEM (Galerkin)", **info)
    stats["wall_time_s"] = time.perf_counter() - t_start
    return FEMSolution(values, axes, dofs, b, stats, (tuple(map(float, lo)), tuple(map(float, hi)), shape))
