"""The resumable training state of an emulator, and the divergence exception that carries it."""

from __future__ import annotations

from typing import Any

import equinox as eqx

from .._train import Diverged


class EmulatorState(eqx.Module):
    """Everything a `Trainer` needs to continue training exactly where it stopped.

    **Fields:**

    - `params`: the emulator's trainable arrays (``eqx.partition(emulator,
      eqx.is_inexact_array)[0]``); combine them with the emulator's static part to get
      the network back (`Trainer.emulator`).
    - `opt_state`: the optimiser state (Adam moments, step count of a schedule).
    - `step`: optimiser steps taken so far.

    The minibatch order is not stored: it is a function of the training key, so resuming with
    the same key (and `chunk`) replays the same batches and ends at bit-identical weights.
    Save it with `physax._train.checkpoint.save(path, state, {"step": state.step})`; load it
    into `trainer.init(emulator)` and rebuild it with the saved step.

    **Example:** the state at step 0, and the network it holds.

    >>> net = nn.LinearConv(1, 1, 1, 2, key=jax.random.key(0))
    >>> trainer = Trainer(Supervised(1), optax.adam(1e-2), num_steps=10, batch_size=4)
    >>> state = trainer.init(net)
    >>> state.step, trainer.emulator(net, state).weight.shape
    (0, (2,))
    """

    params: Any
    opt_state: Any
    step: int = eqx.field(static=True)


class EmulatorDiverged(Diverged):
    """The training loss (or the weights) became NaN/inf.

    `state` is the last good `EmulatorState` (pass it back as `trainer(..., state=e.state)`
    after changing the set-up, or checkpoint it); `emulator` is the matching network; `step`
    is the end of the chunk that failed; `record` its history record.

    **Example:** plain gradient descent with a learning rate of $10^8$ diverges in the first
    chunk; the error carries the state at step 0.

    >>> x = jnp.arange(16) / 16
    >>> data = jnp.stack([jnp.roll(jnp.sin(2 * jnp.pi * x)[None], -s, -1) for s in range(5)])[None]
    >>> net = nn.LinearConv(1, 1, 1, 2, key=jax.random.key(0))
    >>> trainer = Trainer(Supervised(1), optax.sgd(1e8), num_steps=20, batch_size=4)
    >>> try:
    ...     trainer(net, data, key=jax.random.key(1), chunk=10, progress=False)
    ... except EmulatorDiverged as e:
    ...     print(e.step, e.state.step)
    10 0
    """

    what = "emulator training"
    hint = "Lower the learning rate or the rollout length."

    def __init__(
        self, step: int, state: EmulatorState, record: dict, message: str | None = None, *, emulator=None
    ):
        super().__init__(step, state, record, message)
        self.emulator = emulator
