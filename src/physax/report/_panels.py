"""Figures of the wave solver and FWI runs: velocity models, snapshots, shot gathers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from ._plots import save_figure


def plot_panels(
    path: Path, panels, *, extent, xlabel, ylabel, label, cmap="viridis", symmetric=False, shared=True
) -> Path:
    """Side-by-side images `panels = [(title, array), ...]`, one colour scale if `shared`.

    Used for velocity models (true, start, inverted), wavefield snapshots and shot gathers.

    **Arguments:**

    - `path`: the PNG file to write.
    - `panels`: `(title, 2-d array)` pairs, drawn left to right with `imshow`.
    - `extent`: `(left, right, bottom, top)` of every image, in axis units.
    - `xlabel`, `ylabel`: axis labels.
    - `label`: colour-bar label.
    - `cmap`: colour map.
    - `symmetric`: a colour scale symmetric about zero, clipped at the 99.5th percentile of
      $|a|$ (for wavefields and gathers).
    - `shared`: one colour scale for all panels (one colour bar) or one each.

    **Returns:** the path written.

    **Example:**

    >>> true = np.where(np.arange(20)[:, None] < 10, 2000.0, 3000.0) * np.ones((20, 40))
    >>> start = np.full((20, 40), 2500.0)
    >>> plot_panels("models.png", [("true", true), ("start", start)], extent=(0, 400, 200, 0),
    ...             xlabel="x (m)", ylabel="z (m)", label="velocity (m/s)").name
    'models.png'
    """
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
    """Plot curves `ys = {label: y}` against `x` into the PNG `path` (log scale by default).

    **Arguments:**

    - `path`: the PNG file to write.
    - `x`: the abscissa shared by all curves.
    - `ys`: curves by legend label (a legend is drawn for more than one).
    - `xlabel`, `ylabel`, `title`: labels.
    - `log`: log-scale y axis.
    - `marks`: x positions drawn as dotted vertical lines (e.g. where a phase or a band
      starts).

    **Returns:** the path written.

    **Example:**

    >>> steps = np.arange(1, 101)
    >>> plot_curve("misfit.png", steps, {"L2": 1.0 / steps, "NCC": 0.5 / np.sqrt(steps)},
    ...            xlabel="iteration", ylabel="misfit", title="FWI", marks=[50]).name
    'misfit.png'
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
