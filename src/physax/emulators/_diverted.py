"""Diverted-chain configuration: the reference branches off the emulator's own trajectory."""

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


class DivertedChain(AbstractConfiguration):
    r"""Diverted chain with branch length $B$ (Koehler et al. 2024, Trainax).

    The emulator rolls out a main chain $g_t = f_\theta^t(u_0)$; from each $g_t$,
    $t = 0, \dots, T - B$, a branch of $B$ emulator steps is compared with $B$ reference-stepper
    steps started from the same $g_t$, computed on the fly:

    $$L = \sum_{t=0}^{T-B} w_t \sum_{b=1}^{B} v_b\, \ell\big(f_\theta^{b}(g_t),\ \mathcal{P}^{b}(g_t)\big).$$

    $B = T$ gives one branch from $u_0$, i.e. `Supervised` with the reference computed by
    $\mathcal{P}$; $B = 1$ is the one-step diverted chain. ``cut_div_chain=True`` stops the
    gradient through the reference branch's start $g_t$ (the physics branch), so only the
    emulator branch carries gradient. ``cut_bptt_every = k`` cuts the emulator chains after
    every $k$-th step (counting main-chain plus branch steps, as Trainax). Reads only the initial
    condition of each window (``num_snapshots = 1``) and needs a `ref_stepper`.

    **Arguments:**

    - `num_rollout_steps`: $T$.
    - `num_branch_steps`: $B \le T$.
    - `time_level_loss`: $\ell$ (default `MSELoss()`).
    - `time_level_weights`: $w_t$, length $T - B + 1$ (default ones).
    - `branch_level_weights`: $v_b$, length $B$ (default ones).
    - `cut_bptt_every`: cut the emulator chains every this many steps (0: never).
    - `cut_div_chain`: stop the gradient through the reference branch's start.

    **Example:** `data` holds three exact advection trajectories that move one cell to the left per
    step, shape `(trajectories, snapshots, channels, x)`; `exact` is that step and
    `ref` the spectral solver that makes it.

    >>> x = jnp.arange(16) / 16
    >>> u0 = jnp.stack([jnp.sin(2 * jnp.pi * m * x) for m in (1, 2, 3)])[:, None]
    >>> data = jnp.stack([jnp.roll(u0, -s, axis=-1) for s in range(11)], axis=1)
    >>> exact = lambda u: jnp.roll(u, -1, axis=-1)
    >>> grid = spectral.PeriodicGrid(1, 16, extent=1.0)
    >>> ref = spectral.Stepper(spectral.Advection(velocity=-1 / 16), grid, dt=1.0)
    >>> config = DivertedChain(3, 2)
    >>> loss = config(exact, data, ref_stepper=ref)
    >>> bool(loss < 1e-8), bool(config(lambda u: u, data, ref_stepper=ref) > 1)
    (True, True)
    """

    num_rollout_steps: int = eqx.field(static=True)
    num_branch_steps: int = eqx.field(static=True)
    time_level_loss: AbstractTimeLevelLoss
    time_level_weights: Array
    branch_level_weights: Array
    cut_bptt_every: int = eqx.field(static=True)
    cut_div_chain: bool = eqx.field(static=True)
    needs_ref_stepper = True

    def __init__(
        self,
        num_rollout_steps: int = 1,
        num_branch_steps: int = 1,
        *,
        time_level_loss: AbstractTimeLevelLoss = MSELoss(),
        time_level_weights=None,
        branch_level_weights=None,
        cut_bptt_every: int = 0,
        cut_div_chain: bool = False,
    ):
        check_rollout(num_rollout_steps, cut_bptt_every)
        if not isinstance(num_branch_steps, int) or not 1 <= num_branch_steps <= num_rollout_steps:
            raise ValueError(
                f"num_branch_steps must be an int in [1, num_rollout_steps={num_rollout_steps}], "
                f"got {num_branch_steps!r}."
            )
        self.num_rollout_steps = num_rollout_steps
        self.num_branch_steps = num_branch_steps
        self.time_level_loss = time_level_loss
        n_branches = num_rollout_steps - num_branch_steps + 1
        self.time_level_weights = _weights(time_level_weights, n_branches)
        self.branch_level_weights = _weights(branch_level_weights, num_branch_steps)
        self.cut_bptt_every = cut_bptt_every
        self.cut_div_chain = cut_div_chain

    @property
    def num_snapshots(self) -> int:
        return 1

    def __call__(self, emulator, data, *, ref_stepper=None, residuum_fn=None, sample_weights=None):
        check_data(data, 1, "DivertedChain")
        if ref_stepper is None:
            raise ValueError("DivertedChain needs a ref_stepper to compute the branch reference on the fly.")
        main = data[:, 0]
        loss = 0.0
        for t in range(self.num_rollout_steps - self.num_branch_steps + 1):
            pred = main
            ref = jax.lax.stop_gradient(main) if self.cut_div_chain else main
            branch = 0.0
            for b in range(1, self.num_branch_steps + 1):
                pred = jax.vmap(emulator)(pred)
                ref = jax.vmap(ref_stepper)(ref)
                term = level_loss(self.time_level_loss, pred, ref, sample_weights)
                branch = branch + weight(self.branch_level_weights[b - 1], term) * term
                pred = maybe_cut(pred, t + b, self.cut_bptt_every)
            loss = loss + weight(self.time_level_weights[t], branch) * branch
            if t < self.num_rollout_steps - self.num_branch_steps:  # the last one is unused
                main = maybe_cut(jax.vmap(emulator)(main), t + 1, self.cut_bptt_every)
        return loss
