"""Figures of emulator and operator runs: space-time rollouts, metric-vs-step curves, samples."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from ._plots import DPI, save_figure


def plot_rollout(path: Path, x, dt: float, reference, emulated, *, title: str) -> Path:
    """Reference, emulator and |error| space-time images (t right, x up) of one trajectory.

    **Arguments:**

    - `path`: the PNG file to write.
    - `x`: the grid, `(N,)`.
    - `dt`: the time between states.
    - `reference`, `emulated`: trajectories of shape `(T+1, N)` (initial state first).
    - `title`: figure title.

    **Returns:** the path written.

    **Example:**

    >>> x = np.linspace(0, 1, 32, endpoint=False)
    >>> ref = np.stack([np.sin(2 * np.pi * (x - 0.1 * n)) for n in range(11)])
    >>> plot_rollout("rollout.png", x, 0.1, ref, 0.98 * ref, title="advection").name
    'rollout.png'
    """
    ref, emu = np.asarray(reference), np.asarray(emulated)
    t = np.arange(ref.shape[0]) * dt
    fig = Figure(figsize=(13, 3.6), dpi=DPI, layout="constrained")
    axes = fig.subplots(1, 3, sharey=True)
    vmax = float(np.nanmax(np.abs(ref))) or 1.0
    panels = (
        ("reference", ref, "RdBu_r", -vmax, vmax),
        ("emulator", emu, "RdBu_r", -vmax, vmax),
        ("|emulator - reference|", np.abs(emu - ref), "magma", 0.0, None),
    )
    for ax, (name, field, cmap, lo, hi) in zip(axes, panels, strict=True):
        im = ax.pcolormesh(t, x, field.T, cmap=cmap, vmin=lo, vmax=hi, shading="auto")
        fig.colorbar(im, ax=ax)
        ax.set_title(name)
        ax.set_xlabel("$t$")
    axes[0].set_ylabel("$x$")
    fig.suptitle(title)
    return save_figure(fig, path)


def plot_rollout_metrics(
    path: Path, curves: dict[str, dict[str, np.ndarray]], *, threshold: float = 0.8
) -> Path:
    """nRMSE (log) and correlation against the rollout step, one line per model/run.

    **Arguments:**

    - `path`: the PNG file to write.
    - `curves`: `{name: {"nrmse": (T,), "correlation": (T,)}}`, e.g. from
      `physax.metrics.rollout_metrics`.
    - `threshold`: the correlation drawn as a dotted line (see
      `physax.metrics.correlation_time`).

    **Returns:** the path written.

    **Example:**

    >>> steps = np.arange(1, 51)
    >>> curves = {"ConvNet": {"nrmse": 0.01 * steps, "correlation": 1.0 - 0.01 * steps}}
    >>> plot_rollout_metrics("metrics.png", curves).name
    'metrics.png'
    """
    fig = Figure(figsize=(11, 3.8), dpi=DPI, layout="constrained")
    ax1, ax2 = fig.subplots(1, 2)
    for name, c in curves.items():
        steps = np.arange(1, len(c["nrmse"]) + 1)
        ax1.semilogy(steps, np.maximum(c["nrmse"], 1e-12), label=name)
        ax2.plot(steps, c["correlation"], label=name)
    ax2.axhline(threshold, color="k", ls=":", lw=1, label=f"{threshold}")
    ax1.set(xlabel="rollout step", ylabel="nRMSE", title="normalised RMSE per step")
    ax2.set(xlabel="rollout step", ylabel="correlation", title="correlation per step", ylim=(-0.1, 1.05))
    for ax in (ax1, ax2):
        ax.grid(alpha=0.3)
        ax.legend(frameon=False)
    return save_figure(fig, path)


def plot_operator_samples(
    path: Path, x, u0, truth, predictions: dict[str, np.ndarray], *, num: int = 3
) -> Path:
    """Initial condition, true $u(t=1)$ and each model's prediction for a few test samples.

    **Arguments:**

    - `path`: the PNG file to write.
    - `x`: the grid, `(N,)`.
    - `u0`: initial conditions, `(n_samples, N)`.
    - `truth`: the true solutions at $t = 1$, `(n_samples, N)`.
    - `predictions`: `{model name: (n_samples, N)}`.
    - `num`: panels (at most the number of samples).

    **Returns:** the path written.

    **Example:**

    >>> x = np.linspace(0, 1, 64, endpoint=False)
    >>> u0 = np.stack([np.sin(2 * np.pi * k * x) for k in (1, 2, 3)])
    >>> truth = 0.5 * u0
    >>> plot_operator_samples("samples.png", x, u0, truth, {"FNO": 0.49 * u0}).name
    'samples.png'
    """
    num = max(1, min(num, len(u0)))  # fewer test samples than panels: one panel each
    fig = Figure(figsize=(4.2 * num, 3.4), dpi=DPI, layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, num))
    for i, ax in enumerate(axes):
        ax.plot(x, u0[i], color="0.6", lw=1.2, label="$u_0$")
        ax.plot(x, truth[i], color="k", lw=2.2, label="$u(t=1)$")
        for j, (name, pred) in enumerate(predictions.items()):
            ax.plot(x, pred[i], ls="--", lw=1.6, color=f"C{j + 3}", label=name)
        ax.set_xlabel("$x$")
        ax.grid(alpha=0.3)
    axes[0].legend(frameon=False)
    fig.suptitle("held-out initial conditions: solution operator at t = 1")
    return save_figure(fig, path)
