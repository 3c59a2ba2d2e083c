"""Domains: intervals, n-d boxes and time x space products.

A domain knows its coordinate names (`("t", "x")` for a space-time domain: time is
always the first coordinate), its bounding box, and how to place points in its
interior, on its boundary and (for space-time domains) on the initial slice.
"""

from __future__ import annotations

import math

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Bool, Float, PRNGKeyArray

from ._samplers import AbstractSampler, LatinHypercube

_DEFAULT_SAMPLER = LatinHypercube()


def _check_bounds(name: str, coords: tuple[str, ...], lo, hi) -> tuple[tuple[float, ...], tuple[float, ...]]:
    lo = tuple(float(v) for v in np.atleast_1d(lo))
    hi = tuple(float(v) for v in np.atleast_1d(hi))
    if len(lo) != len(hi):
        raise ValueError(f"{name}: lo has {len(lo)} entries but hi has {len(hi)}; give one bound per axis.")
    if len(coords) != len(lo):
        raise ValueError(f"{name}: {len(coords)} coordinate names {coords} for a {len(lo)}-d box.")
    for c, a, b in zip(coords, lo, hi):
        if not (math.isfinite(a) and math.isfinite(b)):
            raise ValueError(f"impossible domain: {name} bound on '{c}' is not finite ({a}, {b}).")
        if not a < b:
            raise ValueError(
                f"impossible domain: {name} needs lo < hi on '{c}', got [{a}, {b}]; "
                "swap the bounds or widen the interval."
            )
    return lo, hi


class AbstractDomain(eqx.Module):
    """An axis-aligned domain: coordinates `coords` within the box $[lo, hi]$.

    Subclasses (`Box`, `TimeXSpace`) set `coords`, `lo` and `hi`; this base gives them
    `dim`, `axis`, `contains` and `sample_interior`. Points are arrays of shape `(n, dim)`
    whose columns follow `coords`.

    **Example:**

    >>> dom = TimeXSpace(Box((0.0, 0.0), (1.0, 1.0)), 0.0, 2.0)
    >>> isinstance(dom, AbstractDomain), dom.dim, dom.axis("y")
    (True, 3, 2)
    >>> dom.contains(jnp.array([[1.0, 0.5, 0.5], [3.0, 0.5, 0.5]]))
    Array([ True, False], dtype=bool)
    """

    coords: eqx.AbstractVar[tuple[str, ...]]
    lo: eqx.AbstractVar[tuple[float, ...]]
    hi: eqx.AbstractVar[tuple[float, ...]]

    @property
    def dim(self) -> int:
        return len(self.coords)

    def axis(self, name: str) -> int:
        """Index of coordinate `name` in a point vector."""
        try:
            return self.coords.index(name)
        except ValueError:
            raise ValueError(f"unknown coordinate '{name}'; this domain has {self.coords}.") from None

    def contains(self, points: Float[Array, "n d"], tol: float = 1e-6) -> Bool[Array, " n"]:
        lo, hi = jnp.asarray(self.lo), jnp.asarray(self.hi)
        return jnp.all((points >= lo - tol) & (points <= hi + tol), axis=-1)

    def sample_interior(
        self,
        key: PRNGKeyArray,
        n: int,
        sampler: AbstractSampler = _DEFAULT_SAMPLER,
        *,
        dtype=jnp.float32,
    ) -> Float[Array, "n d"]:
        """`n` points in the interior (the whole box, for the samplers here)."""
        return sampler(key, jnp.asarray(self.lo), jnp.asarray(self.hi), n, dtype=dtype)


