"""Point samplers on an axis-aligned box: grid, uniform, Latin hypercube, Sobol.

Every sampler maps `(key, lo, hi, n)` to an `(n, d)` array of points in the box
`[lo, hi]`. All randomness comes from the explicit `key`; the same key gives the
same points.
"""

from __future__ import annotations

import abc
import math
from typing import ClassVar

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float, PRNGKeyArray


class AbstractSampler(eqx.Module):
    """Draws `n` points in a box; `jittable` says whether it may run inside `jax.jit`.

    A sampler is called as `sampler(key, lo, hi, n, dtype=...)` and returns an `(n, d)`
    array of points in $[lo, hi]$. Domains take one as their `sampler` argument.

    **Example:**

    >>> samplers = [Uniform(), LatinHypercube(), Sobol(), Grid()]
    >>> [s(jax.random.key(0), jnp.zeros(2), jnp.ones(2), 16).shape for s in samplers]
    [(16, 2), (16, 2), (16, 2), (16, 2)]
    >>> [s.jittable for s in samplers]
    [True, True, False, True]
    """

    jittable: ClassVar[bool] = True

    @abc.abstractmethod
    def __call__(
        self,
        key: PRNGKeyArray,
        lo: Float[Array, " d"],
        hi: Float[Array, " d"],
        n: int,
        *,
        dtype=jnp.float32,
    ) -> Float[Array, "n d"]:
        """Return `n` points in `[lo, hi]`."""


class Uniform(AbstractSampler):
    """Independent uniform points in the box.

    **Example:**

    >>> pts = Uniform()(jax.random.key(0), jnp.array([0.0, -1.0]), jnp.array([1.0, 1.0]), 1000)
    >>> pts.shape, bool(pts[:, 1].min() >= -1.0), bool(pts[:, 1].max() <= 1.0)
    ((1000, 2), True, True)
    """

    jittable: ClassVar[bool] = True

    def __call__(self, key, lo, hi, n, *, dtype=jnp.float32):
        lo, hi = jnp.asarray(lo, dtype), jnp.asarray(hi, dtype)
        u = jax.random.uniform(key, (n, lo.shape[0]), dtype)
        return lo + (hi - lo) * u


class LatinHypercube(AbstractSampler):
    """Latin hypercube sampling (McKay, Beckman & Conover 1979).

    Each axis is cut into `n` equal strata and every stratum holds exactly one point;
    the strata are matched across axes by independent random permutations.

    **Example:**

    >>> pts = LatinHypercube()(jax.random.key(0), jnp.zeros(2), jnp.ones(2), 8)
    >>> np.sort(np.floor(8 * np.asarray(pts[:, 0])))     # one point per stratum
    array([0., 1., 2., 3., 4., 5., 6., 7.], dtype=float32)
    """

    jittable: ClassVar[bool] = True

    def __call__(self, key, lo, hi, n, *, dtype=jnp.float32):
        lo, hi = jnp.asarray(lo, dtype), jnp.asarray(hi, dtype)
        d = lo.shape[0]
        kperm, kjit = jax.random.split(key)
        perms = jax.vmap(lambda k: jax.random.permutation(k, n))(jax.random.split(kperm, d)).T
        u = (perms.astype(dtype) + jax.random.uniform(kjit, (n, d), dtype)) / n
        return lo + (hi - lo) * u


class Sobol(AbstractSampler):
    """Scrambled Sobol' low-discrepancy points (Owen scrambling, via `scipy.stats.qmc`).

    Runs on the host (not jittable); the scrambling seed is drawn from `key`.
    `n` that is a power of two keeps the balance properties of the sequence.

    **Example:**

    >>> pts = Sobol()(jax.random.key(0), jnp.zeros(2), jnp.ones(2), 64)
    >>> pts.shape, Sobol.jittable
    ((64, 2), False)
    """

    jittable: ClassVar[bool] = False

    def __call__(self, key, lo, hi, n, *, dtype=jnp.float32):
        from scipy.stats import qmc

        lo, hi = np.asarray(lo, np.float64), np.asarray(hi, np.float64)
        seed = int(jax.random.randint(key, (), 0, 2**31 - 1))
        engine = qmc.Sobol(d=lo.shape[0], scramble=True, seed=seed)
        m = math.ceil(math.log2(max(n, 1)))
        u = engine.random_base2(m)[:n]
        return jnp.asarray(lo + (hi - lo) * u, dtype)


class Grid(AbstractSampler):
    """A tensor-product grid including the box's edges.

    With `shape` unset, about $n^{1/d}$ points per axis are used (at least 2), so
    the number of returned points can differ slightly from `n`. `key` is ignored.

    **Arguments:**

    - `shape`: points per axis, or `None` to derive it from `n`.

    **Example:**

    >>> Grid()(jax.random.key(0), jnp.zeros(2), jnp.ones(2), 10).shape   # 3 x 3
    (9, 2)
    >>> Grid(shape=(2, 3))(None, jnp.zeros(2), jnp.ones(2), 0)[:3]
    Array([[0. , 0. ],
           [0. , 0.5],
           [0. , 1. ]], dtype=float32)
    """

    shape: tuple[int, ...] | None = None
    jittable: ClassVar[bool] = True

    def __call__(self, key, lo, hi, n, *, dtype=jnp.float32):
        lo, hi = np.asarray(lo, np.float64), np.asarray(hi, np.float64)
        d = lo.shape[0]
        shape = self.shape or (max(2, round(n ** (1.0 / d))),) * d
        if len(shape) != d:
            raise ValueError(f"Grid shape {shape} has {len(shape)} axes but the box has {d}.")
        axes = [np.linspace(lo[i], hi[i], shape[i]) for i in range(d)]
        mesh = np.meshgrid(*axes, indexing="ij")
        return jnp.asarray(np.stack([m.ravel() for m in mesh], axis=-1), dtype)
