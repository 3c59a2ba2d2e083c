"""The shared training contract (semi-public, like ``equinox.internal``).

Every iterative method in physax (PINN, FBPINN, ELM, emulators, operators, FWI) returns
a `Result`, raises a subclass of `Diverged`, calls callbacks as ``callback(record, state)``
after each compiled chunk, shows a `ProgressBar`, and writes its state with
`checkpoint.save` / `checkpoint.load`.
"""

from . import checkpoint as checkpoint
from ._diverged import Diverged as Diverged
from ._history import History as History
from ._progress import ProgressBar as ProgressBar
from ._result import Result as Result
from .checkpoint import CheckpointError as CheckpointError

__all__ = ["CheckpointError", "Diverged", "History", "ProgressBar", "Result", "checkpoint"]
