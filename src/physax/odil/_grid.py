"""The ODIL grid: node coordinates on a domain, and the field it carries (`GridSolution`)."""

from __future__ import annotations

import itertools
import math

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float

from ..geometry import AbstractDomain, TimeXSpace


class Grid(eqx.Module):
    r"""A tensor grid of nodes on a box domain: the unknowns of ODIL live on its nodes.

    Node layout: along a bounded axis ``[lo, hi]`` with ``n`` nodes, ``x_j = lo + j h`` with
    ``h = (hi - lo) / (n - 1)``, both ends included (so boundary conditions are imposed on
    nodes). Along a periodic axis of period ``P`` the ``n`` nodes are ``x_j = lo + j P / n``
    (the right end is the image of the left one). On a time x space domain the first axis
    is time, as in the domain's coordinates.

    **Arguments:**

    - `domain`: the problem's domain (`physax.geometry.Box`, `Interval` or `TimeXSpace`).
    - `shape`: nodes per axis in the domain's coordinate order, e.g. ``(nt, nx)`` for
      ``("t", "x")`` or ``(nx, ny)`` for a steady 2-d problem; at least 3 per axis.
    - `periodic`: ``{coordinate: period}`` of periodic axes (`physax.odil.solve` fills it
      from the problem's own ``periodic`` attribute when the grid does not set it).
    - `accuracy`: order of the spatial first and second derivatives, 2 (default) or 4
      (five-point stencils; time derivatives stay second order, Crank-Nicolson).

    **Example:** Burgers' $[0, 1] \times [-1, 1]$ with 101 time levels and 257 nodes in $x$.

    >>> grid = Grid(problems.Burgers().domain, shape=(101, 257))
    >>> grid.coords, grid.spacing, grid.points().shape
    (('t', 'x'), (0.01, 0.0078125), (25957, 2))
    """

    domain: AbstractDomain
    shape: tuple[int, ...] = eqx.field(static=True)
    periodic: tuple[tuple[str, float], ...] = eqx.field(static=True, default=())
    accuracy: int = eqx.field(static=True, default=2)

    def __init__(
        self, domain: AbstractDomain, shape, periodic: dict[str, float] | None = None, *, accuracy: int = 2
    ):
        shape = tuple(int(n) for n in np.atleast_1d(shape))
        if len(shape) != domain.dim:
            raise ValueError(
                f"Grid shape {shape} has {len(shape)} axes but the domain has coordinates "
                f"{domain.coords}; give one node count per coordinate."
            )
        if any(n < 3 for n in shape):
            raise ValueError(f"Grid needs at least 3 nodes per axis, got shape {shape}.")
        periodic = dict(periodic or {})
        for c, p in periodic.items():
            if c not in domain.coords:
                raise ValueError(f"periodic axis '{c}' is not a coordinate of {domain.coords}.")
            if not (math.isfinite(p) and p > 0):
                raise ValueError(f"the period of '{c}' must be a positive number, got {p}.")
        if accuracy not in (2, 4):
            raise ValueError(f"Grid accuracy must be 2 or 4 (order of the spatial stencils), got {accuracy}.")
        self.accuracy = int(accuracy)
        self.domain = domain
        self.shape = shape
        self.periodic = tuple((c, float(periodic[c])) for c in domain.coords if c in periodic)

    # --- geometry --------------------------------------------------------------------
    @property
    def coords(self) -> tuple[str, ...]:
        return self.domain.coords

    @property
    def dim(self) -> int:
        return len(self.shape)

    @property
    def time_dependent(self) -> bool:
        """True on a time x space domain (axis 0 is time)."""
        return isinstance(self.domain, TimeXSpace)

    @property
    def is_periodic(self) -> tuple[bool, ...]:
        p = dict(self.periodic)
        return tuple(c in p for c in self.coords)

    @property
    def spacing(self) -> tuple[float, ...]:
        p = dict(self.periodic)
        return tuple(
            p[c] / n if c in p else (hi - lo) / (n - 1)
            for c, lo, hi, n in zip(self.coords, self.domain.lo, self.domain.hi, self.shape)
        )

    def axis(self, i: int) -> np.ndarray:
        """The node coordinates along axis ``i`` (float64 NumPy)."""
        return self.domain.lo[i] + self.spacing[i] * np.arange(self.shape[i], dtype=np.float64)

    @property
    def axes(self) -> tuple[np.ndarray, ...]:
        return tuple(self.axis(i) for i in range(self.dim))

    @property
    def size(self) -> int:
        return int(np.prod(self.shape))

    def points(self) -> np.ndarray:
        """All nodes as an ``(N, d)`` array in C order (matching ``values.reshape(N)``)."""
        mesh = np.meshgrid(*self.axes, indexing="ij")
        return np.stack([m.ravel() for m in mesh], axis=-1)

    def with_periodic(self, periodic: dict[str, float]) -> Grid:
        return Grid(self.domain, self.shape, periodic, accuracy=self.accuracy)


