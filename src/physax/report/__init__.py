"""Run-directory outputs: `metrics.json`, `history.csv`, PNG figures and `summary.md`.

This layer depends only on numpy, matplotlib and the standard library (no JAX), so
importing it is cheap and it can be used to re-plot an existing run directory.
"""

from ._history import HistoryWriter as HistoryWriter
from ._history_plots import plot_history as plot_history
from ._metrics import (
    atomic_write as atomic_write,
    atomic_write_text as atomic_write_text,
    to_jsonable as to_jsonable,
    write_json as write_json,
)
from ._panels import plot_curve as plot_curve, plot_panels as plot_panels
from ._plots import plot_field as plot_field, plot_solution as plot_solution, save_figure as save_figure
from ._rollout_plots import (
    plot_operator_samples as plot_operator_samples,
    plot_rollout as plot_rollout,
    plot_rollout_metrics as plot_rollout_metrics,
)
from ._summary import write_summary as write_summary

__all__ = [
    "HistoryWriter",
    "atomic_write",
    "atomic_write_text",
    "plot_curve",
    "plot_operator_samples",
    "plot_panels",
    "plot_rollout",
    "plot_rollout_metrics",
    "plot_field",
    "plot_history",
    "plot_solution",
    "save_figure",
    "to_jsonable",
    "write_json",
    "write_summary",
]
