"""Structured simplex meshes of intervals and boxes, Lagrange bases, and point evaluation.

The meshes are built here (not with scikit-fem's ``init_tensor``) so that the element
holding a point is known in closed form: evaluating a solution on the reference grid is
then a sparse matrix product instead of a search.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sps
import skfem

_ELEMENTS = {
    (1, 1): skfem.ElementLineP1,
    (1, 2): skfem.ElementLineP2,
    (2, 1): skfem.ElementTriP1,
    (2, 2): skfem.ElementTriP2,
}


def check_order(order: int) -> int:
    if order not in (1, 2):
        raise ValueError(f"order must be 1 (P1) or 2 (P2 Lagrange elements), got {order!r}.")
    return int(order)


def box_mesh(lo, hi, shape) -> skfem.Mesh:
    """An interval (``MeshLine``) or a box of right triangles (``MeshTri``), ``shape`` intervals per axis.

    Cell ``(i, j)`` of a box is cut along its diagonal into the triangles ``2 (i ny + j)``
    (below the diagonal) and ``2 (i ny + j) + 1`` (above it).

    **Example:**

    >>> box_mesh((0.0, 0.0), (1.0, 2.0), (4, 8)).t.shape
    (3, 64)
    """
    lo, hi, shape = np.atleast_1d(lo), np.atleast_1d(hi), tuple(int(s) for s in np.atleast_1d(shape))
    if any(s < 1 for s in shape):
        raise ValueError(f"a mesh needs at least one interval per axis, got {shape}.")
    axes = [np.linspace(a, b, s + 1) for a, b, s in zip(lo, hi, shape)]
    if len(shape) == 1:
        return skfem.MeshLine(axes[0])
    if len(shape) != 2:
        raise ValueError(f"meshes are 1-d or 2-d here, got {len(shape)} axes.")
    nx, ny = shape
    X, Y = np.meshgrid(*axes, indexing="ij")
    p = np.stack([X.ravel(), Y.ravel()])
    node = lambda i, j: i * (ny + 1) + j
    i, j = np.meshgrid(np.arange(nx), np.arange(ny), indexing="ij")
    i, j = i.ravel(), j.ravel()
    below = np.stack([node(i, j), node(i + 1, j), node(i + 1, j + 1)])
    above = np.stack([node(i, j), node(i + 1, j + 1), node(i, j + 1)])
    t = np.empty((3, 2 * nx * ny), np.int64)
    t[:, 0::2], t[:, 1::2] = below, above
    return skfem.MeshTri(p, t)


def basis(mesh: skfem.Mesh, order: int) -> skfem.CellBasis:
    """The P1 or P2 Lagrange basis on `mesh`, with quadrature exact to degree ``2 order + 1``."""
    elem = _ELEMENTS[(mesh.dim(), check_order(order))]()
    return skfem.Basis(mesh, elem, intorder=2 * order + 1)


def _cells(points: np.ndarray, lo, hi, shape) -> np.ndarray:
    """The element of `box_mesh(lo, hi, shape)` holding each of the ``(n, d)`` points."""
    lo, hi = np.atleast_1d(lo), np.atleast_1d(hi)
    shape = np.atleast_1d(shape)
    s = (points - lo) / (hi - lo) * shape
    idx = np.clip(np.floor(s).astype(np.int64), 0, shape - 1)
    if len(shape) == 1:
        return idx[:, 0]
    frac = s - idx
    upper = frac[:, 1] > frac[:, 0]
    return 2 * (idx[:, 0] * shape[1] + idx[:, 1]) + upper


def evaluation_matrix(b: skfem.CellBasis, points: np.ndarray, lo, hi, shape) -> sps.csr_matrix:
    """Sparse ``(n, dofs)`` matrix: ``E @ u`` is the finite-element function at the ``(n, d)`` points.

    `b` is a basis on ``box_mesh(lo, hi, shape)``; each point's element is found in closed form.

    **Example:**

    >>> sol = solve(problems.Poisson2D(), n=8, order=1)
    >>> E = evaluation_matrix(sol.basis, np.array([[0.5, 0.25]]), (-1.0, -1.0), (1.0, 1.0), (8, 8))
    >>> E.shape
    (1, 81)
    """
    points = np.asarray(points, np.float64)
    lo_, hi_ = np.atleast_1d(lo), np.atleast_1d(hi)
    if points.ndim != 2 or points.shape[1] != len(lo_):
        raise ValueError(f"points must have shape (n, {len(lo_)}), got {points.shape}.")
    if np.any(points < lo_ - 1e-9 * (hi_ - lo_)) or np.any(points > hi_ + 1e-9 * (hi_ - lo_)):
        raise ValueError("points lie outside the meshed domain.")
    cells = _cells(points, lo, hi, shape)
    x = points.T
    ref = b.mapping.invF(x[:, :, None], tind=cells)
    phis = np.array([b.elem.gbasis(b.mapping, ref, k, tind=cells)[0] for k in range(b.Nbfun)])
    rows = np.tile(np.arange(len(cells)), b.Nbfun)
    cols = b.element_dofs[:, cells].ravel()
    return sps.coo_matrix((phis.ravel(), (rows, cols)), shape=(len(cells), b.N)).tocsr()


def quadrature_points(b: skfem.CellBasis) -> np.ndarray:
    """All quadrature points as an ``(elements * points_per_element, d)`` array (element-major)."""
    x = b.global_coordinates().value  # (d, elements, points per element)
    return x.reshape(x.shape[0], -1).T
