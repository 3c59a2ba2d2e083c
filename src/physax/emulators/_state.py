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
    Save it with ``physax._train.checkpoint.save(path, state, {"step": state.step})``; load it
    into ``trainer.init(emulator)`` and rebuild it with the saved step.
    """

    params: Any
    opt_state: Any
    step: int = eqx.field(static=True)


class EmulatorDiverged(Diverged):
    """The training loss (or the weights) became NaN/inf.

    `state` is the last good `EmulatorState` (pass it back as ``trainer(..., state=e.state)``
    after changing the set-up, or checkpoint it); `emulator` is the matching network; `step`
    is the end of the chunk that failed; `record` its history record.
    """

    what = "emulator training"
    hint = "Lower the learning rate or the rollout length."

    def __init__(
        self, step: int, state: EmulatorState, record: dict, message: str | None = None, *, emulator=None
    ):
        super().__init__(step, state, record, message)
        self.emulator = emulator
