"""The one divergence exception every iterative method raises."""

from __future__ import annotations

from typing import Any


class Diverged(RuntimeError):
    """Training (or an inversion) produced a NaN/inf loss or parameters.

    Every family raises a subclass: `physax.pinn.TrainingDiverged`,
    `physax.fbpinn.FBPINNDiverged`, `physax.emulators.EmulatorDiverged`,
    `physax.inverse.FWIDiverged`. Catch `Diverged` to handle them all.

    **Attributes:**

    - `step`: the step at which the bad value appeared (end of the chunk).
    - `state`: the last good state, in the family's own state type (resume from it).
    - `record`: the history record of the failed chunk (its loss terms show which term failed).

    **Example:** one handler for every family.

    >>> try:
    ...     raise EmulatorDiverged(300, None, {"loss": float("inf")})
    ... except Diverged as e:
    ...     print(e.step, e.record["loss"])
    300 inf
    """

    what = "training"
    hint = "Lower the learning rate, raise the float precision, or check the data for outliers."

    def __init__(self, step: int, state: Any, record: dict, message: str | None = None):
        self.step, self.state, self.record = step, state, dict(record)
        good = getattr(state, "step", None)
        if message is None:
            where = f"; the last good state is at step {good}" if isinstance(good, int) else ""
            message = (
                f"{self.what} diverged: the loss became {record.get('loss')} in the chunk ending at "
                f"step {step}{where}. {self.hint}"
            )
        super().__init__(message)
