"""The resumable state of an FBPINN run, its divergence error and its (re)start."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import jax.numpy as jnp
import numpy as np

from ..optim import Adam
from ..pinn import TrainingDiverged
from ..problems import AbstractProblem
from ._model import FBPINN
from ._scheduler import AbstractScheduler, AllActive, Stage
from ._trainer import _gather_jit


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
