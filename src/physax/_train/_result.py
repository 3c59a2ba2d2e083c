"""`Result`: what every iterative method returns."""

from __future__ import annotations

from typing import Any

import equinox as eqx

from ._history import History


class Result(eqx.Module):
    """The shared result shape of every trainer in physax.

    **Fields:**

    - `model`: the trained model (a network, an FBPINN, an emulator, or an inverted
      velocity model), ready to call.
    - `history`: a `History`, one record per chunk (`step`, `wall_time_s`, each loss
      term, tracked errors); read by row or by column.
    - `state`: everything a resume needs (pass it back as `state=` to continue).
    - `stats`: a dict of figures the family reports (identified parameters, solve
      times, condition estimates, ...).

    `parameters` reads the identified PDE parameters out of `stats`.

    **Example:** built by hand here; `physax.pinn.fit`, `physax.fbpinn.fit`,
    `physax.emulators.Trainer`, `physax.odil.solve` and `physax.inverse.fwi` return one.

    >>> history = History([{"step": 100, "loss": 0.2}, {"step": 200, "loss": 0.05}])
    >>> result = Result(lambda x: 2 * x, history, None, {"parameters": {"lambda1": 0.998}})
    >>> result.model(3.0), float(result.history["loss"][-1]), result.parameters
    (6.0, 0.05, {'lambda1': 0.998})
    """

    model: Any
    history: History
    state: Any
    stats: dict = eqx.field(default_factory=dict)

    @property
    def parameters(self) -> dict[str, float]:
        """Identified PDE parameters (empty for forward problems)."""
        return dict(self.stats.get("parameters", {}))
