"""Compiled training steps: chunks of one phase's iterations inside one `fori_loop`."""

from __future__ import annotations

from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
from jax.flatten_util import ravel_pytree
from jaxtyping import Array, PRNGKeyArray

from ..optim import LBFGS, AbstractOptimiser, Adam, Objective
from ..problems import AbstractProblem, Observations
from ._balancing import GradNormBalancing
from ._causal import CausalWeighting
from ._collocation import Collocation
from ._loss import loss_terms, pointwise_residual, residual_jacobian, residual_vector, weighted_total


class TrainState(eqx.Module):
    """Everything needed to continue training exactly: parameters, optimiser state, points, key.

    `params = (model arrays, theta)`; `step` counts iterations of all phases together;
    `stage` is the index of the current phase and `phase` its name; `balance` holds
    the adaptive loss weights of `GradNormBalancing` (`None` without it), and
    `causal_weights` the causal slab weights held fixed through a quasi-Newton or Newton
    phase (`None` in first-order phases and without `CausalWeighting`). Save it with
    `physax._train.checkpoint.save` and continue with `run`.

    **Example:**

    >>> heat = problems.Heat1D()
    >>> net = nn.MLP(2, "scalar", 8, 2, key=jax.random.key(0))
    >>> trainer = make_trainer(heat, net, collocation=Collocation(64, 16, 16), phases=[Adam(20), LBFGS(10)])
    >>> state = trainer.init(net, key=jax.random.key(1), observations=None)
    >>> state.step, state.stage, state.phase, state.data, state.balance
    (0, 0, 'adam', None, None)
    >>> {region: points.shape for region, points in sorted(state.batch.items())}
    {'boundary': (16, 2), 'initial': (16, 2), 'interior': (64, 2)}
    """

    params: tuple[Any, dict[str, Array]]
    opt_state: Any
    batch: dict[str, Array]
    data: tuple[Array, Array] | None
    key: Array
    step: int = eqx.field(static=True)
    phase: str = eqx.field(static=True)
    stage: int = eqx.field(static=True, default=0)
    balance: dict[str, Array] | None = None
    causal_weights: Array | None = None


def _strong(tree):
    """Drop weak types (optax init states carry some that updates do not) to keep one compilation."""
    return jax.tree.map(lambda x: jnp.asarray(x, dtype=x.dtype) if isinstance(x, jax.Array) else x, tree)


def _cast(tree, dtype):
    return jax.tree.map(lambda x: x.astype(dtype) if eqx.is_inexact_array(x) else x, tree)


def _with(state: TrainState, **changes) -> TrainState:
    fields = dict(
        params=state.params,
        opt_state=state.opt_state,
        batch=state.batch,
        data=state.data,
        key=state.key,
        step=state.step,
        phase=state.phase,
        stage=state.stage,
        balance=state.balance,
        causal_weights=state.causal_weights,
    )
    return TrainState(**{**fields, **changes})


