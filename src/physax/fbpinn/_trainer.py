"""The compiled FBPINN training chunk: loss terms, the active-network gather/scatter, stage data.

Only active subdomain networks (and unknown PDE parameters) are optimised: their arrays
are gathered into a smaller pytree that owns the gradients and the Adam state, and
scattered back into the stacked networks inside the loss. The compiled chunk takes the
active index list, the points and the pair lists as arrays, so it compiles once per
distinct active set (shapes), never per step.
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optax

from ..optim import Adam
from ..pinn import weighted_total
from ..problems import AbstractProblem
from ._model import FBPINN, precision
from ._pairs import Pairs, build_pairs, covered_points
from ._residual import residuals
from ._scheduler import Stage


class FBPINNTrainer(eqx.Module):
    """The static parts of an FBPINN run: problem, Adam settings, loss weights, skipped conditions.

    `fit` builds one; its `terms` method gives the loss terms (mean squared PDE and condition
    residuals, and the data misfit) of a model on a batch of points with their pair lists.

    **Fields:**

    - `problem`: the PDE problem.
    - `adam`: the Adam settings (the step count is not part of the compiled update).
    - `weights`: loss weights by term name (1 if absent).
    - `skip`: condition names left out (those a hard constraint enforces).

    **Example:**

    >>> cosine = problems.CosineODE(omega=15.0)
    >>> model = FBPINN(uniform(cosine.domain, 8), lambda k: nn.MLP(1, "scalar", 8, 1, key=k),
    ...                key=jax.random.key(0))
    >>> trainer = FBPINNTrainer(cosine, Adam(steps=0), {}, frozenset())
    >>> batch = Collocation(n_interior=64, n_boundary=2).sample(cosine, jax.random.key(1), jnp.float32)
    >>> pairs = {region: build_pairs(model.decomposition, pts) for region, pts in batch.items()}
    >>> terms = eqx.filter_jit(trainer.terms)(model, {}, batch, pairs)
    >>> sorted(terms), bool(terms["pde"] > 0)
    (['bc', 'pde'], True)
    """

    problem: AbstractProblem
    adam: Adam
    weights: dict[str, float]
    skip: frozenset[str] = eqx.field(static=True)

    def terms(self, model: FBPINN, theta, batch, pairs, values=None) -> dict:
        """Mean squared PDE and condition residuals, and the data misfit at `batch["data"]`."""
        params = self.problem.resolve(theta)
        coords = self.problem.domain.coords
        sq = lambda r: jnp.mean(jnp.abs(r) ** 2)

        def res(fn, region):
            pts, pr = batch[region], pairs[region]
            return sq(residuals(fn, lambda d, p: model.jets(pts, pr, d, p), pts, coords, params))

        out = {"pde": res(self.problem.residual, "interior")}
        for name, cond in self.problem.conditions().items():
            if name not in self.skip:
                out[name] = res(cond.residual, cond.region) if cond.region in batch else jnp.zeros(())
        if values is not None:
            out["data"] = sq(model.values(batch["data"], pairs["data"]) - values)
        return out


def _with_active(model: FBPINN, train_nets, active):
    arrays, static = eqx.partition(model.nets, eqx.is_inexact_array)
    full = jax.tree.map(lambda a, t: a.at[active].set(t), arrays, train_nets)
    return eqx.tree_at(lambda m: m.nets, model, eqx.combine(full, static))


def _gather(model: FBPINN, active):
    arrays, _ = eqx.partition(model.nets, eqx.is_inexact_array)
    return jax.tree.map(lambda a: a[active], arrays)


_with_active_jit = eqx.filter_jit(_with_active)
_gather_jit = eqx.filter_jit(_gather)


@eqx.filter_jit
def _adam_chunk(trainer: FBPINNTrainer, train, model, opt_state, batch, pairs, active, n, values=None):
    opt = trainer.adam.build()

    def objective(p):
        terms = trainer.terms(_with_active(model, p[0], active), p[1], batch, pairs, values)
        return weighted_total(terms, trainer.weights), terms

    def step(_, carry):
        p, s, _ = carry
        (_, terms), g = jax.value_and_grad(objective, has_aux=True)(p)
        updates, s = opt.update(g, s, p)
        return optax.apply_updates(p, updates), s, terms

    zero = jax.tree.map(lambda x: jnp.zeros(x.shape, x.dtype), jax.eval_shape(objective, train)[1])
    return jax.lax.fori_loop(0, n, step, (train, opt_state, zero))


@eqx.filter_jit
def _values(model, points, pairs: Pairs):
    return model.values(points, pairs)


def predict(model: FBPINN, points, pairs: Pairs | None = None):
    """$u$ at `points` `(n, d)` by pair evaluation (compiled), in the model's precision.

    Works for `FBPINN` and `ELMFBPINN` (a float64 model is evaluated with 64-bit JAX
    enabled for the call).

    **Arguments:**

    - `model`: an `FBPINN` or `ELMFBPINN`.
    - `points`: `(n, d)` points.
    - `pairs`: from `build_pairs` (built here if omitted; pass them when evaluating the
      same points repeatedly).

    **Returns:** the values, shape `(n,)`.

    **Example:**

    >>> # the windows form a partition of unity: if every subdomain network is the constant 3, so is the
    >>> # FBPINN
    >>> model = FBPINN(uniform(Interval(0.0, 1.0), 5), lambda k: nn.MLP(1, "scalar", 8, 1, key=k),
    ...                key=jax.random.key(0))
    >>> w, b = model.nets.weights[-1], model.nets.biases[-1]
    >>> model = eqx.tree_at(lambda m: (m.nets.weights[-1], m.nets.biases[-1]), model,
    ...                     (jnp.zeros_like(w), jnp.full_like(b, 3.0)))
    >>> predict(model, jnp.linspace(0.0, 1.0, 7)[:, None]).round(5).tolist()
    [3.0, 3.0, 3.0, 3.0, 3.0, 3.0, 3.0]
    """
    dtype = model.centres.dtype
    with precision(dtype):
        if pairs is None:
            pairs = build_pairs(model.decomposition, np.asarray(points))
        return _values(model, jnp.asarray(points, dtype), pairs)


class StageData(eqx.Module):
    """A stage's active index list, points, pair lists and observed values (host-built)."""

    active: jax.Array
    batch: dict
    pairs: dict
    values: jax.Array | None = None


def stage_data(
    model: FBPINN, stage: Stage, batch: dict[str, np.ndarray], values: np.ndarray | None = None
) -> StageData:
    """Keep points inside active subdomains; pair them with the live (active or fixed) ones.

    `values`: observed values at `batch["data"]` (kept where their points are kept).
    """
    dec = model.decomposition
    live = stage.active | stage.fixed
    out_b, out_p, out_v = {}, {}, None
    for region, pts in batch.items():
        mask = covered_points(dec, pts, stage.active)
        keep = np.asarray(pts)[mask]
        if len(keep):
            out_b[region] = jnp.asarray(keep)
            out_p[region] = build_pairs(dec, keep, live)
            if region == "data":
                out_v = jnp.asarray(np.asarray(values)[mask])
    if "interior" not in out_b:
        raise ValueError("a scheduler stage has no interior collocation points in its active subdomains.")
    return StageData(jnp.asarray(np.nonzero(stage.active)[0], jnp.int32), out_b, out_p, out_v)
