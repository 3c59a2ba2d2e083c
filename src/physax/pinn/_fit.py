"""`fit`: train a PINN (forward or inverse) through a sequence of optimiser phases, in compiled chunks."""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Callable, Sequence

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import PRNGKeyArray

from .._train import Diverged, History, ProgressBar, Result
from ..optim import LBFGS, AbstractOptimiser, Adam
from ..problems import AbstractProblem, Observations, Reference
from ._balancing import GradNormBalancing
from ._causal import CausalWeighting
from ._collocation import Collocation
from ._loss import weighted_total
from ._sharding import check_divisible, place, point_mesh
from ._trainer import Trainer, TrainState, _with, phase_chunk, predict, rebalance, redraw_interior


class TrainingDiverged(Diverged):
    """PINN training produced a NaN/inf loss; `state` is the last good `TrainState`.

    A `physax._train.Diverged`, raised by `fit` and `run`; `step` is the step of the failed
    chunk and `record` its history record (its loss terms show which term failed).

    **Example:**

    >>> try:
    ...     raise TrainingDiverged(250, None, {"loss": float("nan"), "pde": float("nan")})
    ... except physax._train.Diverged as err:
    ...     print(err.step, err.record["pde"])
    250 nan
    """

    what = "training"
    hint = "Lower the learning rate, raise the float precision, or check the data for outliers."


_UNSET: object = object()


def _phases(adam, lbfgs, phases) -> tuple[AbstractOptimiser, ...]:
    """`phases` if given, else the two-phase shorthand `adam` then `lbfgs`."""
    if phases is None:
        adam = Adam() if adam is _UNSET else adam
        lbfgs = LBFGS() if lbfgs is _UNSET else lbfgs
        phases = [p for p in (adam, lbfgs) if p is not None]
    elif adam is not _UNSET or lbfgs is not _UNSET:
        raise ValueError("give either phases=[...] or the adam=/lbfgs= shorthand, not both.")
    phases = tuple(phases)
    for p in phases:
        if not isinstance(p, AbstractOptimiser):
            raise ValueError(f"each phase must be an optimiser such as physax.optim.Adam(...), got {p!r}.")
    kept = tuple(p for p in phases if p.steps > 0)
    if not kept:
        if not phases:
            raise ValueError("no training phase: give phases=[Adam(...), ...].")
        kept = phases[:1]
    return kept


def make_trainer(
    problem: AbstractProblem,
    model: Callable,
    *,
    collocation: Collocation = Collocation(),
    adam: Adam | None = _UNSET,
    lbfgs: LBFGS | None = _UNSET,
    phases: Sequence[AbstractOptimiser] | None = None,
    weights: dict[str, float] | None = None,
    hard_constraints: bool = False,
    causal: CausalWeighting | None = None,
    balancing: GradNormBalancing | None = None,
) -> Trainer:
    """The static description of a run: a `Trainer` (see `fit` for the arguments).

    `fit` is `make_trainer`, `Trainer.init` and `run` in one call; build the pieces yourself
    to inspect a state, checkpoint it or continue it.

    **Returns:** a `Trainer`.

    **Example:**

    >>> heat = problems.Heat1D()
    >>> net = nn.MLP(2, "scalar", 8, 2, key=jax.random.key(0))
    >>> trainer = make_trainer(heat, net, collocation=Collocation(64, 16, 16), phases=[Adam(steps=20)])
    >>> state = trainer.init(net, key=jax.random.key(1), observations=None)
    >>> [p.name for p in trainer.phases], trainer.total_steps, sorted(state.batch)
    (['adam'], 20, ['boundary', 'initial', 'interior'])
    """
    _, static = eqx.partition(model, eqx.is_inexact_array)
    skip = frozenset(problem.conditions()) if hard_constraints else frozenset()
    if causal is not None and "t" not in problem.domain.coords:
        raise ValueError(f"causal training needs a time coordinate 't'; {problem.name} has none.")
    kept = _phases(adam, lbfgs, phases)
    if causal is not None and any(p.name == "lm" for p in kept):
        raise ValueError("LevenbergMarquardt needs a least-squares loss; causal weighting has none.")
    return Trainer(problem, static, kept, collocation, dict(weights or {}), skip, causal, balancing)


