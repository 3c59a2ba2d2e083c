"""The PINN loss: mean squared residuals of the PDE, the conditions and the data."""

from __future__ import annotations

from collections.abc import Callable

import jax
import jax.numpy as jnp
from jaxtyping import Array

from ..problems import AbstractProblem
from ._causal import CausalWeighting
from ._field import evaluate


def pointwise_residual(
    problem: AbstractProblem, model: Callable, fn: Callable, points: Array, params
) -> Array:
    """``fn(Field, params)`` at every point (vmapped), for the field ``model``."""
    coords = problem.domain.coords
    return jax.vmap(lambda z: evaluate(fn, model, z, coords, params))(points)


def loss_terms(
    problem: AbstractProblem,
    model: Callable,
    theta: dict[str, Array],
    batch: dict[str, Array],
    data: tuple[Array, Array] | None = None,
    skip: frozenset[str] = frozenset(),
    causal: CausalWeighting | None = None,
) -> dict[str, Array]:
    """Named loss terms: ``"pde"``, one per condition (unless in ``skip``) and ``"data"``.

    Arguments:
        problem: the PDE problem.
        model: the field network (one point in, value out).
        theta: optimiser coordinates of the unknown parameters.
        batch: points by region (``"interior"``, ``"boundary"``, ``"initial"``).
        data: ``(points, values)`` observations, if any.
        skip: condition names satisfied exactly (hard constraints) and left out.
        causal: weight the PDE residual causally in time (:class:`CausalWeighting`).
    """
    params = problem.resolve(theta)
    sq = lambda r: jnp.mean(jnp.abs(r) ** 2)
    pts = batch["interior"]
    res = pointwise_residual(problem, model, problem.residual, pts, params)
    if causal is None:
        terms = {"pde": sq(res)}
    else:
        if "t" not in problem.domain.coords:
            raise ValueError(f"causal training needs a time coordinate 't'; {problem.name} has none.")
        a = problem.domain.coords.index("t")
        r2 = jnp.mean(jnp.abs(res.reshape(len(pts), -1)) ** 2, axis=1)
        terms = {"pde": causal(r2, pts[:, a], problem.domain.lo[a], problem.domain.hi[a])}
    for name, cond in problem.conditions().items():
        if name not in skip:
            terms[name] = sq(pointwise_residual(problem, model, cond.residual, batch[cond.region], params))
    if data is not None:
        pts, vals = data
        terms["data"] = sq(jax.vmap(model)(pts) - vals)
    return terms


def weighted_total(terms: dict[str, Array], weights: dict[str, float]) -> Array:
    """The total loss ``sum_k w_k L_k``; terms without a weight count with weight 1.

    Example:
        >>> float(weighted_total({"pde": jnp.array(2.0), "ic": jnp.array(1.0)}, {"ic": 10.0}))
        12.0
    """
    return sum(weights.get(k, 1.0) * v for k, v in terms.items())
