r"""A grid backend for `physax.pinn.Field`: the problem's own residual, on whole arrays of stencils.

A residual written for one point (``u.d("t") + lam1 * u() * u.d("x") - lam2 * u.d("x", "x")``)
is evaluated here with every ``u()``, ``u.d(...)`` and ``u.coord(...)`` an array over a set
of grid points, so the same definition serves PINNs and ODIL.

Two evaluation rules (Karnakov, Litvinov & Koumoutsakos, PNAS Nexus 2024):

- **Crank-Nicolson type** (time-dependent residuals that ask for at most one time
  derivative): the residual lives between time levels ``n`` and ``n + 1``; values and
  spatial derivatives are averaged over the two levels,
  $u \approx (u^n + u^{n+1})/2$, $u_x \approx (\delta_x u^n + \delta_x u^{n+1})/2$, and
  $u_t \approx (u^{n+1} - u^n)/\Delta t$. Second order in time and space.
- **Node rule** (steady problems, ``u_tt`` residuals, and every condition): the residual
  lives on nodes, every derivative is the node stencil of `physax.odil._stencils` along
  its axis (central inside, one-sided at the ends).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import jax.numpy as jnp
import numpy as np
from jaxtyping import Array

from ..pinn import Field
from ._grid import Grid
from ._stencils import derivative


def _counts(key: tuple[str, ...]) -> Counter:
    return Counter(key)


def node_derivative(grid: Grid, u: Array, key: tuple[str, ...], lead: int) -> Array:
    r"""Apply ODIL's node stencils for the derivative `key` to node values `u`.

    Central differences inside, one-sided ones at the ends of a bounded axis, wrapped along
    a periodic one; second-order accurate along time and `grid.accuracy` (2 or 4) along
    space. This is the node rule that ODIL evaluates conditions and steady residuals with.

    **Arguments:**

    - `grid`: the `Grid`.
    - `u`: node values, shape `(*lead, *grid.shape)`.
    - `key`: coordinate names, e.g. `("x",)` for $u_x$ or `("x", "x")` for $u_{xx}$.
    - `lead`: the number of leading channel axes of `u`.

    **Returns:** the derivative at every node, shaped like `u`.

    **Example:** $\partial_x^2 \sin(\pi x) = -\pi^2 \sin(\pi x)$ to second order on 33 nodes.

    >>> grid = Grid(Heat1D().domain, (3, 33))
    >>> u = jnp.sin(jnp.pi * jnp.asarray(grid.points()[:, 1])).reshape(grid.shape)
    >>> u_xx = node_derivative(grid, u, ("x", "x"), 0)
    >>> error = jnp.abs(u_xx + jnp.pi**2 * u)[:, 1:-1].max()  # interior nodes
    >>> bool(error < 0.01)
    True
    """
    out = u
    for name, order in sorted(_counts(key).items()):
        a = grid.coords.index(name)
        accuracy = 2 if (a == 0 and grid.time_dependent) else grid.accuracy
        out = derivative(out, a + lead, order, grid.spacing[a], grid.is_periodic[a], accuracy)
    return out


class Rows:
    """Where one group of residual rows lives: a gather from a full-grid array, and centres.

    `take(array)` maps a full-grid array (``(*lead, *grid.shape)``) to ``(*lead, m)``;
    `centres` is the ``(m, d)`` grid index each row's stencil is centred on (the Jacobian's
    colouring assumes every row depends only on nodes within two of its centre).
    """

    def __init__(self, take: Callable[[Array, int], Array], centres: np.ndarray, z: np.ndarray):
        self.take, self.centres, self.z = take, centres, z

    @property
    def size(self) -> int:
        return len(self.centres)


def node_rows(grid: Grid, mask: np.ndarray) -> Rows:
    """Rows at the nodes where `mask` (``grid.shape``) is true."""
    flat = np.flatnonzero(mask.ravel())
    idx = np.stack(np.unravel_index(flat, grid.shape), -1)
    pts = grid.points()[flat]
    fj = jnp.asarray(flat)

    def take(a: Array, lead: int) -> Array:
        return a.reshape(a.shape[:lead] + (-1,))[..., fj]

    return Rows(take, idx, pts)


def interior_mask(grid: Grid, *, skip_time: bool) -> np.ndarray:
    """Nodes off every bounded spatial end (and, with `skip_time`, off the first and last level)."""
    mask = np.ones(grid.shape, bool)
    for a, per in enumerate(grid.is_periodic):
        if per or (a == 0 and grid.time_dependent and not skip_time):
            continue
        sl = [slice(None)] * grid.dim
        sl[a] = 0
        mask[tuple(sl)] = False
        sl[a] = -1
        mask[tuple(sl)] = False
    return mask


def boundary_mask(grid: Grid, *, first_level: int) -> np.ndarray:
    """Nodes on a bounded spatial end, from time level `first_level` on (time-dependent grids)."""
    spatial = range(1, grid.dim) if grid.time_dependent else range(grid.dim)
    mask = np.zeros(grid.shape, bool)
    for a in spatial:
        if grid.is_periodic[a]:
            continue
        sl = [slice(None)] * grid.dim
        sl[a] = 0
        mask[tuple(sl)] = True
        sl[a] = -1
        mask[tuple(sl)] = True
    if grid.time_dependent:
        mask[:first_level] = False
    return mask


def initial_mask(grid: Grid) -> np.ndarray:
    mask = np.zeros(grid.shape, bool)
    mask[0] = True
    return mask


def evaluate_nodes(fn, grid: Grid, rows: Rows, u: Array, lead: int, params) -> Array:
    """``fn(Field, params)`` with the node rule at `rows`, flattened to one residual vector."""
    cache: dict = {}

    def lookup(key):
        if key not in cache:
            cache[key] = rows.take(node_derivative(grid, u, key, lead), lead)
        return cache[key]

    z = jnp.asarray(rows.z.T, u.dtype)
    return _flat(fn(Field(z, grid.coords, lookup), params), rows.size)


def crank_nicolson_rows(grid: Grid) -> Rows:
    """Rows between time levels ``n`` and ``n + 1`` at interior spatial nodes (centre: level ``n``)."""
    mask = interior_mask(grid, skip_time=False)[:-1]
    flat = np.flatnonzero(mask.ravel())
    idx = np.stack(np.unravel_index(flat, mask.shape), -1)
    half = np.meshgrid(*((grid.axis(0)[:-1] + 0.5 * grid.spacing[0],) + grid.axes[1:]), indexing="ij")
    pts = np.stack([m.ravel()[flat] for m in half], -1)
    fj = jnp.asarray(flat)

    def take(a: Array, lead: int) -> Array:
        return a.reshape(a.shape[:lead] + (-1,))[..., fj]

    return Rows(take, idx, pts)


def evaluate_crank_nicolson(fn, grid: Grid, rows: Rows, u: Array, lead: int, params) -> Array:
    """``fn(Field, params)`` with the Crank-Nicolson rule (see the module docstring)."""
    cache: dict = {}
    dt, t_axis = grid.spacing[0], lead

    def lookup(key):
        if key in cache:
            return cache[key]
        spatial = tuple(k for k in key if k != "t")
        n_t = len(key) - len(spatial)
        s = node_derivative(grid, u, spatial, lead) if spatial else u
        lo = s[(slice(None),) * t_axis + (slice(0, -1),)]
        hi = s[(slice(None),) * t_axis + (slice(1, None),)]
        if n_t == 0:
            value = 0.5 * (lo + hi)
        elif n_t == 1:
            value = (hi - lo) / dt
        else:  # the caller routes u_tt residuals to the node rule
            raise ValueError("the Crank-Nicolson rule takes at most one time derivative.")
        cache[key] = rows.take(value, lead)
        return cache[key]

    z = jnp.asarray(rows.z.T, u.dtype)
    return _flat(fn(Field(z, grid.coords, lookup), params), rows.size)


def _flat(out, m: int) -> Array:
    out = jnp.asarray(out)
    if out.ndim == 0:
        out = jnp.full((m,), out)
    return out.reshape(-1)


def time_orders(fn, grid: Grid, params, lead: int, channels: int) -> int:
    """The highest number of time derivatives `fn` asks for in one key (traced on a tiny array)."""
    seen: set = set()

    def record(key):
        seen.add(key)
        return jnp.zeros((channels,) * lead + (1,))

    z = jnp.zeros((grid.dim, 1))
    fn(Field(z, grid.coords, record), params)
    return max((sum(1 for k in key if k == "t") for key in seen), default=0)