def _redraw(trainer: Trainer, state: TrainState) -> TrainState:
    """New interior points; curvature-based phases restart (their state describes the old
    objective) or, where the phase asks for it, carry their curvature over (`restart`)."""
    batch, key = redraw_interior(trainer, state)
    state = _with(state, batch=batch, key=key)
    if trainer.phases[state.stage].first_order:
        return state
    state = _with(state, causal_weights=trainer.frozen_causal_weights(state))
    return _with(state, opt_state=trainer.phase_restart(state))


def _on_mesh(state: TrainState, mesh) -> TrainState:
    """Points and observations split over the devices, everything else replicated."""
    if mesh is None:
        return state
    return _with(
        state,
        params=place(state.params, mesh, shard=False),
        opt_state=place(state.opt_state, mesh, shard=False),
        batch=place(state.batch, mesh),
        data=place(state.data, mesh),
        key=place(state.key, mesh, shard=False),
        balance=place(state.balance, mesh, shard=False),
        causal_weights=place(state.causal_weights, mesh, shard=False),
    )


def _is_finite(tree) -> bool:
    return all(bool(jnp.all(jnp.isfinite(x))) for x in jax.tree.leaves(tree) if eqx.is_inexact_array(x))


def estimates(trainer: Trainer, state: TrainState) -> dict[str, float]:
    """Current values of the unknown parameters of the problem.

    **Arguments:** `trainer`, `state`: the run's `Trainer` and a `TrainState`.

    **Returns:** `{name: value}` for every trainable `Parameter` of the problem.

    **Example:**

    >>> # before training, the estimate is the parameter's init
    >>> heat = problems.Heat1D(k=problems.Parameter(0.1, trainable=True, init=0.2))
    >>> net = nn.MLP(2, "scalar", 8, 2, key=jax.random.key(0))
    >>> trainer = make_trainer(heat, net, collocation=Collocation(64, 16, 16), phases=[Adam(steps=20)])
    >>> state = trainer.init(net, key=jax.random.key(1), observations=None)
    >>> {k: round(v, 6) for k, v in estimates(trainer, state).items()}
    {'k': 0.2}
    """
    values = trainer.problem.resolve(state.params[1])
    return {k: float(values[k]) for k in trainer.problem.unknowns}


def reference_prediction(trainer: Trainer, state: TrainState) -> tuple[np.ndarray, Reference]:
    """The current model on the problem's reference grid (float64, grid-shaped) and the reference.

    **Arguments:** `trainer`, `state`: the run's `Trainer` and a `TrainState`.

    **Returns:** `(prediction, reference)`: a NumPy array shaped like `reference.values`
    and the problem's `Reference` (its `points`, `values` and axes).

    **Example:**

    >>> heat = problems.Heat1D()
    >>> net = nn.MLP(2, "scalar", 8, 2, key=jax.random.key(0))
    >>> trainer = make_trainer(heat, net, collocation=Collocation(64, 16, 16), phases=[Adam(steps=20)])
    >>> state = trainer.init(net, key=jax.random.key(1), observations=None)
    >>> prediction, reference = reference_prediction(trainer, state)
    >>> prediction.shape == reference.values.shape, prediction.dtype
    (True, dtype('float64'))
    """
    ref = trainer.problem.reference()
    pred = np.asarray(predict(trainer, state.params, jnp.asarray(ref.points)), np.float64)
    return pred.reshape(ref.values.shape), ref


def rel_l2_error(trainer: Trainer, state: TrainState) -> float:
    r"""Relative L2 error of the current model on the problem's reference grid.

    $\|u_\theta - u_{ref}\|_2 / \|u_{ref}\|_2$ over the grid of `problem.reference()`.

    **Arguments:** `trainer`, `state`: the run's `Trainer` and a `TrainState`.

    **Returns:** a Python float.

    **Example:**

    >>> # an untrained network is far from the solution
    >>> heat = problems.Heat1D()
    >>> net = nn.MLP(2, "scalar", 8, 2, key=jax.random.key(0))
    >>> trainer = make_trainer(heat, net, collocation=Collocation(64, 16, 16), phases=[Adam(steps=20)])
    >>> state = trainer.init(net, key=jax.random.key(1), observations=None)
    >>> bool(rel_l2_error(trainer, state) > 0.1)
    True
    """
    pred, ref = reference_prediction(trainer, state)
    return float(np.linalg.norm(pred - ref.values) / np.linalg.norm(ref.values))


