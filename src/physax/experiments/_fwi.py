"""``physax run fwi``: synthetic full-waveform inversion into a run directory."""

from __future__ import annotations

import time
from pathlib import Path

import jax.numpy as jnp
import numpy as np

from .. import __version__, report
from ..report import plot_curve, plot_panels
from ._common import device_description, write_config
from ._config import ConfigError


def _check(cfg: dict) -> None:
    m, a, inv = cfg["model"], cfg["acquisition"], cfg["inversion"]
    for key, val in (
        ("model.nx", m["nx"]),
        ("model.nz", m["nz"]),
        ("acquisition.n_shots", a["n_shots"]),
        ("acquisition.receiver_spacing", a["receiver_spacing"]),
    ):
        if val < 1:
            raise ConfigError(f"{key} must be >= 1, got {val}.")
    for key, val in (
        ("model.dx", m["dx"]),
        ("acquisition.f0", a["f0"]),
        ("acquisition.dt", a["dt"]),
        ("acquisition.t_end", a["t_end"]),
        ("model.start_smoothing", m["start_smoothing"]),
    ):
        if not val > 0:
            raise ConfigError(f"{key} must be > 0, got {val}.")
    if len(inv["bands"]) == 0 or len(inv["bands"]) != len(inv["iterations"]):
        raise ConfigError("inversion.bands and inversion.iterations need the same, non-zero length.")
    if any(b < 0 for b in inv["bands"]) or any(i < 0 for i in inv["iterations"]):
        raise ConfigError("inversion.bands (Hz, 0 = full band) and inversion.iterations must be >= 0.")
    if inv["optimizer"] not in ("adam", "lbfgs"):
        raise ConfigError(f"inversion.optimizer must be 'adam' or 'lbfgs', got {inv['optimizer']!r}.")
    if inv["misfit"] not in ("l2", "ncc"):
        raise ConfigError(f"inversion.misfit must be 'l2' or 'ncc', got {inv['misfit']!r}.")


