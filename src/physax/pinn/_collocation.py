"""Where the residuals are enforced: collocation points and their (adaptive) resampling."""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import Array, PRNGKeyArray

from ..geometry import AbstractSampler, LatinHypercube, Uniform
from ..problems import AbstractProblem


class ResidualAdaptive(eqx.Module):
    r"""Residual-based adaptive distribution, RAD (Wu, Zhu, Tan, Kartha & Lu 2023).

    Interior points are redrawn from a uniform candidate pool `pool` times larger, each
    candidate chosen (without replacement) with probability

    $$p(x) \propto \frac{|r(x)|^k}{\mathrm{mean}\,|r|^k} + c,$$

    so that points concentrate where the PDE residual is large (e.g. near a shock) while
    $c$ keeps a uniform share.

    **Arguments:**

    - `k`: the exponent $k \ge 0$ of the residual.
    - `c`: the uniform share $c \ge 0$.
    - `pool`: candidates per point to draw.

    **Example:**

    >>> # with c = 0 the points gather where the residual peaks (at x = 0)
    >>> rad = ResidualAdaptive(k=2.0, c=0.0)
    >>> candidates = jnp.linspace(-1.0, 1.0, 201)[:, None]
    >>> residual = jnp.exp(-100 * candidates[:, 0] ** 2)
    >>> chosen = rad.choose(jax.random.key(0), candidates, residual, 20)
    >>> chosen.shape, bool(jnp.abs(chosen).max() < 0.2)
    ((20, 1), True)

    Use it as `Collocation(resample_every=500, adaptive=ResidualAdaptive())`.
    """

    k: float = 1.0
    c: float = 1.0
    pool: int = 4

    def __check_init__(self):
        if self.k < 0 or self.c < 0 or self.pool < 1:
            raise ValueError("ResidualAdaptive needs k >= 0, c >= 0 and pool >= 1.")

    def choose(self, key: PRNGKeyArray, candidates: Array, residual: Array, n: int) -> Array:
        r = jnp.abs(residual) ** self.k
        p = r / jnp.maximum(jnp.mean(r), jnp.finfo(r.dtype).tiny) + self.c
        idx = jax.random.choice(key, candidates.shape[0], (n,), replace=False, p=p / jnp.sum(p))
        return candidates[idx]


class Collocation(eqx.Module):
    """Numbers of points per region, the sampler, and how often to redraw the interior.

    **Arguments:**

    - `n_interior`, `n_boundary`, `n_initial`: points per region (regions a problem has no
      condition on are not sampled).
    - `sampler`: how points are placed (Latin hypercube by default).
    - `resample_every`: redraw interior points every this many Adam steps (0: never).
    - `adaptive`: a `ResidualAdaptive` rule for redraws (default: plain redraws).
    - `lbfgs_resample_every`: redraw every this many L-BFGS iterations too (0: never); each
      redraw restarts L-BFGS, whose curvature pairs belong to the old objective (a dense
      quasi-Newton phase with `keep_curvature=True` carries its inverse Hessian over instead).

    **Example:**

    >>> batch = Collocation(n_interior=64, n_boundary=16, n_initial=8).sample(Heat1D(), jax.random.key(0))
    >>> {region: points.shape for region, points in sorted(batch.items())}
    {'boundary': (16, 2), 'initial': (8, 2), 'interior': (64, 2)}
    """

    n_interior: int = 10_000
    n_boundary: int = 256
    n_initial: int = 256
    sampler: AbstractSampler = LatinHypercube()
    resample_every: int = 0
    adaptive: ResidualAdaptive | None = None
    lbfgs_resample_every: int = 0

    def __check_init__(self):
        if self.n_interior < 1 or min(self.n_boundary, self.n_initial) < 0:
            raise ValueError("collocation needs n_interior >= 1 and n_boundary, n_initial >= 0.")
        if self.resample_every < 0 or self.lbfgs_resample_every < 0:
            raise ValueError("resample_every and lbfgs_resample_every must be >= 0.")

    def sample(
        self,
        problem: AbstractProblem,
        key: PRNGKeyArray,
        dtype=jnp.float32,
        skip: frozenset[str] = frozenset(),
    ) -> dict[str, Array]:
        """Initial points for every region the problem's conditions (less `skip`) use."""
        dom = problem.domain
        regions = {"interior"} | {c.region for k, c in problem.conditions().items() if k not in skip}
        keys = dict(zip(("interior", "boundary", "initial"), jax.random.split(key, 3)))
        batch = {
            "interior": dom.sample_interior(keys["interior"], self.n_interior, self.sampler, dtype=dtype)
        }
        for region in regions - {"interior"}:
            if getattr(self, f"n_{region}") < 1:
                raise ValueError(f"{problem.name} has a condition on the {region}; n_{region} must be >= 1.")
        if "boundary" in regions:
            batch["boundary"] = dom.sample_boundary(
                keys["boundary"], self.n_boundary, self.sampler, dtype=dtype
            )
        if "initial" in regions:
            if not hasattr(dom, "sample_initial"):
                raise ValueError(f"{problem.name} has an initial condition but its domain has no time axis.")
            batch["initial"] = dom.sample_initial(keys["initial"], self.n_initial, self.sampler, dtype=dtype)
        return batch

    def candidates(self, problem: AbstractProblem, key: PRNGKeyArray, dtype) -> Array:
        """A fresh interior draw (the RAD candidate pool when adaptive)."""
        n = self.n_interior * (self.adaptive.pool if self.adaptive is not None else 1)
        sampler = Uniform() if self.adaptive is not None else self.sampler
        if not sampler.jittable:
            sampler = LatinHypercube()
        return problem.domain.sample_interior(key, n, sampler, dtype=dtype)