def run(
    trainer: Trainer,
    state: TrainState,
    *,
    chunk: int = 250,
    callbacks: Sequence[Callable[[dict, TrainState], None]] = (),
    progress: bool = True,
    track_error: bool = True,
    wall_time_offset: float = 0.0,
    devices: int | Sequence[jax.Device] | None = None,
) -> tuple[TrainState, list[dict]]:
    """Continue `state` to the end of training; calls `callbacks(record, state)` after each chunk.

    Chunk boundaries depend only on the step count, so a run resumed from a saved state
    retraces the same chunks and ends at the same result as an uninterrupted one.
    `devices` splits the collocation points over several devices (see `fit`).
    If some phase runs in float64, 64-bit JAX is enabled for the duration of the call only.

    **Arguments:**

    - `trainer`, `state`: from `make_trainer` and `Trainer.init` (or a loaded checkpoint).
    - `chunk`: steps per compiled call (and per history record).
    - `callbacks`, `progress`, `track_error`, `wall_time_offset`, `devices`: as in `fit`.

    **Returns:** `(state, history)`: the final `TrainState` and one record (a dict) per chunk.

    **Example:**

    >>> heat = problems.Heat1D()
    >>> net = nn.MLP(2, "scalar", 8, 2, key=jax.random.key(0))
    >>> trainer = make_trainer(heat, net, collocation=Collocation(64, 16, 16), phases=[Adam(steps=20)])
    >>> state = trainer.init(net, key=jax.random.key(1), observations=None)
    >>> state, history = run(trainer, state, chunk=10, progress=False, track_error=False)
    >>> state.step, [record["step"] for record in history], sorted(history[-1])[:3]
    (20, [10, 20], ['bc', 'ic', 'loss'])
    """
    with jax.enable_x64(True) if trainer.float64 else contextlib.nullcontext():
        return _run(trainer, state, chunk, callbacks, progress, track_error, wall_time_offset, devices)


def _run(trainer, state, chunk, callbacks, progress, track_error, wall_time_offset, devices):
    if chunk < 1:
        raise ValueError(f"chunk must be >= 1, got {chunk}.")
    mesh = point_mesh(devices)
    check_divisible("collocation.n_interior", state.batch["interior"].shape[0], mesh)
    state = _on_mesh(state, mesh)
    history: list[dict] = []
    t0 = time.perf_counter() - wall_time_offset
    col = trainer.collocation
    with ProgressBar(trainer.total_steps, state.step, enabled=progress) as bar:
        while True:
            start, end = trainer.bounds(state.stage)
            if state.step >= end:
                if state.stage + 1 >= len(trainer.phases):
                    break
                state = _on_mesh(trainer.enter(state, state.stage + 1), mesh)
                continue
            phase = trainer.phases[state.stage]
            n, k = min(chunk, end - state.step), state.step - start
            every = col.resample_every if phase.first_order else col.lbfgs_resample_every
            if every:
                n = min(n, every - k % every)
                if k > 0 and k % every == 0:
                    state = _on_mesh(_redraw(trainer, state), mesh)
            bal = trainer.balancing
            if bal is not None and phase.first_order:
                n = min(n, bal.every - k % bal.every)
                if k % bal.every == 0:
                    state = _with(state, balance=rebalance(trainer, state))
            params, opt_state, terms = phase_chunk(trainer, state, n)
            new = _with(state, params=params, opt_state=opt_state, step=state.step + n)
            record = {"step": new.step, "phase": new.phase}
            terms = {k: float(v) for k, v in terms.items()}
            record["loss"] = float(weighted_total(terms, trainer.weights))
            record.update(terms)
            if new.balance is not None:
                record.update({f"lambda_{k}": float(v) for k, v in new.balance.items()})
            if not (math.isfinite(record["loss"]) and _is_finite(params)):
                record["wall_time_s"] = time.perf_counter() - t0
                raise TrainingDiverged(new.step, state, record)
            state = new
            record.update(estimates(trainer, state))
            if track_error:
                record["rel_l2"] = rel_l2_error(trainer, state)
            record["wall_time_s"] = time.perf_counter() - t0
            history.append(record)
            bar.update(record)
            for cb in callbacks:
                cb(record, state)
    return state, history


