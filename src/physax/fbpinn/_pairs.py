"""(point, subdomain) pair lists, built on the host with NumPy for one set of points.

The FBPINN model is evaluated only where a point lies strictly inside a subdomain. For a
rectangular level the subdomains containing `x` form a contiguous index range per axis
(found by `searchsorted` on the sorted edges), so the pair list is assembled in time
linear in the number of pairs, never points x subdomains. Inside `jit` the list is a
static-size array: one `vmap` over pairs, reduced per point with `jax.ops.segment_sum`.
"""

from __future__ import annotations

import equinox as eqx
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Int

from ._decomposition import Decomposition, Level


class Pairs(eqx.Module):
    """A pair list for `n_points` points: which subdomains each point lies strictly inside.

    The FBPINN evaluates a subdomain network only at the points inside it: one `vmap` over
    the pairs, then a `segment_sum` per point. Built on the host by `build_pairs`.

    **Fields:**

    - `point`: `(P,)` point index of each pair.
    - `sub`: `(P,)` subdomain index of each pair (numbered level by level).
    - `segment`: `(P,)` `point * n_levels + level`: what the windows are normalised over.
    - `live_levels`: `(n_points,)` how many levels cover each point (the level average divisor).
    - `n_points`, `n_levels`: static sizes.

    **Example:**

    >>> # four overlapping subdomains on [0, 1]; 0.1 and 0.5 lie in two each
    >>> pairs = build_pairs(uniform(Interval(0.0, 1.0), 4), np.array([[0.1], [0.5]]))
    >>> len(pairs), pairs.point.tolist(), pairs.sub.tolist()
    (4, [0, 0, 1, 1], [0, 1, 1, 2])
    """

    point: Int[Array, " P"]
    sub: Int[Array, " P"]
    segment: Int[Array, " P"]
    live_levels: Array
    n_points: int = eqx.field(static=True)
    n_levels: int = eqx.field(static=True)

    def __len__(self) -> int:
        return int(self.point.shape[0])


def _level_pairs(level: Level, x: np.ndarray, live: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    rows = np.arange(len(x))
    flat = np.zeros(len(x), np.int64)
    for a in range(x.shape[1]):
        lo, hi = level.lower(a), level.upper(a)
        xa = x[rows, a]
        first = np.searchsorted(hi, xa, side="right")  # first interval with upper > x
        last = np.searchsorted(lo, xa, side="left")  # intervals [first, last) have lower < x
        count = np.maximum(last - first, 0)
        rep = np.repeat(np.arange(len(rows)), count)
        offs = np.arange(len(rep)) - np.repeat(np.cumsum(count) - count, count)
        flat = flat[rep] * len(lo) + first[rep] + offs
        rows = rows[rep]
    if live is not None:
        keep = live[flat]
        rows, flat = rows[keep], flat[keep]
    return rows, flat


def build_pairs(decomposition: Decomposition, points, live: np.ndarray | None = None) -> Pairs:
    """All (point, subdomain) pairs with the point strictly inside the subdomain.

    For a rectangular level the subdomains containing a point are a contiguous range per
    axis, found by `searchsorted` on the sorted edges: the cost is linear in the number of
    pairs, never points x subdomains.

    **Arguments:**

    - `decomposition`: the subdomains.
    - `points`: `(n, d)` points (any array; copied to the host).
    - `live`: optional `(J,)` boolean mask: only these subdomains take part (a scheduler's
      active and fixed subdomains).

    **Returns:** `Pairs`, sorted by point.

    **Example:**

    >>> # about two subdomains per point with overlap=1.9
    >>> dec = uniform(Interval(0.0, 1.0), 10, overlap=1.9)
    >>> pairs = build_pairs(dec, np.linspace(0.0, 1.0, 101)[:, None])
    >>> pairs.n_points, len(pairs)
    (101, 190)
    """
    x = np.asarray(points, np.float64)
    if x.ndim != 2 or x.shape[1] != decomposition.domain.dim:
        raise ValueError(
            f"points must have shape (n, {decomposition.domain.dim}) for a {decomposition.domain.dim}-d "
            f"decomposition, got {x.shape}."
        )
    if live is not None:
        live = np.asarray(live, bool)
        if live.shape != (decomposition.n_subdomains,):
            raise ValueError(f"live mask must have shape ({decomposition.n_subdomains},), got {live.shape}.")
    L = decomposition.n_levels
    pts, subs, segs = [], [], []
    covered = np.zeros((len(x), L), bool)
    for i, (level, off) in enumerate(zip(decomposition.levels, decomposition.offsets)):
        lv = None if live is None else live[off : off + level.size]
        rows, flat = _level_pairs(level, x, lv)
        pts.append(rows)
        subs.append(flat + off)
        segs.append(rows * L + i)
        covered[rows, i] = True
    point, sub, seg = (np.concatenate(a) for a in (pts, subs, segs))
    order = np.argsort(seg, kind="stable")
    return Pairs(
        jnp.asarray(point[order], jnp.int32),
        jnp.asarray(sub[order], jnp.int32),
        jnp.asarray(seg[order], jnp.int32),
        jnp.asarray(np.maximum(covered.sum(1), 1), jnp.float32),
        len(x),
        L,
    )


def covered_points(decomposition: Decomposition, points, mask: np.ndarray) -> np.ndarray:
    """Boolean `(n,)`: which points lie strictly inside at least one subdomain in `mask`.

    A scheduler's stage trains only on the collocation points its active subdomains cover.

    **Arguments:**

    - `decomposition`: the subdomains.
    - `points`: `(n, d)` points.
    - `mask`: `(J,)` boolean mask over the subdomains.

    **Returns:** a NumPy boolean array.

    **Example:**

    >>> dec = uniform(Interval(0.0, 1.0), 4)
    >>> covered_points(dec, np.array([[0.1], [0.5], [0.9]]), np.array([True, False, False, False]))
    array([ True, False, False])
    """
    x = np.asarray(points, np.float64)
    hit = np.zeros(len(x), bool)
    for level, off in zip(decomposition.levels, decomposition.offsets):
        rows, _ = _level_pairs(level, x, np.asarray(mask, bool)[off : off + level.size])
        hit[rows] = True
    return hit
