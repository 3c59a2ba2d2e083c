"""Deep ensembles of PINNs: K independently seeded networks trained at once (vmap, sharded)."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optax
from jaxtyping import Array, PRNGKeyArray

from .. import distributed
from .._train import History, ProgressBar, Result
from ..optim import Adam
from ..problems import AbstractProblem, Observations
from ._collocation import Collocation
from ._fit import TrainingDiverged, make_trainer
from ._trainer import Trainer, predict

AXIS = "members"


class Ensemble(eqx.Module):
    """K trained PINNs of one architecture, their weights stacked along a leading member axis.

    The mean of the members is the prediction, their spread (standard deviation) an
    uncertainty estimate; `fit_ensemble` returns one as `Result.model`.

    **Fields:**

    - `trainer`: the shared `Trainer`.
    - `params`: the stacked `(model arrays, theta)`.

    **Example:**

    >>> # two untrained members, stacked by hand
    >>> heat = problems.Heat1D()
    >>> nets = [nn.MLP(2, "scalar", 8, 2, key=jax.random.key(i)) for i in range(2)]
    >>> trainer = make_trainer(heat, nets[0], phases=[Adam(steps=10)])
    >>> arrays = [eqx.filter(net, eqx.is_inexact_array) for net in nets]
    >>> ens = Ensemble(trainer, (jax.tree.map(lambda *a: jnp.stack(a), *arrays), {}))
    >>> points = jnp.array([[0.0, 0.5], [1.0, 0.25]])
    >>> ens.size, ens.members(points).shape, ens.mean(points).shape, bool(jnp.all(ens.spread(points) > 0))
    (2, (2, 2), (2,), True)
    """

    trainer: Trainer
    params: tuple

    @property
    def size(self) -> int:
        return jax.tree.leaves(self.params[0])[0].shape[0]

    def members(self, points: Array) -> Array:
        """Every member's field at `points` `(n, d)`: shape `(K, n, ...)`."""
        return _members(self.trainer, self.params, jnp.asarray(points))

    def mean(self, points: Array) -> Array:
        """The ensemble mean at `points`."""
        return jnp.mean(self.members(points), axis=0)

    def spread(self, points: Array) -> Array:
        """The ensemble standard deviation at `points` (`ddof=1`): the uncertainty estimate."""
        return jnp.std(self.members(points), axis=0, ddof=1)


@eqx.filter_jit
def _members(trainer, params, points):
    return jax.vmap(lambda p: predict(trainer, p, points))(params)


@eqx.filter_jit
def _chunk(trainer: Trainer, opt: optax.GradientTransformation, params, opt_state, batch, data, n: int):
    """`n` Adam steps of every member (vmapped); returns the members' loss terms afterwards."""

    def member(params, opt_state, batch):
        def body(_, carry):
            p, s = carry
            grads = jax.grad(trainer.loss)(p, batch, data)
            updates, s = opt.update(grads, s, p)
            return optax.apply_updates(p, updates), s

        params, opt_state = jax.lax.fori_loop(0, n, body, (params, opt_state))
        return params, opt_state, trainer.terms(params, batch, data)

    return jax.vmap(member)(params, opt_state, batch)


def _stack(trees):
    return jax.tree.map(lambda *xs: jnp.stack(xs), *trees)


