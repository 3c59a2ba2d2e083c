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
    """`fn(Field, params)` at every point (vmapped), for the field `model`.

    **Arguments:**

    - `problem`: the PDE problem (for its coordinate names).
    - `model`: the field network (one point in, value out).
    - `fn`: a residual, e.g. `problem.residual` or a condition's `residual`.
    - `points`: `(n, d)` points.
    - `params`: the PDE parameters (`problem.resolve(theta)`).

    **Returns:** the residual at every point, `(n, ...)`.

    **Example:**

    >>> # where the PDE residual of an untrained network is largest
    >>> heat = problems.Heat1D()
    >>> net = nn.MLP(2, "scalar", 8, 2, key=jax.random.key(0))
    >>> batch = Collocation(64, 16, 16).sample(heat, jax.random.key(1))
    >>> r = pointwise_residual(heat, net, heat.residual, batch["interior"], heat.resolve({}))
    >>> r.shape
    (64,)
    """
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
    causal_weights: Array | None = None,
) -> dict[str, Array]:
    r"""Named loss terms: `"pde"`, one per condition (unless in `skip`) and `"data"`.

    Each term is a mean squared residual, $L_k = \frac{1}{n_k}\sum_i |r_k(x_i)|^2$ (the PDE
    term causally weighted in time with `causal`); `weighted_total` sums them.

    **Arguments:**

    - `problem`: the PDE problem.
    - `model`: the field network (one point in, value out).
    - `theta`: optimiser coordinates of the unknown parameters.
    - `batch`: points by region (`"interior"`, `"boundary"`, `"initial"`).
    - `data`: `(points, values)` observations, if any.
    - `skip`: condition names satisfied exactly (hard constraints) and left out.
    - `causal`: weight the PDE residual causally in time (`CausalWeighting`).
    - `causal_weights`: fixed slab weights for `causal` (`None`: from the residuals themselves).

    **Returns:** `{term: scalar}`.

    **Example:**

    >>> heat = problems.Heat1D()
    >>> net = nn.MLP(2, "scalar", 8, 2, key=jax.random.key(0))
    >>> batch = Collocation(64, 16, 16).sample(heat, jax.random.key(1))
    >>> terms = loss_terms(heat, net, {}, batch)
    >>> sorted(terms), float(weighted_total(terms, {"ic": 10.0})) > 0
    (['bc', 'ic', 'pde'], True)
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
        terms = {"pde": causal(r2, pts[:, a], problem.domain.lo[a], problem.domain.hi[a], causal_weights)}
    for name, cond in problem.conditions().items():
        if name not in skip:
            terms[name] = sq(pointwise_residual(problem, model, cond.residual, batch[cond.region], params))
    if data is not None:
        pts, vals = data
        terms["data"] = sq(jax.vmap(model)(pts) - vals)
    return terms


def weighted_total(terms: dict[str, Array], weights: dict[str, float]) -> Array:
    r"""The total loss $\sum_k w_k L_k$; terms without a weight count with weight 1.

    **Arguments:**

    - `terms`: `{name: L_k}`, e.g. from `loss_terms`.
    - `weights`: `{name: w_k}`.

    **Returns:** the weighted sum.

    **Example:**

    >>> float(weighted_total({"pde": jnp.array(2.0), "ic": jnp.array(1.0)}, {"ic": 10.0}))
    12.0
    """
    return sum(weights.get(k, 1.0) * v for k, v in terms.items())


def _real(r: Array) -> Array:
    """One point's residual as a flat real vector (real parts, then imaginary parts)."""
    r = jnp.ravel(r)
    return jnp.concatenate([r.real, r.imag]) if jnp.iscomplexobj(r) else r


def _blocks(problem: AbstractProblem, skip: frozenset[str]):
    yield "pde", problem.residual, "interior"
    for name, cond in problem.conditions().items():
        if name not in skip:
            yield name, cond.residual, cond.region


