"""Figures of the wave solver and FWI runs: velocity models, snapshots, shot gathers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from ._plots import save_figure


def plot_panels(
    path: Path, panels, *, extent, xlabel, ylabel, label, cmap="viridis", symmetric=False, shared=True
) -> Path:
    """Side-by-side images `panels = [(title, array), ...]`, one colour scale if `shared`."""
    n = len(panels)
    fig = Figure(figsize=(4.2 * n, 3.4), layout="constrained")  # no pyplot: no global backend
    axes = fig.subplots(1, n, squeeze=False)
    stack = np.stack([np.asarray(a) for _, a in panels]) if shared else None
    for ax, (title, a) in zip(axes[0], panels, strict=True):
        a = np.asarray(a)
        ref = stack if shared else a
        if symmetric:
            m = float(np.percentile(np.abs(ref), 99.5)) or 1.0
            vmin, vmax = -m, m
        else:
            vmin, vmax = float(ref.min()), float(ref.max())
        im = ax.imshow(a, extent=extent, aspect="auto", cmap=cmap, vmin=vmin, vmax=vmax)
        ax.set_title(title, fontsize=10)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        if not shared or ax is axes[0][-1]:
            fig.colorbar(im, ax=ax, label=label)
    return save_figure(fig, path)


def plot_curve(path: Path, x, ys: dict, *, xlabel: str, ylabel: str, title: str, log=True, marks=()) -> Path:
    """Plot curves ``ys = {label: y}`` against ``x`` into the PNG ``path`` (log scale by default).

    ``marks``: x positions drawn as dotted vertical lines (e.g. where a phase or a band
    starts). Returns the path written.
    """
    fig = Figure(figsize=(6, 3.6), layout="constrained")
    ax = fig.subplots()
    for name, y in ys.items():
        ax.plot(x, y, label=name)
    for m in marks:
        ax.axvline(m, color="0.6", ls=":")
    if log:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=10)
    if len(ys) > 1:
        ax.legend()
    return save_figure(fig, path)
