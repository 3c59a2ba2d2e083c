"""ODIL's resumable state and its divergence exception."""

from __future__ import annotations

from typing import Any

import equinox as eqx
from jaxtyping import Array

from .._train import Diverged


class ODILState(eqx.Module):
    """Everything an ODIL solve needs to continue where it stopped.

    **Fields:**

    - `x`: the unknown vector: grid values, then the raw unknown parameters.
    - `opt_state`: the gradient optimiser's state (`None` for Newton).
    - `damping`: Newton's current Levenberg-Marquardt damping.
    - `step`: steps taken so far.
    - `phase`: `"newton"`, `"adam"` or `"lbfgs"`.

    **Example:** one Newton step, then a second one from the saved state.

    >>> problem = CosineODE(omega=1.0)
    >>> grid = Grid(problem.domain, (33,))
    >>> first = solve(problem, grid, optimizer=Newton(steps=1))
    >>> first.state.step, first.state.x.shape
    (1, (33,))
    >>> more = solve(problem, grid, optimizer=Newton(steps=2), state=first.state)
    >>> [row["step"] for row in more.history]
    [2]
    """

    x: Array
    opt_state: Any
    damping: float
    step: int = eqx.field(static=True)
    phase: str = eqx.field(static=True)


class ODILDiverged(Diverged):
    """An ODIL solve produced a NaN/inf loss; `state` is the last good `ODILState`.

    A `physax._train.Diverged` (a `RuntimeError`): its message names the step and a fix;
    pass `e.state` back to `solve(..., state=e.state)` after changing the set-up.

    **Example:** the message it carries (here built by hand; `solve` raises it).

    >>> print(ODILDiverged(7, None, {"loss": float("nan")}))
    the ODIL solve diverged: the loss became nan in the chunk ending at step 7. Use a finer grid, a smaller learning rate, or Newton with more damping.
    >>> issubclass(ODILDiverged, Diverged)
    True
    """

    what = "the ODIL solve"
    hint = "Use a finer grid, a smaller learning rate, or Newton with more damping."