def residual_vector(
    problem: AbstractProblem,
    model: Callable,
    theta: dict[str, Array],
    batch: dict[str, Array],
    data: tuple[Array, Array] | None,
    skip: frozenset[str],
    weights: dict,
) -> Array:
    r"""Every residual stacked into one real vector $r$ with $\tfrac12 \|r\|^2$ the weighted loss.

    Term $k$ ($n_k$ residual entries, weight $w_k$) enters scaled by $\sqrt{2 w_k / n_k}$,
    point by point (complex residuals as real then imaginary part), in the order of
    `loss_terms`. This is the least-squares form `physax.optim.LevenbergMarquardt`
    works on. Causal weighting has no such form and is not supported here.

    **Arguments:** as `loss_terms` (`data`, `skip` and `weights` are required here).

    **Returns:** the vector $r$, `(m,)`.

    **Example:**

    >>> # half its squared norm is the loss
    >>> heat = problems.Heat1D()
    >>> net = nn.MLP(2, "scalar", 8, 2, key=jax.random.key(0))
    >>> batch = Collocation(64, 16, 16).sample(heat, jax.random.key(1))
    >>> r = residual_vector(heat, net, {}, batch, None, frozenset(), {})
    >>> r.shape, bool(jnp.isclose(0.5 * r @ r, weighted_total(loss_terms(heat, net, {}, batch), {})))
    ((96,), True)
    """
    params = problem.resolve(theta)
    parts = []
    for name, fn, region in _blocks(problem, skip):
        r = pointwise_residual(problem, model, fn, batch[region], params)
        parts.append(jnp.sqrt(2.0 * weights.get(name, 1.0) / r.size) * jax.vmap(_real)(r).ravel())
    if data is not None:
        r = jax.vmap(model)(data[0]) - data[1]
        parts.append(jnp.sqrt(2.0 * weights.get("data", 1.0) / r.size) * jax.vmap(_real)(r).ravel())
    return jnp.concatenate(parts)


def residual_jacobian(
    problem: AbstractProblem,
    make_model: Callable,
    flat: Array,
    unravel: Callable,
    batch: dict[str, Array],
    data: tuple[Array, Array] | None,
    skip: frozenset[str],
    weights: dict,
) -> Array:
    """The Jacobian of `residual_vector` w.r.t. the flat parameters, `(m, n)`.

    Built one point at a time (`vmap` of a reverse-mode Jacobian of that point's few
    residual entries): the cost is that of one batched gradient plus writing `J`, where
    differentiating the stacked vector directly would cost `m` (or `n`) passes.
    `make_model(params) -> (model, theta)`.
    """
    coords = problem.domain.coords

    def point_jac(fn, z):
        def f(x):
            model, theta = make_model(unravel(x))
            return _real(evaluate(fn, model, z, coords, problem.resolve(theta)))

        return jax.jacrev(f)(flat)

    def data_jac(z, y):
        return jax.jacrev(lambda x: _real(make_model(unravel(x))[0](z) - y))(flat)

    rows = []
    for name, fn, region in _blocks(problem, skip):
        pts = batch[region]
        J = jax.vmap(lambda z, fn=fn: point_jac(fn, z))(pts)
        n_entries = (
            J.shape[0]
            * J.shape[1]
            // (2 if _is_complex(problem, fn, make_model, unravel(flat), pts, coords) else 1)
        )
        rows.append(jnp.sqrt(2.0 * weights.get(name, 1.0) / n_entries) * J.reshape(-1, flat.shape[0]))
    if data is not None:
        J = jax.vmap(data_jac)(*data)
        complex_data = jnp.iscomplexobj(data[1])
        n_entries = J.shape[0] * J.shape[1] // (2 if complex_data else 1)
        rows.append(jnp.sqrt(2.0 * weights.get("data", 1.0) / n_entries) * J.reshape(-1, flat.shape[0]))
    return jnp.concatenate(rows)


def _is_complex(problem, fn, make_model, params, pts, coords) -> bool:
    model, theta = make_model(params)
    out = jax.eval_shape(lambda z: evaluate(fn, model, z, coords, problem.resolve(theta)), pts[0])
    return jnp.issubdtype(out.dtype, jnp.complexfloating)
