"""Train an FBPINN: Adam in compiled chunks, stage by stage of a subdomain scheduler.

Only active subdomain networks (and unknown PDE parameters) are optimised: their arrays
are gathered into a smaller pytree that owns the gradients and the Adam state, and
scattered back into the stacked networks inside the loss. The compiled chunk takes the
active index list, the points and the pair lists as arrays, so it compiles once per
distinct active set (shapes), never per step; a stage that returns to an active set
reuses its cached points and pair lists, so its shapes (and the compiled chunk) match.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optax
from jaxtyping import PRNGKeyArray

from .._train import History, ProgressBar, Result
from ..metrics import rel_l2_float64
from ..optim import Adam
from ..pinn import Collocation, TrainingDiverged, weighted_total
from ..problems import AbstractProblem, Observations
from ._model import FBPINN, precision
from ._pairs import Pairs, build_pairs, covered_points
from ._residual import residuals
from ._scheduler import AbstractScheduler, AllActive, Stage


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
    >>> trainer = FBPINNTrainer(cosine, Adam(0), {}, frozenset())
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


class FBPINNState(NamedTuple):
    """Everything needed to continue a run at `step` (a chunk boundary).

    `opt_state` is the Adam state of the stage that holds `step` (over that stage's
    active networks and `theta`), or `None` when `step` starts a stage (the Adam state
    restarts there). Save it with `physax._train.checkpoint.save` and load it into the
    template from `init_state`.

    **Fields:**

    - `model`: the `FBPINN` at `step`.
    - `theta`: the trainable PDE parameters (empty for a forward problem).
    - `opt_state`: as above.
    - `step`: Adam steps done.

    **Example:**

    >>> cosine = problems.CosineODE(omega=15.0)
    >>> model = FBPINN(uniform(cosine.domain, 8), lambda k: nn.MLP(1, "scalar", 8, 1, key=k),
    ...                key=jax.random.key(0))
    >>> state = init_state(cosine, model)
    >>> isinstance(state, FBPINNState), state.step, state.theta, state.opt_state
    (True, 0, {}, None)
    """

    model: FBPINN
    theta: dict
    opt_state: Any
    step: int


class FBPINNDiverged(TrainingDiverged):
    """The loss became NaN/inf; `state` is the last good `FBPINNState`.

    A `physax.pinn.TrainingDiverged` (and so a `physax._train.Diverged`), raised by `fit`.
    Resume from `err.state` with a smaller learning rate.

    **Example:**

    >>> issubclass(FBPINNDiverged, physax.pinn.TrainingDiverged)
    True
    >>> err = FBPINNDiverged(500, None, {"loss": float("inf")})
    >>> err.step, str(err).split(":")[0]
    (500, 'FBPINN training diverged')
    """

    what = "FBPINN training"
    hint = "Lower the learning rate or check the problem scaling."


def _stage_at(stages: Sequence[Stage], step: int) -> Stage | None:
    """The stage with `start < step < end` (mid-stage), else `None`."""
    return next((s for s in stages if s.start < step < s.end), None)


def init_state(
    problem: AbstractProblem,
    model: FBPINN,
    *,
    adam: Adam = Adam(),
    scheduler: AbstractScheduler = AllActive(),
    step: int = 0,
) -> FBPINNState:
    """A fresh state at `step` 0, or the template to load a checkpoint taken at `step` into.

    **Arguments:**

    - `problem`: the PDE problem (its trainable parameters start `theta`).
    - `model`: the `FBPINN`.
    - `adam`, `scheduler`: the run's settings (they decide which stage holds `step` and
      so the shape of the Adam state).
    - `step`: the step of the checkpoint.

    **Returns:** an `FBPINNState`.

    **Example:**

    >>> # a mid-stage template carries an Adam state over the stage's active networks
    >>> cosine = problems.CosineODE(omega=15.0)
    >>> model = FBPINN(uniform(cosine.domain, 8), lambda k: nn.MLP(1, "scalar", 8, 1, key=k),
    ...                key=jax.random.key(0))
    >>> init_state(cosine, model).opt_state is None
    True
    >>> like = init_state(cosine, model, adam=Adam(steps=1000), scheduler=LineScheduler("x"), step=300)
    >>> like.step, like.opt_state is None
    (300, False)
    """
    theta = problem.init_theta(model.centres.dtype)
    stage = _stage_at(scheduler.stages(model.decomposition, adam.steps), step)
    opt_state = None
    if stage is not None:
        active = jnp.asarray(np.nonzero(stage.active)[0], jnp.int32)
        opt_state = adam.build().init((_gather_jit(model, active), theta))
    return FBPINNState(model, theta, opt_state, int(step))


def estimates(problem: AbstractProblem, theta) -> dict[str, float]:
    """Current values of the unknown PDE parameters."""
    values = problem.resolve(theta)
    return {k: float(values[k]) for k in problem.unknowns}


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
        opt = Adam(0, adam.learning_rate, adam.decay_rate, adam.decay_steps)
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