class Box(AbstractDomain):
    r"""The n-d box $[lo_1, hi_1] \times \dots \times [lo_d, hi_d]$.

    **Arguments:**

    - `lo`, `hi`: the lower and upper bounds, one per axis (`lo < hi` on every axis).
    - `coords`: the coordinate names; default `("x", "y", "z", "w")[:d]` (`x0`, `x1`, ... for
      more than four axes).

    **Example:**

    >>> box = Box((0.0, 0.0), (1.0, 2.0))          # coordinates ("x", "y")
    >>> pts = box.sample_boundary(jax.random.key(0), 100)
    >>> box.coords, pts.shape
    (('x', 'y'), (100, 2))
    >>> bool(jnp.any(jnp.isclose(pts, 0.0) | jnp.isclose(pts, jnp.array([1.0, 2.0])), axis=1).all())
    True
    """

    coords: tuple[str, ...]
    lo: tuple[float, ...]
    hi: tuple[float, ...]

    def __init__(self, lo, hi, coords: tuple[str, ...] | None = None):
        d = len(np.atleast_1d(lo))
        if coords is None:
            coords = ("x", "y", "z", "w")[:d] if d <= 4 else tuple(f"x{i}" for i in range(d))
        self.coords = tuple(coords)
        self.lo, self.hi = _check_bounds("Box", self.coords, lo, hi)

    def sample_boundary(
        self,
        key: PRNGKeyArray,
        n: int,
        sampler: AbstractSampler = _DEFAULT_SAMPLER,
        *,
        dtype=jnp.float32,
    ) -> Float[Array, "n d"]:
        """`n` points on the boundary; faces are chosen in proportion to their area."""
        k1, k2 = jax.random.split(key)
        return self.to_boundary(k2, self.sample_interior(k1, n, sampler, dtype=dtype))

    def to_boundary(self, key: PRNGKeyArray, points: Float[Array, "n d"]) -> Float[Array, "n d"]:
        """Move each point onto a random face by pinning one coordinate to `lo` or `hi`."""
        lo, hi = np.asarray(self.lo), np.asarray(self.hi)
        widths = hi - lo
        d = len(lo)
        face_area = np.array([np.prod(np.delete(widths, i)) for i in range(d)]) if d > 1 else np.ones(1)
        p = np.repeat(face_area / face_area.sum() / 2, 2)  # (lo face, hi face) per axis
        n = points.shape[0]
        face = jax.random.choice(key, 2 * d, (n,), p=jnp.asarray(p))
        axis, side = face // 2, face % 2
        value = jnp.where(side == 0, jnp.asarray(lo)[axis], jnp.asarray(hi)[axis]).astype(points.dtype)
        onehot = jax.nn.one_hot(axis, d, dtype=bool)
        return jnp.where(onehot, value[:, None], points)


def Interval(lo: float, hi: float, coord: str = "x") -> Box:
    """The 1-d domain $[lo, hi]$ (a `Box` with one axis) of coordinate `coord`.

    **Arguments:**

    - `lo`, `hi`: the ends of the interval, `lo < hi`.
    - `coord`: the coordinate name.

    **Returns:** a one-axis `Box`.

    **Example:**

    >>> dom = Interval(0.0, 1.0, "t")
    >>> dom.coords, dom.dim
    (('t',), 1)
    """
    return Box((lo,), (hi,), (coord,))


class TimeXSpace(AbstractDomain):
    r"""The space-time cylinder $[t_0, t_1] \times \Omega$; points are `(t, x, ...)`.

    Time is always the first coordinate. Besides interior and (lateral) boundary points
    it samples the initial slice $t = t_0$.

    **Arguments:**

    - `space`: the spatial `Box` $\Omega$ (no coordinate named `"t"`).
    - `t0`, `t1`: the time interval, `t0 < t1`.

    **Example:**

    >>> dom = TimeXSpace(Interval(-1.0, 1.0), 0.0, 1.0)
    >>> dom.coords
    ('t', 'x')
    >>> dom.sample_initial(jax.random.key(0), 5)[:, 0]
    Array([0., 0., 0., 0., 0.], dtype=float32)
    """

    space: Box
    t0: float
    t1: float
    coords: tuple[str, ...]
    lo: tuple[float, ...]
    hi: tuple[float, ...]

    def __init__(self, space: Box, t0: float, t1: float):
        if "t" in space.coords:
            raise ValueError("the spatial domain may not have a coordinate named 't'.")
        (self.t0,), (self.t1,) = _check_bounds("time interval", ("t",), t0, t1)
        self.space = space
        self.coords = ("t",) + space.coords
        self.lo = (self.t0,) + space.lo
        self.hi = (self.t1,) + space.hi

    def sample_initial(
        self,
        key: PRNGKeyArray,
        n: int,
        sampler: AbstractSampler = _DEFAULT_SAMPLER,
        *,
        dtype=jnp.float32,
    ) -> Float[Array, "n d"]:
        """`n` points on the initial slice `t = t0`."""
        x = self.space.sample_interior(key, n, sampler, dtype=dtype)
        return jnp.concatenate([jnp.full((n, 1), self.t0, dtype), x], axis=1)

    def sample_boundary(
        self,
        key: PRNGKeyArray,
        n: int,
        sampler: AbstractSampler = _DEFAULT_SAMPLER,
        *,
        dtype=jnp.float32,
    ) -> Float[Array, "n d"]:
        """`n` points on the lateral boundary `[t0, t1] x boundary(space)`."""
        k1, k2 = jax.random.split(key)
        pts = self.sample_interior(k1, n, sampler, dtype=dtype)
        return jnp.concatenate([pts[:, :1], self.space.to_boundary(k2, pts[:, 1:])], axis=1)
