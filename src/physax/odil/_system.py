"""The discrete ODIL system: unknowns (grid values + unknown parameters) and residual groups."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array

from ..problems import AbstractProblem, Observations
from ._field import (
    boundary_mask,
    crank_nicolson_rows,
    evaluate_crank_nicolson,
    evaluate_nodes,
    initial_mask,
    interior_mask,
    node_rows,
    time_orders,
)
from ._grid import Grid, cell_weights, interpolate


class Group:
    """One named block of residual rows (``pde``, a condition, ``data``, ``smooth``)."""

    def __init__(self, name: str, evaluate, centres: np.ndarray, weight: float):
        self.name, self.evaluate, self.centres, self.weight = name, evaluate, centres, float(weight)


class System:
    """Everything `solve` needs about the discretised problem (built once, outside `jit`).

    The unknown vector is ``x = [u.ravel(), raw parameters]`` with ``u`` of shape
    ``grid.shape`` (scalar field) or ``(channels, *grid.shape)``; the scaled residual
    vector stacks ``sqrt(w_g / m_g) r_g`` per group so that ``|r|^2`` is the weighted sum of
    the groups' mean squares (the loss recorded in the history).
    """

    def __init__(
        self,
        problem: AbstractProblem,
        grid: Grid,
        *,
        observations: Observations | None,
        weights: dict[str, float],
        conditions: tuple[str, ...] | None,
        smoothing: float,
    ):
        self.problem, self.grid = problem, grid
        size = problem.output_size
        self.channels = 1 if size == "scalar" else int(size)
        self.lead = 0 if size == "scalar" else 1
        self.names = tuple(problem.unknowns)
        self.n_grid = self.channels * grid.size
        self.n = self.n_grid + len(self.names)
        probe = problem.resolve(problem.init_theta(jnp.float64))
        all_conditions = problem.conditions()
        if conditions is None:
            conditions = tuple(all_conditions)
        for c in conditions:
            if c not in all_conditions:
                raise ValueError(f"no condition '{c}'; {problem.name} has {sorted(all_conditions)}.")
        groups: list[Group] = []
        w = lambda name: weights.get(name, 1.0)  # noqa: E731
        if grid.time_dependent and time_orders(problem.residual, grid, probe, self.lead, self.channels) <= 1:
            rows, ev = crank_nicolson_rows(grid), evaluate_crank_nicolson
        else:
            rows, ev = node_rows(grid, interior_mask(grid, skip_time=True)), evaluate_nodes
        groups.append(self._group("pde", problem.residual, rows, ev, w("pde")))
        has_initial = any(all_conditions[c].region == "initial" for c in conditions)
        for name in conditions:
            cond = all_conditions[name]
            if cond.region == "initial":
                if not grid.time_dependent:
                    raise ValueError(f"condition '{name}' is initial but the domain has no time axis.")
                mask = initial_mask(grid)
            elif cond.region == "boundary":
                mask = boundary_mask(grid, first_level=1 if has_initial else 0)
            else:
                mask = interior_mask(grid, skip_time=True)
            if mask.any():
                groups.append(
                    self._group(name, cond.residual, node_rows(grid, mask), evaluate_nodes, w(name))
                )
        if observations is not None:
            groups.append(self._data(observations, w("data")))
        if smoothing > 0:
            groups.append(self._smoothing(smoothing, first_level=grid.time_dependent and not has_initial))
        self.groups = groups
        self.sizes = [len(g.centres) for g in groups]
        self.m = int(sum(self.sizes))
        self.centres = np.concatenate([g.centres for g in groups])

    # --- construction ----------------------------------------------------------------
    def _group(self, name, fn, rows, ev, weight) -> Group:
        grid, lead, problem = self.grid, self.lead, self.problem

        def evaluate(u, params):
            return ev(fn, grid, rows, u, lead, params)

        u0 = jax.ShapeDtypeStruct(((self.channels,) if lead else ()) + grid.shape, jnp.float64)
        params = problem.resolve(problem.init_theta(jnp.float64))
        out = jax.eval_shape(lambda u: evaluate(u, params), u0)
        k = out.shape[0] // rows.size
        return Group(name, evaluate, np.tile(rows.centres, (k, 1)), weight)

    def _data(self, obs: Observations, weight: float) -> Group:
        grid = self.grid
        pts = np.asarray(obs.points, np.float64)
        vals = np.asarray(obs.values, np.float64)
        lower, _, _ = cell_weights(grid, jnp.asarray(pts))
        lower = np.asarray(lower)
        k = 1 if vals.ndim == 1 else vals.shape[1]
        if k != self.channels:
            raise ValueError(f"observations have {k} components but the field has {self.channels}.")

        def evaluate(u, params):
            return (interpolate(grid, u, jnp.asarray(pts, u.dtype)) - jnp.asarray(vals, u.dtype)).reshape(-1)

        return Group("data", evaluate, np.repeat(lower, k, axis=0), weight)

    def _smoothing(self, weight: float, *, first_level: bool) -> Group:
        """Tikhonov rows ``h^2 u_xx`` on interior spatial nodes (ill-posed problems).

        With `first_level` (a time-dependent problem without its initial condition) only on
        the first time level: the PDE and the boundary conditions determine every later
        level from it, so the unknown initial state is the only part left undetermined,
        and smoothing the later levels would only bias the solution.
        """
        grid, lead = self.grid, self.lead
        spatial = [c for c in grid.coords if c != "t" or not grid.time_dependent]
        mask = interior_mask(grid, skip_time=False)
        if first_level:
            mask[1:] = False
        rows = node_rows(grid, mask)

        def fn(u, params):
            return sum(grid.spacing[grid.coords.index(c)] ** 2 * u.d(c, c) for c in spatial)

        def evaluate(u, params):
            return evaluate_nodes(fn, grid, rows, u, lead, params)

        return Group("smooth", evaluate, np.tile(rows.centres, (self.channels, 1)), weight)

    # --- evaluation ------------------------------------------------------------------
    def unpack(self, x: Array) -> tuple[Array, dict[str, Array]]:
        shape = ((self.channels,) if self.lead else ()) + self.grid.shape
        u = x[: self.n_grid].reshape(shape)
        theta = {k: x[self.n_grid + i] for i, k in enumerate(self.names)}
        return u, theta

    def pack(self, u: Array, theta: dict[str, Array]) -> Array:
        extra = jnp.stack([jnp.asarray(theta[k], u.dtype) for k in self.names]) if self.names else None
        return u.reshape(-1) if extra is None else jnp.concatenate([u.reshape(-1), extra])

    def groups_of(self, x: Array) -> dict[str, Array]:
        """Unscaled residual vector of every group."""
        u, theta = self.unpack(x)
        params = self.problem.resolve(theta)
        return {g.name: g.evaluate(u, params) for g in self.groups}

    def residual(self, x: Array) -> Array:
        """The scaled residual vector (``|r|^2`` is the loss)."""
        parts = self.groups_of(x)
        return jnp.concatenate(
            [jnp.sqrt(g.weight / n) * parts[g.name] for g, n in zip(self.groups, self.sizes)]
        )

    def terms(self, x: Array) -> dict[str, Array]:
        """Weighted mean-square of each group (the loss terms of the history)."""
        parts = self.groups_of(x)
        return {g.name: g.weight * jnp.mean(parts[g.name] ** 2) for g in self.groups}