def cell_weights(grid: Grid, points: Float[Array, "n d"]) -> tuple[Array, Array, Array]:
    """Multilinear interpolation at `points`: the lower corner, corner indices and weights.

    Returns ``(lower (n, d) int, flat (n, 2^d) int, weights (n, 2^d))``; outside a bounded
    axis the end cell is extrapolated linearly, along a periodic axis the index wraps.
    """
    lo = jnp.asarray(grid.domain.lo, points.dtype)
    h = jnp.asarray(grid.spacing, points.dtype)
    s = (points - lo) / h
    lower, frac, upper = [], [], []
    for a, (n, per) in enumerate(zip(grid.shape, grid.is_periodic)):
        if per:
            base = jnp.floor(s[:, a])
            i0 = jnp.mod(base.astype(jnp.int32), n)
            lower.append(i0)
            upper.append(jnp.mod(i0 + 1, n))
            frac.append(s[:, a] - base)
        else:
            i0 = jnp.clip(jnp.floor(s[:, a]).astype(jnp.int32), 0, n - 2)
            lower.append(i0)
            upper.append(i0 + 1)
            frac.append(s[:, a] - i0)
    strides = np.cumprod((1,) + grid.shape[::-1][:-1])[::-1]
    flats, weights = [], []
    for corner in itertools.product((0, 1), repeat=grid.dim):
        idx = sum((upper[a] if c else lower[a]) * int(strides[a]) for a, c in enumerate(corner))
        w = 1.0
        for a, c in enumerate(corner):
            w = w * (frac[a] if c else 1.0 - frac[a])
        flats.append(idx)
        weights.append(w)
    return jnp.stack(lower, -1), jnp.stack(flats, -1), jnp.stack(weights, -1)


def interpolate(grid: Grid, values: Array, points: Float[Array, "n d"]) -> Array:
    """Multilinear interpolation of node `values` (``grid.shape`` or ``(c, *grid.shape)``)."""
    _, flat, w = cell_weights(grid, points)
    if values.ndim == grid.dim:
        return jnp.sum(values.reshape(-1)[flat] * w, axis=-1)
    v = values.reshape(values.shape[0], -1)
    return jnp.sum(v[:, flat] * w[None], axis=-1).T


class GridSolution(eqx.Module):
    """The field ODIL found: node values on a `Grid`, callable at any points by interpolation.

    **Arguments:**

    - `values`: node values, shape `grid.shape`, or `(channels, *grid.shape)` for a vector
      field such as NLS's $(u, v)$.
    - `grid`: the `Grid`.

    Calling it on `(n, d)` points (columns in the domain's coordinate order) returns the
    multilinear interpolant, `(n,)` for a scalar field and `(n, channels)` otherwise.

    **Example:** the interpolant reproduces a linear field exactly between the nodes.

    >>> grid = Grid(Heat1D().domain, (5, 9))
    >>> t, x = grid.points().T
    >>> u = GridSolution(jnp.asarray((2 * t + x).reshape(grid.shape)), grid)
    >>> u(np.array([[0.3, 0.55]])).round(6)
    Array([1.15], dtype=float...)
    """

    values: Array
    grid: Grid

    def __call__(self, points) -> Array:
        pts = np.asarray(points)
        if pts.ndim != 2 or pts.shape[1] != self.grid.dim:
            raise ValueError(
                f"points must have shape (n, {self.grid.dim}) (columns {', '.join(self.grid.coords)}), "
                f"got {pts.shape}."
            )
        with jax.enable_x64(self.values.dtype == jnp.float64):
            return interpolate(self.grid, self.values, jnp.asarray(pts, self.values.dtype))
