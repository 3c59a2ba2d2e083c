"""ODIL's resumable state and its divergence exception."""

from __future__ import annotations

from typing import Any

import equinox as eqx
from jaxtyping import Array

from .._train import Diverged


class ODILState(eqx.Module):
    """Everything a resume needs.

    **Fields:** `x` (the unknown vector: grid values, then the raw unknown parameters),
    `opt_state` (the gradient optimiser's state; ``None`` for Newton), `damping` (Newton's
    current Levenberg-Marquardt damping), `step` and `phase` (``"newton"``, ``"adam"``,
    ``"lbfgs"``).
    """

    x: Array
    opt_state: Any
    damping: float
    step: int = eqx.field(static=True)
    phase: str = eqx.field(static=True)


class ODILDiverged(Diverged):
    """An ODIL solve produced a NaN/inf loss; `state` is the last good `ODILState`."""

    what = "the ODIL solve"
    hint = "Use a finer grid, a smaller learning rate, or Newton with more damping."