def fit_ensemble(
    problem: AbstractProblem,
    model_fn: Callable[[PRNGKeyArray], Callable],
    keys: PRNGKeyArray,
    *,
    observations: Observations | None = None,
    collocation: Collocation = Collocation(),
    adam: Adam = Adam(),
    weights: dict[str, float] | None = None,
    hard_constraints: bool = False,
    chunk: int = 250,
    progress: bool = False,
    track_error: bool = True,
    devices: int | str | Sequence[jax.Device] | None = None,
) -> Result:
    r"""Train a deep ensemble of PINNs at once: one network per key, vmapped and sharded over devices.

    Member $k$ is `model_fn(k_model)` trained with Adam on its own collocation points
    (drawn from `k_points`, where `k_model, k_points = split(keys[k])`), exactly as
    `fit(problem, model_fn(k_model), key=k_points, adam=adam, lbfgs=None)` would train it
    alone; the members' steps run as one `jax.vmap` over the member axis, and with
    `devices` that axis is split over a device mesh (each device trains its own members,
    no communication). The ensemble mean $\bar u = \frac1K\sum_k u_k$ is the prediction
    and the spread $s = \sqrt{\frac{1}{K-1}\sum_k (u_k - \bar u)^2}$ an uncertainty
    estimate (deep ensembles, Lakshminarayanan, Pritzel & Blundell 2017): it is large
    where the data and the residual leave the solution undetermined.

    **Arguments:**

    - `problem`, `observations`, `collocation`, `weights`, `hard_constraints`: as `fit`.
    - `model_fn`: `key -> network`, e.g. `lambda k: MLP(2, "scalar", width=20, depth=3, key=k)`.
    - `keys`: one PRNG key per member, shape `(K,)` with `K >= 2`.
    - `adam`: the Adam phase every member runs (ensembles train with Adam only).
    - `chunk`: steps per compiled call (and per history record).
    - `progress`: draw a progress bar.
    - `track_error`: record the ensemble mean's relative L2 error and the mean spread on
      the reference grid after every chunk.
    - `devices`: split the members over devices (see `physax.distributed.device_mesh`);
      `K` must be a multiple of the device count.

    **Returns:** a `physax._train.Result` with `model` an `Ensemble` (`mean`, `spread`,
    `members`), `history` one record per chunk (`loss_mean`, `loss_max` over
    members, and with `track_error` `rel_l2` of the mean and `spread`), `state` the
    stacked `(params, opt_state)`, and `stats` `{"rel_l2_members": [...], "rel_l2": ...,
    "spread": ...}` on the reference grid.

    **Raises:** `TrainingDiverged` if a member's loss becomes NaN/inf.

    **Example:**

    >>> keys = jax.random.split(jax.random.key(0), 2)
    >>> net_fn = lambda k: MLP(2, "scalar", width=8, depth=2, key=k)
    >>> result = fit_ensemble(Heat1D(), net_fn, keys, collocation=Collocation(64, 16, 16),
    ...                       adam=Adam(20, 3e-3), chunk=10, track_error=False)
    >>> points = jnp.array([[0.5, 0.5]])
    >>> result.model.size, result.history["step"].tolist(), result.model.spread(points).shape
    (2, [10.0, 20.0], (1,))

    With `devices=0` the members train on every device at once.
    """
    keys = jnp.asarray(keys)
    if keys.ndim != 1 or keys.shape[0] < 2:
        raise ValueError(
            f"keys must be a 1-D array of at least 2 PRNG keys (one per member), got shape {keys.shape}."
        )
    if not isinstance(adam, Adam) or chunk < 1:
        raise ValueError("fit_ensemble trains with an Adam phase (adam=Adam(...)) in chunks of >= 1 step.")
    mesh = distributed.device_mesh(devices, AXIS)
    distributed.check_divisible("the ensemble size", keys.shape[0], mesh)
    split = [jax.random.split(k) for k in keys]
    members = [model_fn(km) for km, _ in split]
    trainer = make_trainer(
        problem,
        members[0],
        collocation=collocation,
        adam=adam,
        lbfgs=None,
        weights=weights,
        hard_constraints=hard_constraints,
    )
    states = [
        trainer.init(m, key=kp, observations=observations) for m, (_, kp) in zip(members, split, strict=True)
    ]
    opt = adam.build()
    params = _stack([s.params for s in states])
    batch = _stack([s.batch for s in states])
    opt_state = _stack([opt.init(s.params) for s in states])
    data = states[0].data
    params, opt_state, batch = distributed.shard((params, opt_state, batch), mesh)
    data = distributed.replicate(data, mesh)
    history, t0, step = History(), time.perf_counter(), 0
    ref = problem.reference() if track_error else None
    with ProgressBar(adam.steps, 0, enabled=progress) as bar:
        while step < adam.steps:
            n = min(chunk, adam.steps - step)
            new_params, new_opt_state, terms = _chunk(trainer, opt, params, opt_state, batch, data, n)
            total = sum(trainer.weights.get(k, 1.0) * v for k, v in terms.items())
            losses = np.asarray(distributed.to_host(total), np.float64)
            record = {"step": step + n, "loss_mean": float(losses.mean()), "loss_max": float(losses.max())}
            if not all(math.isfinite(x) for x in losses):
                record["wall_time_s"] = time.perf_counter() - t0
                raise TrainingDiverged(step + n, (params, opt_state), record)
            params, opt_state, step = new_params, new_opt_state, step + n
            if ref is not None:
                record.update(_errors(trainer, params, ref, summary=True))
            record["wall_time_s"] = time.perf_counter() - t0
            history.append(record)
            bar.update(record)
    stats = _errors(trainer, params, ref, summary=False) if ref is not None else {}
    return Result(Ensemble(trainer, params), history, (params, opt_state), stats)


def _errors(trainer, params, ref, *, summary: bool) -> dict:
    """Relative L2 error of the ensemble mean (and of each member) and the mean spread on `ref`."""
    u = np.asarray(distributed.to_host(_members(trainer, params, jnp.asarray(ref.points))), np.float64)
    u = u.reshape(u.shape[0], *ref.values.shape)
    norm = np.linalg.norm(ref.values)
    mean, spread = u.mean(0), u.std(0, ddof=1)
    out = {"rel_l2": float(np.linalg.norm(mean - ref.values) / norm), "spread": float(spread.mean())}
    if not summary:
        out["rel_l2_members"] = [float(np.linalg.norm(v - ref.values) / norm) for v in u]
    return out
