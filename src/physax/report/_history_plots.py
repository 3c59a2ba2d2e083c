"""Training-history figures: `loss.png` (loss terms, test error, time to accuracy) and
`parameters.png` (convergence of identified parameters)."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from ._plots import DPI, _coord_label, _finite, save_figure

_TEXT = "0.3"
_NOT_LOSS = frozenset({"step", "phase", "wall_time_s", "rel_l2", "lr", "learning_rate"})


def _num(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _series(history: Sequence[Mapping[str, Any]], key: str, x: str = "step"):
    xs, ys = [], []
    for row in history:
        xv, yv = _num(row.get(x)), _num(row.get(key))
        if xv is not None and yv is not None:
            xs.append(xv)
            ys.append(yv)
    return np.asarray(xs), np.asarray(ys)


def _param_column(history: Sequence[Mapping[str, Any]], name: str) -> str | None:
    keys = {k for row in history for k in row}
    for candidate in (name, f"param_{name}", f"param/{name}", f"{name}_estimate"):
        if candidate in keys:
            return candidate
    return None


def _phase_changes(history: Sequence[Mapping[str, Any]]):
    changes, previous = [], None
    for row in history:
        phase = row.get("phase")
        if phase in (None, ""):
            continue
        if previous is not None and phase != previous:
            changes.append((_num(row.get("step")), _num(row.get("wall_time_s")), previous, phase))
        previous = phase
    return changes


def _mark_phases(ax, changes, *, use_wall: bool = False, text: bool = True) -> None:
    for step, wall, old, new in changes:
        x = wall if use_wall else step
        if x is None:
            continue
        ax.axvline(x, color="0.35", ls=":", lw=1.2)
        if text:
            ax.text(
                x,
                0.97,
                f"{old} → {new} ",
                transform=ax.get_xaxis_transform(),
                rotation=90,
                ha="right",
                va="top",
                fontsize=8,
                color=_TEXT,
            )


def _line(ax, xs, ys, **kwargs) -> None:
    ax.plot(xs, ys, marker="o" if len(xs) < 3 else None, ms=4, **kwargs)


def _log_if_positive(ax, *ys: np.ndarray) -> None:
    v = _finite(*ys) if ys else np.array([])
    if v.size and np.all(v > 0):
        ax.set_yscale("log")


def plot_history(
    out_dir: str | os.PathLike[str],
    history: Sequence[Mapping[str, Any]],
    *,
    true_parameters: Mapping[str, float] | None = None,
) -> list[Path]:
    r"""Write `loss.png` and, for inverse problems, `parameters.png`.

    `loss.png` shows every loss term against the step on a log axis (the total `loss`
    thicker), a dotted line where the `phase` changes (e.g. adam → lbfgs), and, when
    the history holds `rel_l2`, the test error against the step and against wall time
    (time to accuracy). Loss terms are all numeric columns other than `step`, `phase`,
    `wall_time_s`, `lr`/`learning_rate`, columns starting with `rel_`, and parameter
    columns.

    `parameters.png` (only with a non-empty `true_parameters`) has one column per
    parameter: the estimate against the step with the true value dashed, and below it
    the relative error $|\hat p - p| / |p|$ on a log axis. A parameter's history
    column is its name, or `param_<name>`, `param/<name>` or `<name>_estimate`.

    **Arguments:**

    - `out_dir`: the run directory.
    - `history`: rows as written by `HistoryWriter` (dicts with at least `step`).
    - `true_parameters`: true values of identified parameters, by name.

    **Returns:** the paths written (none for an empty history).

    **Example:**

    >>> rows = [{"step": s, "phase": "adam" if s < 50 else "lbfgs", "wall_time_s": 0.1 * s,
    ...          "loss": 1.0 / (1 + s), "nu": 0.01 + 0.02 / (1 + s)} for s in range(0, 100, 10)]
    >>> [p.name for p in plot_history("run", rows, true_parameters={"nu": 0.01})]
    ['loss.png', 'parameters.png']
    """
    out = Path(out_dir)
    history = [row for row in history if _num(row.get("step")) is not None]
    if not history:
        return []
    true_parameters = dict(true_parameters or {})
    param_cols = {n: _param_column(history, n) for n in true_parameters}
    excluded = _NOT_LOSS | {c for c in param_cols.values() if c} | set(true_parameters)
    loss_keys: list[str] = []
    for row in history:
        for k, v in row.items():
            if k not in excluded and not k.startswith("rel_") and k not in loss_keys and _num(v) is not None:
                loss_keys.append(k)
    if "loss" in loss_keys:  # total first, so it sits at the top of the legend
        loss_keys.insert(0, loss_keys.pop(loss_keys.index("loss")))
    changes = _phase_changes(history)
    paths = []

    has_rel = any(_num(row.get("rel_l2")) is not None for row in history)
    has_wall = has_rel and _series(history, "rel_l2", x="wall_time_s")[0].size > 0
    n_panels = (1 if loss_keys else 0) + has_rel + has_wall
    if n_panels:
        fig = Figure(figsize=(5.2 * n_panels, 4.0), dpi=DPI, layout="constrained")
        panels = list(fig.subplots(1, n_panels, squeeze=False)[0])
        if loss_keys:
            ax = panels.pop(0)
            all_ys = []
            for i, key in enumerate(loss_keys):
                xs, ys = _series(history, key)
                all_ys.append(ys)
                total = key == "loss"
                _line(
                    ax,
                    xs,
                    ys,
                    label=key,
                    lw=2.4 if total else 1.2,
                    color="k" if total else f"C{i % 10}",
                    zorder=3 if total else 2,
                )
            _log_if_positive(ax, *all_ys)
            _mark_phases(ax, changes)
            ax.set(xlabel="step", ylabel="loss", title="Training loss")
            ax.grid(alpha=0.3, which="both", lw=0.5)
            ax.legend(frameon=False, fontsize=8, ncol=1 if len(loss_keys) <= 6 else 2)
        if has_rel:
            ax = panels.pop(0)
            xs, ys = _series(history, "rel_l2")
            _line(ax, xs, ys, color="C2", lw=1.8)
            _log_if_positive(ax, ys)
            _mark_phases(ax, changes)
            ax.set(xlabel="step", ylabel="relative $L^2$ error", title="Test error")
            ax.grid(alpha=0.3, which="both", lw=0.5)
        if has_wall:
            ax = panels.pop(0)
            xs, ys = _series(history, "rel_l2", x="wall_time_s")
            _line(ax, xs, ys, color="C4", lw=1.8)
            _log_if_positive(ax, ys)
            _mark_phases(ax, changes, use_wall=True)
            ax.set(xlabel="wall time [s]", ylabel="relative $L^2$ error", title="Time to accuracy")
            ax.grid(alpha=0.3, which="both", lw=0.5)
        paths.append(save_figure(fig, out / "loss.png"))

    params = [(n, c, float(true_parameters[n])) for n, c in param_cols.items() if c]
    if params:
        paths.append(_plot_parameters(out / "parameters.png", history, params, changes))
    return paths


def _plot_parameters(path: Path, history, params, changes) -> Path:
    n = len(params)
    fig = Figure(figsize=(4.4 * n, 6.0), dpi=DPI, layout="constrained")
    grid = fig.subplots(2, n, sharex="col", squeeze=False)
    for j, (name, column, true) in enumerate(params):
        top, bottom = grid[0, j], grid[1, j]
        xs, ys = _series(history, column)
        sym = _coord_label(name)
        _line(top, xs, ys, color="C0", lw=1.8, label="estimate")
        top.axhline(true, color="k", ls="--", lw=1.2, label=f"true = {true:.4g}")
        final = ys[-1] if ys.size else float("nan")
        top.set(ylabel=sym, title=f"{sym}: {final:.4g} (true {true:.4g})")
        top.legend(frameon=False, fontsize=8)
        top.grid(alpha=0.3, lw=0.5)
        _mark_phases(top, changes)
        scale = abs(true) if true != 0 else 1.0
        err = np.abs(ys - true) / scale
        _line(bottom, xs, np.maximum(err, 1e-16), color="C3", lw=1.5)
        _log_if_positive(bottom, np.maximum(err, 1e-16))
        bottom.set(xlabel="step", ylabel="relative error" if true != 0 else "absolute error")
        bottom.grid(alpha=0.3, which="both", lw=0.5)
        _mark_phases(bottom, changes, text=False)
    fig.suptitle("Parameter identification")
    return save_figure(fig, path)
