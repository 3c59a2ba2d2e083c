"""Residuum configuration and the weighted composite of configurations."""

from __future__ import annotations

from collections.abc import Sequence

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


class Residuum(AbstractConfiguration):
    r"""Residuum rollout: $L = \sum_{t=1}^{T} w_t\, \ell\big(\mathcal{R}(g_t, g_{t-1})\big)$.

    $g_t = f_\theta^t(u_0)$ and $\mathcal{R}(u^{n+1}, u^n)$ is a two-level residuum of the
    discretised PDE (e.g. $(u^{n+1} - u^n)/\Delta t - \mathcal{N}(u^n)$), zero for the true
    solution; the loss is taken against zero, so no resolved reference states are needed
    (Koehler et al. 2024). ``cut_prev`` / ``cut_next`` stop the gradient through the first
    ($u^n$) / second ($u^{n+1}$) residuum input; ``cut_bptt_every`` cuts the emulator chain.
    Reads only the initial condition (``num_snapshots = 1``) and needs a `residuum_fn`
    taking one sample each.

    **Arguments:**

    - `num_rollout_steps`: $T$.
    - `time_level_loss`: a loss that accepts no target, e.g. `MSELoss()` (the default).
    - `time_level_weights`: $w_t$, length $T$ (default ones).
    - `cut_bptt_every`: cut the emulator chain every this many steps (0: never).
    - `cut_prev`, `cut_next`: stop the gradient through $u^n$ / $u^{n+1}$.

    **Example:** the residuum of advection by one cell, $u^{n+1}_j - u^n_{j+1}$, vanishes on
    the exact step; no reference states are read.

    >>> x = jnp.arange(16) / 16
    >>> u0 = jnp.stack([jnp.sin(2 * jnp.pi * m * x) for m in (1, 2, 3)])[:, None]
    >>> data = jnp.stack([jnp.roll(u0, -s, axis=-1) for s in range(11)], axis=1)
    >>> exact = lambda u: jnp.roll(u, -1, axis=-1)
    >>> residuum = lambda u_next, u_prev: u_next - jnp.roll(u_prev, -1, axis=-1)
    >>> Residuum(3)(exact, data[:, :1], residuum_fn=residuum)
    Array(0., dtype=float...)
    """

    num_rollout_steps: int = eqx.field(static=True)
    time_level_loss: AbstractTimeLevelLoss
    time_level_weights: Array
    cut_bptt_every: int = eqx.field(static=True)
    cut_prev: bool = eqx.field(static=True)
    cut_next: bool = eqx.field(static=True)
    needs_residuum = True

    def __init__(
        self,
        num_rollout_steps: int = 1,
        *,
        time_level_loss: AbstractTimeLevelLoss = MSELoss(),
        time_level_weights=None,
        cut_bptt_every: int = 0,
        cut_prev: bool = False,
        cut_next: bool = False,
    ):
        check_rollout(num_rollout_steps, cut_bptt_every)
        self.num_rollout_steps = num_rollout_steps
        self.time_level_loss = time_level_loss
        self.time_level_weights = _weights(time_level_weights, num_rollout_steps)
        self.cut_bptt_every = cut_bptt_every
        self.cut_prev = cut_prev
        self.cut_next = cut_next

    @property
    def num_snapshots(self) -> int:
        return 1

    def __call__(self, emulator, data, *, ref_stepper=None, residuum_fn=None, sample_weights=None):
        check_data(data, 1, "Residuum")
        if residuum_fn is None:
            raise ValueError("Residuum needs a residuum_fn(u_next, u_prev) returning the residual.")
        prev = data[:, 0]
        loss = 0.0
        for t in range(1, self.num_rollout_steps + 1):
            nxt = jax.vmap(emulator)(prev)
            a = jax.lax.stop_gradient(nxt) if self.cut_next else nxt
            b = jax.lax.stop_gradient(prev) if self.cut_prev else prev
            res = jax.vmap(residuum_fn)(a, b)
            term = level_loss(self.time_level_loss, res, None, sample_weights)
            loss = loss + weight(self.time_level_weights[t - 1], term) * term
            prev = maybe_cut(nxt, t, self.cut_bptt_every)
        return loss


class Composite(AbstractConfiguration):
    r"""Weighted sum $L = \sum_j \lambda_j L_j$ of configurations on the same windows.

    Each part reads the first ``part.num_snapshots`` snapshots of the window; the composite
    needs the largest of them, and a `ref_stepper` / `residuum_fn` if any part does.

    **Arguments:**

    - `configurations`: the parts.
    - `weights`: $\lambda_j$, one per part (default ones).

    **Example:** supervised one-step training plus a tenth of the residuum; for the identity
    "emulator" the residuum is the same error as the supervised term.

    >>> x = jnp.arange(16) / 16
    >>> u0 = jnp.stack([jnp.sin(2 * jnp.pi * m * x) for m in (1, 2, 3)])[:, None]
    >>> data = jnp.stack([jnp.roll(u0, -s, axis=-1) for s in range(11)], axis=1)
    >>> residuum = lambda u_next, u_prev: u_next - jnp.roll(u_prev, -1, axis=-1)
    >>> config = Composite([Supervised(1), Residuum(1)], [1.0, 0.1])
    >>> config.num_snapshots, config.needs_residuum
    (2, True)
    >>> total = config(lambda u: u, data, residuum_fn=residuum)
    >>> bool(jnp.isclose(total, 1.1 * Supervised(1)(lambda u: u, data)))
    True
    """

    configurations: tuple[AbstractConfiguration, ...]
    weights: Array

    def __init__(self, configurations: Sequence[AbstractConfiguration], weights=None):
        configurations = tuple(configurations)
        if not configurations or not all(isinstance(c, AbstractConfiguration) for c in configurations):
            raise ValueError("Composite needs a non-empty list of configurations.")
        self.configurations = configurations
        self.weights = _weights(weights, len(configurations))

    @property
    def num_snapshots(self) -> int:
        return max(c.num_snapshots for c in self.configurations)

    @property
    def needs_ref_stepper(self) -> bool:  # type: ignore[override]
        return any(c.needs_ref_stepper for c in self.configurations)

    @property
    def needs_residuum(self) -> bool:  # type: ignore[override]
        return any(c.needs_residuum for c in self.configurations)

    def __call__(self, emulator, data, *, ref_stepper=None, residuum_fn=None, sample_weights=None):
        check_data(data, self.num_snapshots, "Composite")
        total = 0.0
        for w, config in zip(self.weights, self.configurations, strict=True):
            part = config(
                emulator,
                data[:, : config.num_snapshots],
                ref_stepper=ref_stepper,
                residuum_fn=residuum_fn,
                sample_weights=sample_weights,
            )
            total = total + weight(w, part) * part
        return total
