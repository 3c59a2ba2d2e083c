"""Compiled training steps: chunks of Adam or L-BFGS iterations inside one ``lax.scan``."""

from __future__ import annotations

from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import optax
from jaxtyping import Array, PRNGKeyArray

from ..optim import LBFGS, Adam
from ..problems import AbstractProblem, Observations
from ._causal import CausalWeighting
from ._collocation import Collocation
from ._loss import loss_terms, pointwise_residual, weighted_total


class TrainState(eqx.Module):
    """Everything needed to continue training exactly: parameters, optimiser state, points, key.

    ``params = (model arrays, theta)``; ``step`` counts iterations of all phases together.
    """

    params: tuple[Any, dict[str, Array]]
    opt_state: Any
    batch: dict[str, Array]
    data: tuple[Array, Array] | None
    key: Array
    step: int = eqx.field(static=True)
    phase: str = eqx.field(static=True)


def _strong(tree):
    """Drop weak types (optax init states carry some that updates do not) to keep one compilation."""
    return jax.tree.map(lambda x: jnp.asarray(x, dtype=x.dtype) if isinstance(x, jax.Array) else x, tree)


def _cast(tree, dtype):
    return jax.tree.map(lambda x: x.astype(dtype) if eqx.is_inexact_array(x) else x, tree)


class Trainer(eqx.Module):
    """The fixed parts of a PINN training run (what is static under ``jit``)."""

    problem: AbstractProblem
    static: Any
    adam: Adam | None
    lbfgs: LBFGS | None
    collocation: Collocation
    weights: dict[str, float]
    skip: frozenset[str] = eqx.field(static=True)
    causal: CausalWeighting | None = None

    @property
    def total_steps(self) -> int:
        return (self.adam.steps if self.adam else 0) + (self.lbfgs.steps if self.lbfgs else 0)

    def phase_end(self, phase: str) -> int:
        adam = self.adam.steps if self.adam else 0
        return adam if phase == "adam" else adam + (self.lbfgs.steps if self.lbfgs else 0)

    def init(
        self, model, *, key: PRNGKeyArray, observations: Observations | None, dtype=jnp.float32
    ) -> TrainState:
        arrays, _ = eqx.partition(model, eqx.is_inexact_array)
        params = (arrays, self.problem.init_theta(dtype))
        kpts, key = jax.random.split(key)
        batch = self.collocation.sample(self.problem, kpts, dtype, self.skip)
        data = None if observations is None else (observations.points, observations.values)
        state = TrainState(params, None, batch, data, jax.random.key_data(key), 0, "adam")
        if self.adam is None or self.adam.steps == 0:
            return self.to_lbfgs(state)
        return eqx.tree_at(
            lambda s: s.opt_state,
            state,
            _strong(self.adam.build().init(params)),
            is_leaf=lambda x: x is None,
        )

    def to_lbfgs(self, state: TrainState) -> TrainState:
        """Switch to the L-BFGS phase (in float64 if configured)."""
        if self.float64:
            with jax.enable_x64(True):  # scoped: the caller's global setting is left alone
                return self._to_lbfgs(self._cast64(state))
        return self._to_lbfgs(state)

    @property
    def float64(self) -> bool:
        """Whether the L-BFGS phase runs in float64 (`fit`/`run` then scope 64-bit JAX themselves)."""
        return self.lbfgs is not None and self.lbfgs.float64

    def _cast64(self, state: TrainState) -> TrainState:
        return TrainState(
            _cast(state.params, jnp.float64),
            None,
            _cast(state.batch, jnp.float64),
            _cast(state.data, jnp.float64),
            state.key,
            state.step,
            "lbfgs",
        )

    def _to_lbfgs(self, state: TrainState) -> TrainState:
        opt_state = self.lbfgs_init(state.params) if self.lbfgs else None
        return TrainState(state.params, opt_state, state.batch, state.data, state.key, state.step, "lbfgs")

    def lbfgs_init(self, params):
        return _strong(self.lbfgs.build().init(params))

    def model(self, params) -> Any:
        return eqx.combine(params[0], self.static)

    def terms(self, params, batch, data) -> dict[str, Array]:
        return loss_terms(self.problem, self.model(params), params[1], batch, data, self.skip, self.causal)

    def loss(self, params, batch, data) -> Array:
        return weighted_total(self.terms(params, batch, data), self.weights)


