"""Supervised rollout and mix-chain configurations."""

from __future__ import annotations

import equinox as eqx
import jax
from jaxtyping import Array

from ._configuration import (
    AbstractConfiguration,
    check_data,
    check_rollout,
    level_loss,
    maybe_cut,
    time_level_weights as _weights,
    weight,
)
from ._losses import AbstractTimeLevelLoss, MSELoss


class Supervised(AbstractConfiguration):
    r"""Supervised rollout: $L = \sum_{t=1}^{T} w_t\, \ell(f_\theta^t(u_0), u_t)$.

    The emulator $f_\theta$ is applied `num_rollout_steps` = $T$ times from the window's initial
    condition and compared with the stored reference snapshots (Koehler et al. 2024, Trainax /
    APEBench). $T = 1$ is one-step training. With ``cut_bptt_every = k > 0`` the gradient is
    stopped on the emulator chain after every $k$-th step (truncated backpropagation through
    time). Needs windows of $T+1$ snapshots.

    **Arguments:**

    - `num_rollout_steps`: $T$.
    - `time_level_loss`: $\ell$ (default `MSELoss()`).
    - `time_level_weights`: $w_t$, length $T$ (default ones).
    - `cut_bptt_every`: cut the emulator chain every this many steps (0: never).

    **Example:** `data` holds three exact advection trajectories that move one cell to the left per
    step, shape `(trajectories, snapshots, channels, x)`; `exact` is that step.

    >>> x = jnp.arange(16) / 16
    >>> u0 = jnp.stack([jnp.sin(2 * jnp.pi * m * x) for m in (1, 2, 3)])[:, None]
    >>> data = jnp.stack([jnp.roll(u0, -s, axis=-1) for s in range(11)], axis=1)
    >>> exact = lambda u: jnp.roll(u, -1, axis=-1)
    >>> Supervised(5)(exact, data)
    Array(0., dtype=float...)
    >>> bool(Supervised(5)(lambda u: u, data) > 1)  # the identity is far off after 5 steps
    True
    """

    num_rollout_steps: int = eqx.field(static=True)
    time_level_loss: AbstractTimeLevelLoss
    time_level_weights: Array
    cut_bptt_every: int = eqx.field(static=True)

    def __init__(
        self,
        num_rollout_steps: int = 1,
        *,
        time_level_loss: AbstractTimeLevelLoss = MSELoss(),
        time_level_weights=None,
        cut_bptt_every: int = 0,
    ):
        check_rollout(num_rollout_steps, cut_bptt_every)
        self.num_rollout_steps = num_rollout_steps
        self.time_level_loss = time_level_loss
        self.time_level_weights = _weights(time_level_weights, num_rollout_steps)
        self.cut_bptt_every = cut_bptt_every

    @property
    def num_snapshots(self) -> int:
        return self.num_rollout_steps + 1

    def __call__(self, emulator, data, *, ref_stepper=None, residuum_fn=None, sample_weights=None):
        check_data(data, self.num_snapshots, "Supervised")
        pred = data[:, 0]
        loss = 0.0
        for t in range(1, self.num_rollout_steps + 1):
            pred = jax.vmap(emulator)(pred)
            term = level_loss(self.time_level_loss, pred, data[:, t], sample_weights)
            loss = loss + weight(self.time_level_weights[t - 1], term) * term
            pred = maybe_cut(pred, t, self.cut_bptt_every)
        return loss


class MixChain(AbstractConfiguration):
    r"""Mix chain: $T$ emulator steps, then $P$ reference-solver steps, all against the data.

    $L = \sum_{t=1}^{T+P} w_t\, \ell(g_t, u_t)$ with $g_t = f_\theta(g_{t-1})$ for $t \le T$ and
    $g_t = \mathcal{P}(g_{t-1})$ (the reference stepper) for $t > T$, $g_0 = u_0$ (Trainax's
    post-physics mix chain). The gradient reaches $\theta$ through the differentiable
    reference steps. ``cut_bptt_every`` cuts the emulator part as in `Supervised`.
    Needs windows of $T + P + 1$ snapshots and a `ref_stepper`.

    **Arguments:**

    - `num_rollout_steps`: $T$.
    - `num_post_physics_steps`: $P$ (default 1).
    - `time_level_loss`: $\ell$ (default `MSELoss()`).
    - `time_level_weights`: $w_t$, length $T + P$ (default ones).
    - `cut_bptt_every`: cut the emulator part every this many steps (0: never).

    **Example:** `data` holds three exact advection trajectories that move one cell to the left per
    step, shape `(trajectories, snapshots, channels, x)`; `exact` is that step and
    `ref` the spectral solver that makes it.

    >>> x = jnp.arange(16) / 16
    >>> u0 = jnp.stack([jnp.sin(2 * jnp.pi * m * x) for m in (1, 2, 3)])[:, None]
    >>> data = jnp.stack([jnp.roll(u0, -s, axis=-1) for s in range(11)], axis=1)
    >>> exact = lambda u: jnp.roll(u, -1, axis=-1)
    >>> grid = spectral.PeriodicGrid(1, 16, extent=1.0)
    >>> ref = spectral.Stepper(spectral.Advection(velocity=-1 / 16), grid, dt=1.0)
    >>> bool(MixChain(2)(exact, data, ref_stepper=ref) < 1e-8)
    True
    """

    num_rollout_steps: int = eqx.field(static=True)
    num_post_physics_steps: int = eqx.field(static=True)
    time_level_loss: AbstractTimeLevelLoss
    time_level_weights: Array
    cut_bptt_every: int = eqx.field(static=True)
    needs_ref_stepper = True

    def __init__(
        self,
        num_rollout_steps: int = 1,
        *,
        num_post_physics_steps: int = 1,
        time_level_loss: AbstractTimeLevelLoss = MSELoss(),
        time_level_weights=None,
        cut_bptt_every: int = 0,
    ):
        check_rollout(num_rollout_steps, cut_bptt_every)
        if not isinstance(num_post_physics_steps, int) or num_post_physics_steps < 0:
            raise ValueError(f"num_post_physics_steps must be an int >= 0, got {num_post_physics_steps!r}.")
        self.num_rollout_steps = num_rollout_steps
        self.num_post_physics_steps = num_post_physics_steps
        self.time_level_loss = time_level_loss
        n = num_rollout_steps + num_post_physics_steps
        self.time_level_weights = _weights(time_level_weights, n)
        self.cut_bptt_every = cut_bptt_every

    @property
    def num_snapshots(self) -> int:
        return self.num_rollout_steps + self.num_post_physics_steps + 1

    def __call__(self, emulator, data, *, ref_stepper=None, residuum_fn=None, sample_weights=None):
        check_data(data, self.num_snapshots, "MixChain")
        if ref_stepper is None:
            raise ValueError(
                "MixChain needs a ref_stepper (the reference solver for the post-physics steps)."
            )
        pred = data[:, 0]
        loss = 0.0
        for t in range(1, self.num_snapshots):
            if t <= self.num_rollout_steps:
                pred = jax.vmap(emulator)(pred)
            else:
                pred = jax.vmap(ref_stepper)(pred)
            term = level_loss(self.time_level_loss, pred, data[:, t], sample_weights)
            loss = loss + weight(self.time_level_weights[t - 1], term) * term
            if t <= self.num_rollout_steps:
                pred = maybe_cut(pred, t, self.cut_bptt_every)
        return loss