class Trainer(eqx.Module):
    """The fixed parts of a PINN training run (what is static under `jit`).

    `phases` run one after the other; phase `i` covers steps `[starts[i], ends[i])`. Build one
    with `make_trainer`; `init` gives the first `TrainState`, `terms`/`loss` evaluate the loss
    at given parameters and `model(params)` rebuilds the network.

    **Fields:**

    - `problem`: the PDE problem.
    - `static`: the network's non-array parts.
    - `phases`: the optimisers, in order.
    - `collocation`: point counts, sampler and resampling.
    - `weights`: static loss weights by term name.
    - `skip`: conditions left out of the loss (hard constraints).
    - `causal`, `balancing`: `CausalWeighting` and `GradNormBalancing`, or `None`.

    **Example:**

    >>> heat = problems.Heat1D()
    >>> net = nn.MLP(2, "scalar", 8, 2, key=jax.random.key(0))
    >>> trainer = make_trainer(heat, net, collocation=Collocation(64, 16, 16), phases=[Adam(20), LBFGS(10)])
    >>> state = trainer.init(net, key=jax.random.key(1), observations=None)
    >>> trainer.total_steps, trainer.bounds(1), trainer.float64
    (30, (20, 30), True)
    >>> sorted(trainer.terms(state.params, state.batch, state.data))
    ['bc', 'ic', 'pde']
    """

    problem: AbstractProblem
    static: Any
    phases: tuple[AbstractOptimiser, ...]
    collocation: Collocation
    weights: dict[str, float]
    skip: frozenset[str] = eqx.field(static=True)
    causal: CausalWeighting | None = None
    balancing: GradNormBalancing | None = None

    @property
    def adam(self) -> Adam | None:
        """The first Adam phase (the two-phase shorthand's first phase), if any."""
        return next((p for p in self.phases if isinstance(p, Adam)), None)

    @property
    def lbfgs(self) -> LBFGS | None:
        return next((p for p in self.phases if isinstance(p, LBFGS)), None)

    @property
    def total_steps(self) -> int:
        return sum(p.steps for p in self.phases)

    def bounds(self, stage: int) -> tuple[int, int]:
        start = sum(p.steps for p in self.phases[:stage])
        return start, start + self.phases[stage].steps

    def phase_end(self, phase: str) -> int:
        """The last step of the last phase called `phase` (or of everything)."""
        ends = [self.bounds(i)[1] for i, p in enumerate(self.phases) if p.name == phase]
        return ends[-1] if ends else self.total_steps

    @property
    def float64(self) -> bool:
        """Whether some phase runs in float64 (`fit`/`run` then scope 64-bit JAX themselves)."""
        return any(p.float64 for p in self.phases)

    def init(
        self, model, *, key: PRNGKeyArray, observations: Observations | None, dtype=jnp.float32
    ) -> TrainState:
        arrays, _ = eqx.partition(model, eqx.is_inexact_array)
        params = (arrays, self.problem.init_theta(dtype))
        kpts, key = jax.random.split(key)
        batch = self.collocation.sample(self.problem, kpts, dtype, self.skip)
        data = None if observations is None else (observations.points, observations.values)
        balance = None
        if self.balancing is not None:
            names = jax.eval_shape(self.terms, params, batch, data).keys()
            balance = {k: jnp.asarray(v, dtype) for k, v in self.balancing.init(names).items()}
        state = TrainState(params, None, batch, data, jax.random.key_data(key), 0, "", -1, balance)
        return self.enter(state, 0)

    def enter(self, state: TrainState, stage: int) -> TrainState:
        """Start phase `stage`: cast to float64 if it asks, fix the causal weights if the
        phase has a line search, and initialise its optimiser."""
        phase = self.phases[stage]
        if phase.float64:
            with jax.enable_x64(True):  # scoped: the caller's global setting is left alone
                state = _with(
                    state,
                    params=_cast(state.params, jnp.float64),
                    batch=_cast(state.batch, jnp.float64),
                    data=_cast(state.data, jnp.float64),
                    balance=_cast(state.balance, jnp.float64),
                )
                return self._entered(state, stage)
        return self._entered(state, stage)

    def _entered(self, state: TrainState, stage: int) -> TrainState:
        state = _with(state, stage=stage, phase=self.phases[stage].name)
        state = _with(state, causal_weights=self.frozen_causal_weights(state))
        return _with(state, opt_state=self.phase_init(state, stage))

    def frozen_causal_weights(self, state: TrainState) -> Array | None:
        """The causal slab weights at `state.params` for a phase that is not first-order
        (its line search needs a loss consistent with its gradient), else `None`."""
        if self.causal is None or self.phases[state.stage].first_order:
            return None
        return _strong(_causal_weights(self, state.params, state.batch))

    def phase_init(self, state: TrainState, stage: int):
        args = (state.params, state.batch, state.data, state.balance, state.causal_weights)
        return _strong(_phase_init(self, stage, *args))

    def phase_restart(self, state: TrainState):
        """The current phase's state after a redraw of the points (`AbstractOptimiser.restart`)."""
        args = (state.params, state.opt_state, state.batch, state.data, state.balance, state.causal_weights)
        return _strong(_phase_restart(self, state.stage, *args))

    def model(self, params) -> Any:
        return eqx.combine(params[0], self.static)

    def terms(self, params, batch, data, causal_weights=None) -> dict[str, Array]:
        model, theta = self.model(params), params[1]
        return loss_terms(self.problem, model, theta, batch, data, self.skip, self.causal, causal_weights)

    def loss(self, params, batch, data, balance=None) -> Array:
        return weighted_total(self.terms(params, batch, data), self.effective_weights(balance))

    def effective_weights(self, balance) -> dict:
        if balance is None:
            return self.weights
        return {k: self.weights.get(k, 1.0) * v for k, v in balance.items()}

    def objective(self, batch, data, balance=None, causal_weights=None) -> Objective:
        """The loss (and its least-squares form) on fixed points, as optimisers see it."""
        weights = self.effective_weights(balance)
        value = lambda p: weighted_total(self.terms(p, batch, data, causal_weights), weights)
        if self.causal is not None:
            return Objective(value)
        residuals = lambda p: residual_vector(
            self.problem, self.model(p), p[1], batch, data, self.skip, weights
        )

        def jacobian(p):
            flat, unravel = ravel_pytree(p)
            make = lambda q: (self.model(q), q[1])
            return residual_jacobian(self.problem, make, flat, unravel, batch, data, self.skip, weights)

        return Objective(value, residuals, jacobian)