def adam_chunk(trainer: Trainer, state: TrainState, n: int):
    """``n`` Adam steps in one compiled loop; returns the new params, optimiser state and last terms."""
    return _adam_chunk(trainer, state.params, state.opt_state, state.batch, state.data, jnp.asarray(n))


def lbfgs_chunk(trainer: Trainer, state: TrainState, n: int):
    """``n`` L-BFGS iterations (each with its line search) in one compiled loop."""
    return _lbfgs_chunk(trainer, state.params, state.opt_state, state.batch, state.data, jnp.asarray(n))


def _zero_terms(trainer: Trainer, params, batch, data):
    shapes = jax.eval_shape(trainer.terms, params, batch, data)
    return jax.tree.map(lambda s: jnp.zeros(s.shape, s.dtype), shapes)


# The compiled functions take only arrays besides the trainer, and the chunk length is a
# traced integer: each phase compiles once, whatever the step counter or chunk length.
@eqx.filter_jit
def _adam_chunk(trainer: Trainer, params, opt_state, batch, data, n):
    opt = trainer.adam.build()

    def objective(p):
        terms = trainer.terms(p, batch, data)
        return weighted_total(terms, trainer.weights), terms

    def step(_, carry):
        params, opt_state, _ = carry
        (_, terms), grads = jax.value_and_grad(objective, has_aux=True)(params)
        updates, opt_state = opt.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state, terms

    carry = (params, opt_state, _zero_terms(trainer, params, batch, data))
    return jax.lax.fori_loop(0, n, step, carry)


@eqx.filter_jit
def _lbfgs_chunk(trainer: Trainer, params, opt_state, batch, data, n):
    opt = trainer.lbfgs.build()
    value_fn = lambda p: trainer.loss(p, batch, data)
    value_and_grad = optax.value_and_grad_from_state(value_fn)

    def step(_, carry):
        params, opt_state = carry
        value, grad = value_and_grad(params, state=opt_state)
        updates, opt_state = opt.update(grad, opt_state, params, value=value, grad=grad, value_fn=value_fn)
        return optax.apply_updates(params, updates), opt_state

    params, opt_state = jax.lax.fori_loop(0, n, step, (params, opt_state))
    return params, opt_state, trainer.terms(params, batch, data)


def redraw_interior(trainer: Trainer, state: TrainState):
    """Fresh interior points (RAD-weighted when adaptive) and the advanced key."""
    return _redraw(trainer, state.params, state.batch, state.key)


@eqx.filter_jit
def _redraw(trainer: Trainer, params, batch, key):
    key, kcand, kchoose = jax.random.split(jax.random.wrap_key_data(key), 3)
    col, problem = trainer.collocation, trainer.problem
    dtype = batch["interior"].dtype
    cand = col.candidates(problem, kcand, dtype)
    if col.adaptive is not None:
        values = problem.resolve(params[1])
        r = pointwise_residual(problem, trainer.model(params), problem.residual, cand, values)
        r = jnp.reshape(jnp.abs(r), (cand.shape[0], -1)).sum(axis=1)
        cand = col.adaptive.choose(kchoose, cand, r, col.n_interior)
    return {**batch, "interior": cand}, jax.random.key_data(key)


@eqx.filter_jit
def predict(trainer: Trainer, params, points: Array) -> Array:
    return jax.vmap(trainer.model(params))(points.astype(jax.tree.leaves(params[0])[0].dtype))
    """The trained field at ``points`` ``(n, d)``: ``trainer.model(params)`` mapped over the points.

    The points are cast to the dtype of the weights (float64 after an L-BFGS phase in
    double precision).
    """