def fit(
    problem: AbstractProblem,
    model: Callable,
    *,
    key: PRNGKeyArray,
    observations: Observations | None = None,
    collocation: Collocation = Collocation(),
    adam: Adam | None = _UNSET,
    lbfgs: LBFGS | None = _UNSET,
    phases: Sequence[AbstractOptimiser] | None = None,
    weights: dict[str, float] | None = None,
    hard_constraints: bool = False,
    causal: CausalWeighting | None = None,
    balancing: GradNormBalancing | None = None,
    chunk: int = 250,
    callbacks: Sequence[Callable[[dict, TrainState], None]] = (),
    progress: bool = True,
    track_error: bool = True,
    devices: int | Sequence[jax.Device] | None = None,
) -> Result:
    """Train a physics-informed neural network (Raissi, Perdikaris & Karniadakis 2019).

    Minimises `sum_k w_k L_k` with `L_pde = mean |residual|^2` over interior points,
    one mean-squared term per initial/boundary condition and, for inverse problems,
    `L_data = mean |u(x_i) - y_i|^2`. Unknown PDE parameters (`Parameter(trainable=True)`)
    are trained jointly with the network. Input derivatives use forward-mode Taylor
    propagation; training runs `chunk` steps per compiled call.

    **Arguments:**

    - `problem`: the PDE problem.
    - `model`: the field network, e.g. `nn.MLP` (wrap it in `nn.HardConstraint` with
      `problem.hard_constraint()` and pass `hard_constraints=True` to drop the
      condition losses).
    - `key`: PRNG key for the collocation points.
    - `observations`: data for inverse problems.
    - `collocation`: point counts, sampler and resampling.
    - `phases`: the optimisers to run one after the other, e.g.
      `[Adam(5000), SSBroyden(5000)]` or `[Adam(2000), LevenbergMarquardt(200)]`
      (see `physax.optim`); phases with `steps=0` are skipped.
    - `adam`, `lbfgs`: the two-phase shorthand `phases=[adam, lbfgs]` (default
      `Adam()` then `LBFGS()`; `None` or `steps=0` skips one). Not with `phases`.
    - `weights`: static loss weights by term name (default 1).
    - `causal`: causal weighting of the PDE residual in time (`CausalWeighting`).
    - `balancing`: adaptive loss weights during first-order phases (`GradNormBalancing`).
    - `chunk`: steps per compiled call (and per history record).
    - `callbacks`: `callback(record, state)` after every chunk.
    - `progress`: show a progress bar.
    - `track_error`: record the relative L2 error against the reference after every chunk.
    - `devices`: data-parallel training over several devices with JAX sharding: the
      collocation points and observations are split along the point axis over a
      1-D mesh, parameters replicated (`None`/1: one device; 0: every local
      device; `n`: the first `n`; or a sequence of devices). `n_interior`
      must be a multiple of the device count.

    **Returns:** a `physax._train.Result`: `model` (the trained network), `history` (one record
    per chunk), `state` (a `TrainState`; pass it to `run` to continue) and `stats`
    (`{"parameters": identified PDE parameters}`; also `result.parameters`).

    **Example:**

    >>> problem = Heat1D()
    >>> net = MLP(2, "scalar", width=8, depth=2, key=jax.random.key(0))
    >>> result = fit(problem, net, key=jax.random.key(1), collocation=Collocation(64, 16, 16),
    ...              phases=[Adam(20), SSBroyden(10)], chunk=10, progress=False)
    >>> result.history["step"].tolist(), result.history["phase"].tolist()
    ([10.0, 20.0, 30.0], ['adam', 'adam', 'ssbroyden'])
    >>> bool(result.history["loss"][-1] < result.history["loss"][0])
    True
    """
    trainer = make_trainer(
        problem,
        model,
        collocation=collocation,
        adam=adam,
        lbfgs=lbfgs,
        phases=phases,
        weights=weights,
        hard_constraints=hard_constraints,
        causal=causal,
        balancing=balancing,
    )
    state = trainer.init(model, key=key, observations=observations)
    state, history = run(
        trainer,
        state,
        chunk=chunk,
        callbacks=callbacks,
        progress=progress,
        track_error=track_error,
        devices=devices,
    )
    return Result(
        trainer.model(state.params), History(history), state, {"parameters": estimates(trainer, state)}
    )