def run_fwi(cfg: dict, out: Path, *, resume: bool = False, quiet: bool = False) -> dict:
    """Build the synthetic benchmark, invert it and write the run directory; returns the metrics."""
    from ..inverse import data_misfit, fwi, surface_shots
    from ..solvers.wave import CPML, AcousticModel, check_cfl, simulate_shots, smooth_model, synthetic_model

    if resume:
        raise ConfigError("FWI runs keep no checkpoint (a default run takes minutes); start it again.")
    _check(cfg)
    m, a, inv = cfg["model"], cfg["acquisition"], cfg["inversion"]
    dtype = jnp.float32
    true = synthetic_model(m["nx"], m["nz"], m["dx"], dtype=dtype)
    start = AcousticModel(smooth_model(true.velocity, m["start_smoothing"]), dx=m["dx"])
    n_steps = int(round(a["t_end"] / a["dt"]))
    try:
        shots = surface_shots(
            m["nx"],
            n_shots=a["n_shots"],
            f0=a["f0"],
            dt=a["dt"],
            n_steps=n_steps,
            receiver_spacing=a["receiver_spacing"],
        )
        w = a["pml_width"]
        pml = CPML(
            (0 if a["free_surface"] else w, w, w, w),
            f0=a["f0"],
            free_surface=a["free_surface"],
            velocity_max=inv["vmax"],
        )
        sim = lambda model: simulate_shots(model, shots, dt=a["dt"], order=a["order"], boundary=pml).traces  # noqa: E731
        observed = sim(true)
        # the inversion may reach vmax: check the CFL limit there, not only in the true model
        check_cfl(AcousticModel(jnp.full((4, 4), inv["vmax"], dtype), dx=m["dx"]), a["dt"], a["order"])
    except ValueError as e:
        raise ConfigError(str(e)) from None
    out.mkdir(parents=True, exist_ok=True)
    write_config(out, cfg)
    history = report.HistoryWriter(out / "history.csv")
    bands = [None if b == 0 else float(b) for b in inv["bands"]]

    def callback(it, record):
        history.append({"step": it, **record})
        if not quiet:
            band = "full" if not np.isfinite(record["cutoff"]) else f"{record['cutoff']:g} Hz"
            print(
                f"  iter {it:4d}  band {band:>7}  misfit {record['misfit']:.4e}  {record['wall_time_s']:.1f} s",
                flush=True,
            )

    t0 = time.perf_counter()
    try:
        result = fwi(
            start,
            shots,
            observed,
            dt=a["dt"],
            bounds=(inv["vmin"], inv["vmax"]),
            bands=bands,
            iterations=inv["iterations"],
            optimizer=inv["optimizer"],
            learning_rate=inv["learning_rate"],
            lbfgs_memory=inv["lbfgs_memory"],
            misfit=inv["misfit"],
            smoothing=inv["smoothing"],
            mask_rows=inv["mask_rows"],
            depth_power=inv["depth_power"],
            order=a["order"],
            boundary=pml,
            callback=callback,
        )
    except ValueError as e:
        raise ConfigError(str(e)) from None
    wall = time.perf_counter() - t0

    tv, sv, iv = (np.asarray(v, np.float64) for v in (true.velocity, start.velocity, result.velocity))
    err = lambda v: float(np.linalg.norm(v - tv) / np.linalg.norm(tv))  # noqa: E731
    # a free surface holds p = 0 on row 0, so the velocity there never enters the data (it is
    # in the null space of every inversion): also report the error over the rows below it
    top = 1 if a["free_surface"] else 0
    err_below = lambda v: float(np.linalg.norm((v - tv)[top:]) / np.linalg.norm(tv[top:]))  # noqa: E731
    pred_start = sim(start)
    pred_final = sim(AcousticModel(result.velocity, dx=m["dx"]))
    misfit0 = float(data_misfit(pred_start, observed))
    misfit1 = float(data_misfit(pred_final, observed))
    metrics = {
        "experiment": cfg["experiment"],
        "method": f"FWI ({inv['optimizer']}, {inv['misfit']} misfit), order-{a['order']} FD + CPML",
        "model_rel_error_initial": err(sv),
        "model_rel_error_final": err(iv),
        "model_error_reduction": err(sv) / max(err(iv), 1e-300),
        "model_rel_error_below_surface_initial": err_below(sv),
        "model_rel_error_below_surface_final": err_below(iv),
        "model_error_reduction_below_surface": err_below(sv) / max(err_below(iv), 1e-300),
        "misfit_initial": misfit0,
        "misfit_final": misfit1,
        "misfit_reduction": misfit0 / max(misfit1, 1e-300),
        "wall_time_s": wall,
        "steps": len(result.history["iteration"]),
        "time_steps_per_simulation": n_steps,
        "shots": a["n_shots"],
        "receivers": int(shots.receivers.shape[1]),
        "device": device_description(),
        "physax": __version__,
    }
    np.savez_compressed(
        out / "solution.npz",
        true=tv,
        start=sv,
        inverted=iv,
        observed=np.asarray(observed),
        predicted=np.asarray(pred_final),
    )
    extent = (0, m["nx"] * m["dx"], m["nz"] * m["dx"], 0)
    figures = [
        plot_panels(
            out / "models.png",
            [("true", tv), (f"starting (error {err(sv):.3f})", sv), (f"inverted (error {err(iv):.3f})", iv)],
            extent=extent,
            xlabel="x (m)",
            ylabel="depth (m)",
            label="velocity (m/s)",
        ),
    ]
    h = result.history
    changes = [h["iteration"][i] for i in range(1, len(h["band"])) if h["band"][i] != h["band"][i - 1]]
    figures.append(
        plot_curve(
            out / "misfit.png",
            h["iteration"],
            {"band misfit": h["misfit"]},
            xlabel="iteration",
            ylabel="misfit (filtered data)",
            title="FWI misfit per iteration (dotted: next frequency band)",
            marks=changes,
        )
    )
    mid = a["n_shots"] // 2
    o, p0, p1 = (np.asarray(d)[mid] for d in (observed, pred_start, pred_final))
    rec_extent = (0, m["nx"] * m["dx"], a["t_end"], 0)
    figures.append(
        plot_panels(
            out / "data_residuals.png",
            [("observed", o), ("residual, start", o - p0), ("residual, inverted", o - p1)],
            extent=rec_extent,
            xlabel="receiver x (m)",
            ylabel="time (s)",
            label="pressure",
            cmap="seismic",
            symmetric=True,
        )
    )
    report.write_json(out / "metrics.json", metrics)
    report.write_summary(
        out / "summary.md",
        experiment=cfg["experiment"],
        description=cfg["description"],
        config=cfg,
        metrics=metrics,
        figures=[Path(f).name for f in figures],
    )
    return metrics
