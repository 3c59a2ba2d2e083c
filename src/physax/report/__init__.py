"""Run-directory outputs: `metrics.json`, `history.csv`, PNG figures and `summary.md`.

This layer depends only on numpy, matplotlib and the standard library (no JAX), so
importing it is cheap and it can be used to re-plot an existing run directory.
"""

from ._history import HistoryWriter as HistoryWriter
from ._history_plots import plot_history as plot_history
from ._metrics import to_jsonable as to_jsonable, write_json as write_json
from ._plots import plot_field as plot_field, plot_solution as plot_solution
from ._summary import write_summary as write_summary

__all__ = [
    "HistoryWriter",
    "plot_field",
    "plot_history",
    "plot_solution",
    "to_jsonable",
    "write_json",
    "write_summary",
]
