"""Train an FBPINN: Adam in compiled chunks, stage by stage of a subdomain scheduler.

The compiled chunk and the gather/scatter of the active networks are in `_trainer`, the
resumable state in `_state`. A stage that returns to an active set reuses its cached points
and pair lists, so its shapes (and the compiled chunk) match.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence

import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import PRNGKeyArray

from .._train import History, ProgressBar, Result
from ..metrics import rel_l2_float64
from ..optim import Adam
from ..pinn import Collocation, weighted_total
from ..problems import AbstractProblem, Observations
from ._model import FBPINN, precision
from ._pairs import build_pairs
from ._scheduler import AbstractScheduler, AllActive
from ._state import FBPINNDiverged, FBPINNState, estimates, init_state
from ._trainer import (
    FBPINNTrainer,
    StageData,
    _adam_chunk,
    _gather_jit,
    _values,
    _with_active_jit,
    stage_data,
)


def fit(
    problem: AbstractProblem,
    model: FBPINN,
    *,
    key: PRNGKeyArray,
    observations: Observations | None = None,
    collocation: Collocation = Collocation(n_interior=2000),
    adam: Adam = Adam(),
    scheduler: AbstractScheduler = AllActive(),
    weights: dict[str, float] | None = None,
    hard_constraints: bool = False,
    chunk: int = 250,
    callbacks: Sequence[Callable[[dict, FBPINNState], None]] = (),
    progress: bool = True,
    track_error: bool = True,
    state: FBPINNState | None = None,
    wall_time_offset: float = 0.0,
    devices: int | str | Sequence[jax.Device] | None = None,
) -> Result:
    """Train a finite-basis PINN (Moseley, Markham & Nissen-Meyer 2023) on `problem`.

    The loss is the PINN loss (mean squared PDE and condition residuals), with the
    model's derivatives from one pass over the (point, subdomain) pair list per region.
    For inverse problems, `observations` add the data term `mean |u(x_i) - y_i|^2` and
    the problem's unknown parameters (`Parameter(trainable=True)`) train jointly with
    the networks, as in `physax.pinn.fit`. Each distinct active set compiles the
    training chunk once: its points and pair lists are built once and reused when a
    scheduler returns to it.

    **Arguments:**

    - `problem`: the PDE problem.
    - `model`: an `FBPINN` (give it `constraint=problem.hard_constraint()` and pass
      `hard_constraints=True` to drop the condition losses). A float64 model trains
      with 64-bit JAX enabled for the call only.
    - `key`: PRNG key for the collocation points.
    - `observations`: data for inverse problems (the `"data"` loss term; under a
      scheduler, only the observations inside active subdomains count).
    - `collocation`: point counts and sampler (no resampling).
    - `adam`: optimiser settings; its state restarts at each scheduler stage.
    - `scheduler`: `AllActive`, `LineScheduler` or `PointScheduler`.
    - `weights`, `chunk`, `progress`, `track_error`: as in `physax.pinn.fit`; records hold
      `test_l1` and `rel_l2` on the reference grid and the current estimate of
      each unknown parameter.
    - `callbacks`: `callback(record, state)` after every chunk, `state` the
      `FBPINNState` to resume from (save it to checkpoint).
    - `state`: continue from this `FBPINNState` (a loaded checkpoint) instead of
      `model`; the same `key`, `collocation`, `adam` and `scheduler` give the
      same run as an uninterrupted one.
    - `wall_time_offset`: added to `wall_time_s` (time spent before a resume).
    - `devices`: split the subdomains over several devices (and processes): each device
      evaluates the pairs of its block of subdomains and the window-weighted sums are
      reduced with `shard_map` + `psum` (see `physax.fbpinn._sharding`); a subdomain
      count that does not divide is padded with inactive subdomains. `None`/1: one
      device (unchanged program); 0 or `"all"`: every device of every process; `n`:
      `n` devices; or a sequence of devices.

    **Returns:** a `physax._train.Result`: `model` (the trained `FBPINN`), `history` (one
    record per chunk), `state` (the final `FBPINNState`) and `stats`
    (`{"parameters": identified PDE parameters}`; also `result.parameters`).

    **Raises:**

    - `FBPINNDiverged`: a non-finite loss; it carries the last good state.

    **Example:**

    >>> # the cosine problem of Moseley et al. (2023) at toy size; its experiment (30 subdomains,
    >>> # 10,000 steps: physax run fbpinn-cosine) reaches a test L1 error of 3e-5
    >>> cosine = problems.CosineODE(omega=15.0)
    >>> model = FBPINN(uniform(cosine.domain, 8, overlap=1.9),
    ...                lambda k: nn.MLP(1, "scalar", 8, 1, key=k), key=jax.random.key(0))
    >>> result = fit(cosine, model, key=jax.random.key(1), collocation=Collocation(200, 2, 2),
    ...              adam=Adam(steps=20), chunk=10, progress=False)
    >>> result.history["step"].tolist()
    [10.0, 20.0]
    """
    if collocation.resample_every or collocation.lbfgs_resample_every:
        raise ValueError("FBPINN training does not resample collocation points; set resample_every=0.")
    if chunk < 1:
        raise ValueError(f"chunk must be >= 1, got {chunk}.")
    if observations is not None and observations.points.shape[1] != problem.domain.dim:
        raise ValueError(
            f"observation points have {observations.points.shape[1]} columns; {problem.name} has "
            f"coordinates {problem.domain.coords}."
        )
    with precision(model.centres.dtype):
        skip = frozenset(problem.conditions()) if hard_constraints else frozenset()
        # the step count is not part of the compiled update: keep it out of the static trainer
        opt = Adam(
            steps=0,
            learning_rate=adam.learning_rate,
            decay_rate=adam.decay_rate,
            decay_steps=adam.decay_steps,
        )
        trainer = FBPINNTrainer(problem, opt, dict(weights or {}), skip)
        if state is None:
            state = init_state(problem, model, adam=adam, scheduler=scheduler)
        sharded = None
        if devices is not None:
            from . import _sharding as sharded  # the subdomain-split program (issue 19)

            mesh = sharded.subdomain_mesh(devices)
            if mesh is None:
                sharded = None
            else:
                trainer = sharded.ShardedTrainer(problem, opt, dict(weights or {}), skip, mesh)
                state = sharded.replicate(state, mesh)
        model, theta, start = state.model, state.theta, int(state.step)
        dtype = model.centres.dtype
        batch = {k: np.asarray(v) for k, v in collocation.sample(problem, key, dtype, skip=skip).items()}
        observed = None
        if observations is not None:
            batch["data"] = np.asarray(observations.points, dtype)
            observed = np.asarray(observations.values, dtype)
        if track_error:
            ref = problem.reference()
            ref_pts = jnp.asarray(ref.points, dtype)
            ref_pairs = build_pairs(model.decomposition, ref.points)
            if sharded is not None:
                ref_pts, ref_pairs = sharded.replicate((ref_pts, ref_pairs), mesh)
        history = History()
        cache: dict[tuple[bytes, bytes], StageData] = {}  # one entry per distinct (active, fixed) set
        t0 = time.perf_counter() - wall_time_offset
        with ProgressBar(adam.steps, start, enabled=progress) as bar:
            stages = scheduler.stages(model.decomposition, adam.steps)
            for k, stage in enumerate(stages):
                if stage.end <= start:
                    continue
                sig = (stage.active.tobytes(), stage.fixed.tobytes())
                if sig not in cache:
                    cache[sig] = stage_data(model, stage, batch, observed)
                    if sharded is not None:
                        cache[sig] = sharded.place_stage(cache[sig], model, mesh)
                data = cache[sig]
                train = (_gather_jit(model, data.active), theta)
                if stage.start < start and state.opt_state is not None:
                    opt_state, step = state.opt_state, start
                else:
                    opt_state, step = adam.build().init(train), max(stage.start, start)
                while step < stage.end:
                    n = min(chunk, stage.end - step)
                    new_train, new_opt, terms = _adam_chunk(
                        trainer,
                        train,
                        model,
                        opt_state,
                        data.batch,
                        data.pairs,
                        data.active,
                        jnp.asarray(n),
                        data.values,
                    )
                    phase = "adam" if len(stages) == 1 else f"stage {k + 1}/{len(stages)}"
                    record = {"step": step + n, "phase": phase, "active": int(stage.active.sum())}
                    terms = {k: float(v) for k, v in terms.items()}
                    record["loss"] = float(weighted_total(terms, trainer.weights))
                    record.update(terms)
                    if not math.isfinite(record["loss"]):
                        last = _with_active_jit(model, train[0], data.active)
                        good = FBPINNState(last, train[1], None if step == stage.start else opt_state, step)
                        raise FBPINNDiverged(step + n, good, record)
                    train, opt_state, step = new_train, new_opt, step + n
                    current = _with_active_jit(model, train[0], data.active)
                    record.update(estimates(problem, train[1]))
                    if track_error:
                        pred = np.asarray(_values(current, ref_pts, ref_pairs), np.float64)
                        record["test_l1"] = float(np.mean(np.abs(pred - ref.flat_values)))
                        record["rel_l2"] = rel_l2_float64(pred, ref.flat_values)
                    record["wall_time_s"] = time.perf_counter() - t0
                    history.append(record)
                    bar.update(record)
                    now = FBPINNState(current, train[1], opt_state if step < stage.end else None, step)
                    for cb in callbacks:
                        cb(record, now)
                model, theta = _with_active_jit(model, train[0], data.active), train[1]
        final = FBPINNState(model, theta, None, max(start, adam.steps))
        if sharded is not None:  # arrays this process holds whole (gathered when split over processes)
            final = sharded.to_host(final)
            model, theta = final.model, final.theta
        return Result(model, history, final, {"parameters": estimates(problem, theta)})
