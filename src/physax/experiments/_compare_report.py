"""The outputs of `compare`: ``comparison.json``, ``comparison.md`` and ``comparison.png``."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from .. import __version__, report


def _num(v, fmt: str) -> str:
    return "—" if v is None else format(v, fmt)


def table(result) -> str:
    """The Markdown table: one row per method that ran, then the skipped ones with the reason."""
    lines = [
        "| method | rel. L2 error | wall time (s) | of which compile (s) | parameters / unknowns | recipe |",
        "|---|---|---|---|---|---|",
    ]
    for m in result.methods:
        if m.status != "ok":
            continue
        size = f"{m.size[1]:,} {m.size[0]}" if m.size else "—"
        cut = " (stopped at the budget)" if m.stopped_by_budget else ""
        lines.append(
            f"| {m.method} | {_num(m.rel_l2, '.2e')} | {_num(m.wall_time_s, '.2f')}{cut} | "
            f"{_num(m.compile_time_s, '.2f')} | {size} | {m.recipe} |"
        )
    others = [m for m in result.methods if m.status != "ok"]
    if others:
        lines.append("")
        lines += [f"- {m.method}: {m.status}: {m.reason}" for m in others]
    return "\n".join(lines)


def plot(path: Path, result) -> Path:
    """Error against wall time, log-log: a marker per method, the time-to-accuracy curve as a line."""
    fig = Figure(figsize=(6.4, 4.4))
    ax = fig.add_subplot()
    markers = dict(pinn="o", fbpinn="s", elm="D", odil="^", classical="*", fem="P")
    for i, m in enumerate(r for r in result.methods if r.status == "ok" and r.rel_l2 and r.wall_time_s):
        color = f"C{i}"
        if len(m.curve) > 1:
            t, e = np.asarray(m.curve).T
            ax.plot(t, e, "-", color=color, alpha=0.6, lw=1.2)
        ax.plot([m.wall_time_s], [m.rel_l2], markers.get(m.method, "o"), color=color, ms=9, label=m.method)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("wall time (s)")
    ax.set_ylabel("relative L2 error vs reference")
    ax.set_title(f"{result.problem}: error against wall time")
    ax.grid(True, which="both", alpha=0.3)
    if ax.get_legend_handles_labels()[0]:
        ax.legend()
    fig.tight_layout()
    return report.save_figure(fig, path)


def write_outputs(out: Path, result, problem, device: str) -> str:
    text = table(result)
    ref = problem.reference()
    head = (
        f"# Comparison on {result.problem}\n\n"
        f"Reference: {ref.source} on the {' x '.join(str(n) for n in ref.shape)} grid of "
        f"{problem.name}; every error is `physax.metrics.rel_l2_float64` against it. "
        f"Budget per iterative method: {f'{result.budget:g} s' if result.budget else 'none'}. "
        f"Device: {device}.\n\n"
    )
    report.atomic_write_text(out / "comparison.md", head + text + "\n")
    report.write_json(
        out / "comparison.json",
        {
            "problem": result.problem,
            "problem_class": problem.name,
            "reference": ref.source,
            "budget_s": result.budget,
            "device": device,
            "physax": __version__,
            "methods": [dataclasses.asdict(m) for m in result.methods],
        },
    )
    plot(out / "comparison.png", result)
    return text
