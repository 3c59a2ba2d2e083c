"""``physax solve wave``: forward acoustic FD simulation of one shot into a run directory."""

from __future__ import annotations

import time
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

from .. import __version__, report
from ..report import plot_panels
from ._common import check_memory, device_description, write_config
from ._config import ConfigError

MAX_STEPS = 2**31 - 1


def check(cfg: dict) -> int:
    """Every check of a wave-solve configuration that needs no computation; returns the step count."""
    for key in ("nx", "nz", "snapshots", "receiver_spacing"):
        if cfg[key] < 1:
            raise ConfigError(f"{key} must be >= 1, got {cfg[key]}.")
    for key in ("dx", "dt", "t_end", "f0"):
        if not cfg[key] > 0:
            raise ConfigError(f"{key} must be > 0, got {cfg[key]}.")
    if cfg["pml_width"] < 0:
        raise ConfigError(f"pml_width must be >= 0, got {cfg['pml_width']}.")
    n_steps = cfg["t_end"] / cfg["dt"]
    if not 1 <= round(n_steps) <= MAX_STEPS:
        raise ConfigError(
            f"t_end / dt = {n_steps:.3g} time steps; give 1 to {MAX_STEPS} (change dt or t_end)."
        )
    n_steps = int(round(n_steps))
    item = 8 if cfg["float64"] else 4
    frames = min(cfg["snapshots"], n_steps) + 1
    grid = float(cfg["nx"] + 2 * cfg["pml_width"]) * (cfg["nz"] + 2 * cfg["pml_width"])
    check_memory(
        "the snapshots and traces",
        item * (frames * grid + n_steps * cfg["nx"]),
        "lower snapshots, nx/nz or t_end",
    )
    return n_steps


def solve_wave(cfg: dict, out: Path) -> dict:
    """Simulate the configured shot in `synthetic_model`; write snapshots, gather and traces."""
    from ..solvers.wave import CPML, Shot, ricker, simulate, synthetic_model

    n_steps = check(cfg)
    nx, nz, dt = cfg["nx"], cfg["nz"], cfg["dt"]
    dtype = jnp.float64 if cfg["float64"] else jnp.float32
    every = max(1, -(-n_steps // cfg["snapshots"]))
    w = cfg["pml_width"]
    try:
        model = synthetic_model(nx, nz, cfg["dx"], dtype=dtype)
        receivers = [[cfg["receiver_z"], ix] for ix in range(0, nx, cfg["receiver_spacing"])]
        shot = Shot(
            [[cfg["source_z"], cfg["source_x"]]], receivers, ricker(cfg["f0"], dt, n_steps, dtype=dtype)
        )
        pml = CPML((0 if cfg["free_surface"] else w, w, w, w), f0=cfg["f0"], free_surface=cfg["free_surface"])
        run = lambda: simulate(model, shot, dt=dt, order=cfg["order"], boundary=pml, snapshot_every=every)  # noqa: E731
        t0 = time.perf_counter()
        sol = jax.block_until_ready(run())
    except ValueError as e:
        raise ConfigError(str(e)) from None
    wall = time.perf_counter() - t0
    t1 = time.perf_counter()
    jax.block_until_ready(run())
    run_time = time.perf_counter() - t1
    out.mkdir(parents=True, exist_ok=True)
    write_config(out, cfg)
    traces, snaps = np.asarray(sol.traces), np.asarray(sol.snapshots)
    t = np.arange(n_steps) * dt
    c_max = float(jnp.max(model.velocity))
    metrics = {
        "experiment": "solve-wave",
        "problem": "wave",
        "method": f"2-D acoustic FD, order {cfg['order']} in space, leapfrog in time, CPML",
        "wall_time_s": wall,
        "run_time_s": run_time,
        "steps": n_steps,
        "dt": dt,
        "courant": c_max * dt / cfg["dx"],
        "grid": {"nx": nx, "nz": nz, "dx": cfg["dx"], "pml_width": w},
        "receivers": len(receivers),
        "dtype": str(np.dtype(dtype)),
        "finite": bool(np.all(np.isfinite(traces))),
        "device": device_description(),
        "physax": __version__,
    }
    np.savez_compressed(
        out / "solution.npz",
        t=t,
        traces=traces,
        receivers=np.asarray(receivers),
        snapshot_times=np.arange(snaps.shape[0]) * every * dt,
        snapshots=snaps,
        velocity=np.asarray(model.velocity),
    )
    extent = (0, nx * cfg["dx"], nz * cfg["dx"], 0)
    shown = snaps[1:] if snaps.shape[0] > 1 else snaps
    panels = [(f"t = {(i + (snaps.shape[0] > 1)) * every * dt:.2f} s", s) for i, s in enumerate(shown)]
    figures = [
        plot_panels(
            out / "snapshots.png",
            panels[:6],
            extent=extent,
            xlabel="x (m)",
            ylabel="depth (m)",
            label="pressure",
            cmap="seismic",
            symmetric=True,
            shared=False,
        ),
        plot_panels(
            out / "shot_gather.png",
            [("shot gather", traces)],
            extent=(0, nx * cfg["dx"], t[-1], 0),
            xlabel="receiver x (m)",
            ylabel="time (s)",
            label="pressure",
            cmap="seismic",
            symmetric=True,
        ),
        plot_panels(
            out / "velocity.png",
            [("velocity model", np.asarray(model.velocity))],
            extent=extent,
            xlabel="x (m)",
            ylabel="depth (m)",
            label="m/s",
        ),
    ]
    report.write_json(out / "metrics.json", metrics)
    report.write_summary(
        out / "summary.md",
        experiment="solve-wave",
        description=cfg["description"],
        config=cfg,
        metrics=metrics,
        figures=[Path(f).name for f in figures],
    )
    return metrics