@eqx.filter_jit
def _phase_init(trainer: Trainer, stage: int, params, batch, data, balance, causal_weights):
    return trainer.phases[stage].init(params, trainer.objective(batch, data, balance, causal_weights))


@eqx.filter_jit
def _phase_restart(trainer: Trainer, stage: int, params, opt_state, batch, data, balance, causal_weights):
    objective = trainer.objective(batch, data, balance, causal_weights)
    return trainer.phases[stage].restart(params, opt_state, objective)


@eqx.filter_jit
def _causal_weights(trainer: Trainer, params, batch):
    problem, causal = trainer.problem, trainer.causal
    a = problem.domain.coords.index("t")
    pts = batch["interior"]
    res = pointwise_residual(
        problem, trainer.model(params), problem.residual, pts, problem.resolve(params[1])
    )
    r2 = jnp.mean(jnp.abs(res.reshape(len(pts), -1)) ** 2, axis=1)
    return causal.weights(causal.slab_losses(r2, pts[:, a], problem.domain.lo[a], problem.domain.hi[a]))


def phase_chunk(trainer: Trainer, state: TrainState, n: int):
    """`n` iterations of the current phase in one compiled loop; returns the new params,
    optimiser state and the loss terms at the end."""
    phase = trainer.phases[state.stage]
    args = (state.params, state.opt_state, state.batch, state.data, state.balance, state.causal_weights)
    return _chunk(trainer, phase, *args, jnp.asarray(n))


# the two-phase names of earlier versions
adam_chunk = lbfgs_chunk = phase_chunk


# The compiled function takes only arrays besides the trainer and the phase, and the chunk
# length is a traced integer: each phase compiles once, whatever the step counter or chunk length.
@eqx.filter_jit
def _chunk(
    trainer: Trainer, phase: AbstractOptimiser, params, opt_state, batch, data, balance, causal_weights, n
):
    objective = trainer.objective(batch, data, balance, causal_weights)

    def step(_, carry):
        return phase.step(*carry, objective)

    params, opt_state = jax.lax.fori_loop(0, n, step, (params, opt_state))
    return params, opt_state, trainer.terms(params, batch, data)


@eqx.filter_jit
def rebalance(trainer: Trainer, state: TrainState) -> dict[str, Array]:
    """New grad-norm weights at the current parameters."""
    terms = lambda p: trainer.terms(p, state.batch, state.data)
    new = trainer.balancing.update(terms, state.params, state.balance)
    return {k: v.astype(state.balance[k].dtype) for k, v in new.items()}


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
    """The trained field at `points` `(n, d)`: `trainer.model(params)` mapped over the points.

    The points are cast to the dtype of the weights (float64 after an L-BFGS phase in
    double precision).

    **Arguments:**

    - `trainer`: the run's `Trainer`.
    - `params`: `(model arrays, theta)`, e.g. `state.params`.
    - `points`: `(n, d)` points.

    **Returns:** the values, `(n,)` for a scalar field.

    **Example:**

    >>> heat = problems.Heat1D()
    >>> net = nn.MLP(2, "scalar", 8, 2, key=jax.random.key(0))
    >>> trainer = make_trainer(heat, net, collocation=Collocation(64, 16, 16), phases=[Adam(20), LBFGS(10)])
    >>> state = trainer.init(net, key=jax.random.key(1), observations=None)
    >>> predict(trainer, state.params, jnp.array([[0.0, 0.5], [1.0, 0.5]])).shape
    (2,)
    """
    return jax.vmap(trainer.model(params))(points.astype(jax.tree.leaves(params[0])[0].dtype))
