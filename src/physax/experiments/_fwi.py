"""``physax run fwi``: synthetic full-waveform inversion into a run directory.

The strings of the TOML (``inversion.optimizer``, ``inversion.misfit``) become the library's
objects here (`OPTIMIZERS`, `MISFITS`); `physax.inverse.fwi` takes objects only.
"""

from __future__ import annotations

import functools
import time
from pathlib import Path

import jax.numpy as jnp
import numpy as np
import optax

from .. import distributed
from .._train.checkpoint import load
from ..report import plot_curve, plot_panels
from ._common import (
    CHECKPOINT,
    provenance,
    read_tied_header,
    save_checkpoint,
    start_or_resume,
    write_diverged,
    write_results,
)
from ._config import ConfigError

# one object per setting: the optimizer is a static argument of FWI's compiled step, so equal
# settings (a resumed run, runs in one process) reuse the compiled step instead of retracing it
OPTIMIZERS = {
    "adam": functools.cache(lambda lr, memory: optax.adam(lr)),
    "lbfgs": functools.cache(lambda lr, memory: optax.lbfgs(memory_size=memory)),
}


def _misfits():
    from ..inverse import L2Misfit, NCCMisfit

    return {"l2": L2Misfit, "ncc": NCCMisfit}


def _check(cfg: dict) -> None:
    m, a, inv = cfg["model"], cfg["acquisition"], cfg["inversion"]
    for key, val in (
        ("model.nx", m["nx"]),
        ("model.nz", m["nz"]),
        ("acquisition.n_shots", a["n_shots"]),
        ("acquisition.receiver_spacing", a["receiver_spacing"]),
        ("inversion.checkpoint_every", inv["checkpoint_every"]),
    ):
        if val < 1:
            raise ConfigError(f"{key} must be >= 1, got {val}.")
    for key, val in (
        ("model.dx", m["dx"]),
        ("acquisition.f0", a["f0"]),
        ("acquisition.dt", a["dt"]),
        ("acquisition.t_end", a["t_end"]),
        ("model.start_smoothing", m["start_smoothing"]),
        ("inversion.learning_rate", inv["learning_rate"]),
    ):
        if not val > 0:
            raise ConfigError(f"{key} must be > 0, got {val}.")
    if len(inv["bands"]) == 0 or len(inv["bands"]) != len(inv["iterations"]):
        raise ConfigError("inversion.bands and inversion.iterations need the same, non-zero length.")
    if any(b < 0 for b in inv["bands"]) or any(i < 0 for i in inv["iterations"]):
        raise ConfigError("inversion.bands (Hz, 0 = full band) and inversion.iterations must be >= 0.")
    for key, table in (("optimizer", OPTIMIZERS), ("misfit", _misfits())):
        if inv[key] not in table:
            raise ConfigError(
                f"inversion.{key} must be one of {', '.join(map(repr, table))}, got {inv[key]!r}."
            )
    try:  # before the observed data are simulated: the shots must split over the devices
        mesh = distributed.device_mesh(inv["devices"], "shots")
        distributed.check_divisible("acquisition.n_shots", a["n_shots"], mesh)
    except ValueError as e:
        raise ConfigError(f"inversion.devices: {e}") from None


class FWIExperiment:
    """Everything built from one configuration: the same config always builds the same objects."""

    def __init__(self, cfg: dict):
        from ..inverse import BoundedVelocity, surface_shots
        from ..solvers.wave import CPML, AcousticModel, check_cfl, smooth_model, synthetic_model

        _check(cfg)
        self.cfg = cfg
        m, a, inv = cfg["model"], cfg["acquisition"], cfg["inversion"]
        dtype = jnp.float32
        self.true = synthetic_model(m["nx"], m["nz"], m["dx"], dtype=dtype)
        self.start = AcousticModel(smooth_model(self.true.velocity, m["start_smoothing"]), dx=m["dx"])
        self.n_steps = int(round(a["t_end"] / a["dt"]))
        try:
            self.shots = surface_shots(
                m["nx"],
                n_shots=a["n_shots"],
                f0=a["f0"],
                dt=a["dt"],
                n_steps=self.n_steps,
                receiver_spacing=a["receiver_spacing"],
            )
            w = a["pml_width"]
            self.pml = CPML(
                (0 if a["free_surface"] else w, w, w, w),
                f0=a["f0"],
                free_surface=a["free_surface"],
                velocity_max=inv["vmax"],
            )
            # the inversion may reach vmax: check the CFL limit there, not only in the true model
            check_cfl(AcousticModel(jnp.full((4, 4), inv["vmax"], dtype), dx=m["dx"]), a["dt"], a["order"])
            self.param = BoundedVelocity(
                self.start.velocity,
                vmin=inv["vmin"],
                vmax=inv["vmax"],
                smoothing=inv["smoothing"],
                mask_rows=inv["mask_rows"],
                depth_power=inv["depth_power"],
            )
        except ValueError as e:
            raise ConfigError(str(e)) from None
        self.bands = [None if b == 0 else float(b) for b in inv["bands"]]
        self.optimizer = OPTIMIZERS[inv["optimizer"]](inv["learning_rate"], inv["lbfgs_memory"])
        self.misfit = _misfits()[inv["misfit"]]()

    def simulate(self, model):
        from ..solvers.wave import simulate_shots

        a = self.cfg["acquisition"]
        return simulate_shots(model, self.shots, dt=a["dt"], order=a["order"], boundary=self.pml).traces

    def fwi_kwargs(self) -> dict:
        a, inv = self.cfg["acquisition"], self.cfg["inversion"]
        return dict(
            dt=a["dt"],
            bounds=(inv["vmin"], inv["vmax"]),
            bands=self.bands,
            iterations=inv["iterations"],
            optimizer=self.optimizer,
            misfit=self.misfit,
            smoothing=inv["smoothing"],
            mask_rows=inv["mask_rows"],
            depth_power=inv["depth_power"],
            order=a["order"],
            boundary=self.pml,
            devices=inv["devices"],
        )

    def template(self, band: int, step: int):
        from ..inverse import FWIState

        return FWIState.initial(jnp.zeros_like(self.start.velocity), self.optimizer, band=band, step=step)


def _save_checkpoint(out: Path, cfg: dict, state, wall_time: float) -> None:
    save_checkpoint(out, cfg, state, wall_time, step=state.step, band=state.band)


def _load_state(exp: FWIExperiment, out: Path):
    """The checkpointed `FWIState`, refused unless this very configuration wrote it."""
    header = read_tied_header(out, exp.cfg)
    band, step = header.get("band"), header.get("step")
    n_bands, total = len(exp.bands), sum(exp.cfg["inversion"]["iterations"])
    if not (isinstance(band, int) and isinstance(step, int) and 0 <= band < n_bands and 0 <= step <= total):
        raise ConfigError(f"checkpoint {out / CHECKPOINT} has an invalid band/step; delete it to start over.")
    return load(out / CHECKPOINT, exp.template(band, step))


def run_fwi(cfg: dict, out: Path, *, resume: bool = False, quiet: bool = False) -> dict:
    """Build the synthetic benchmark, invert it (or continue) and write the run directory."""
    from ..inverse import FWIDiverged, fwi

    exp = FWIExperiment(cfg)
    try:
        observed = exp.simulate(exp.true)
    except ValueError as e:
        raise ConfigError(str(e)) from None
    out.mkdir(parents=True, exist_ok=True)
    state, offset, history = start_or_resume(out, cfg, resume, lambda: _load_state(exp, out))
    every, total = cfg["inversion"]["checkpoint_every"], sum(cfg["inversion"]["iterations"])

    def on_iteration(record: dict, s) -> None:
        row = {**record, "wall_time_s": offset + record["wall_time_s"]}
        history.append(row)
        if s.step % every == 0 or s.step == total:
            _save_checkpoint(out, cfg, s, row["wall_time_s"])

    t0 = time.perf_counter()
    try:
        result = fwi(
            exp.start,
            exp.shots,
            observed,
            **exp.fwi_kwargs(),
            callbacks=[on_iteration],
            state=state,
            progress=not quiet,
        )
    except FWIDiverged as e:
        _save_checkpoint(out, cfg, e.state, offset + e.record["wall_time_s"])  # the last good state
        write_diverged(out, cfg, str(e), e.step)
        raise
    except ValueError as e:
        raise ConfigError(str(e)) from None
    if not (out / CHECKPOINT).is_file():  # no iteration ran: still leave a loadable state
        _save_checkpoint(out, cfg, result.state, offset)
    return _finish(exp, out, observed, result.model, history.rows, offset + time.perf_counter() - t0)


def _finish(exp: FWIExperiment, out: Path, observed, inverted, rows: list[dict], wall: float) -> dict:
    cfg = exp.cfg
    m, a, inv = cfg["model"], cfg["acquisition"], cfg["inversion"]
    tv, sv, iv = (
        np.asarray(v, np.float64) for v in (exp.true.velocity, exp.start.velocity, inverted.velocity)
    )
    err = lambda v: float(np.linalg.norm(v - tv) / np.linalg.norm(tv))  # noqa: E731
    # a free surface holds p = 0 on row 0, so the velocity there never enters the data (it is
    # in the null space of every inversion): also report the error over the rows below it
    top = 1 if a["free_surface"] else 0
    err_below = lambda v: float(np.linalg.norm((v - tv)[top:]) / np.linalg.norm(tv[top:]))  # noqa: E731
    pred_start, pred_final = exp.simulate(exp.start), exp.simulate(inverted)
    misfit0 = float(_l2(pred_start, observed))  # L2 of the full-band data, whatever the inversion's misfit
    misfit1 = float(_l2(pred_final, observed))
    metrics = {
        "experiment": cfg["experiment"],
        "status": "finished",
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
        "steps": sum(inv["iterations"]),
        "time_steps_per_simulation": exp.n_steps,
        "shots": a["n_shots"],
        "receivers": int(exp.shots.receivers.shape[1]),
        **provenance(cfg),
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
    its, bands = [r["iteration"] for r in rows], [r["band"] for r in rows]
    changes = [its[i] for i in range(1, len(bands)) if bands[i] != bands[i - 1]]
    figures.append(
        plot_curve(
            out / "misfit.png",
            its,
            {"band misfit": [r["misfit"] for r in rows]},
            xlabel="iteration",
            ylabel="misfit (filtered data)",
            title="FWI misfit per iteration (dotted: next frequency band)",
            marks=changes,
        )
    )
    mid = a["n_shots"] // 2
    o, p0, p1 = (np.asarray(d)[mid] for d in (observed, pred_start, pred_final))
    figures.append(
        plot_panels(
            out / "data_residuals.png",
            [("observed", o), ("residual, start", o - p0), ("residual, inverted", o - p1)],
            extent=(0, m["nx"] * m["dx"], a["t_end"], 0),
            xlabel="receiver x (m)",
            ylabel="time (s)",
            label="pressure",
            cmap="seismic",
            symmetric=True,
        )
    )
    return write_results(out, cfg, metrics, figures)


def _l2(predicted, observed):
    from ..inverse import L2Misfit, data_misfit

    return data_misfit(predicted, observed, misfit=L2Misfit())


def load_fwi(cfg: dict, out: Path):
    """The inverted `AcousticModel` of an FWI run and ``predict(points (n, 2) of (x, z) in m)``.

    The velocity comes from the run's checkpoint (its last state); `predict` interpolates it
    bilinearly between grid nodes at ``(ix dx, iz dx)``.
    """
    from ..solvers.wave import AcousticModel

    exp = FWIExperiment(cfg)
    state, _ = _load_state(exp, out)
    velocity = np.asarray(exp.param(state.theta))
    model = AcousticModel(velocity, dx=exp.start.dx)
    return model, lambda points: bilinear(velocity, exp.start.dx, points)


def bilinear(grid: np.ndarray, dx: float, points) -> np.ndarray:
    """`grid[iz, ix]` sampled at ``(x, z) = (ix dx, iz dx)``, interpolated bilinearly at `points`."""
    pts = np.asarray(points, np.float64)
    nz, nx = grid.shape
    if pts.ndim != 2 or pts.shape[1] != 2:
        raise ConfigError(f"points must have shape (n, 2) (columns x, z in metres), got {pts.shape}.")
    x, z = pts[:, 0] / dx, pts[:, 1] / dx
    inside = (x >= 0) & (x <= nx - 1) & (z >= 0) & (z <= nz - 1)
    if not inside.all():
        raise ConfigError(
            f"points must lie in the model, x in [0, {(nx - 1) * dx:g}] m and z in [0, {(nz - 1) * dx:g}] m; "
            f"{int((~inside).sum())} do not."
        )
    ix, iz = np.floor(x).astype(int), np.floor(z).astype(int)
    fx, fz = x - ix, z - iz
    jx, jz = np.minimum(ix + 1, nx - 1), np.minimum(iz + 1, nz - 1)  # fx = 0 (fz = 0) on the last node
    g = np.asarray(grid, np.float64)
    top = (1 - fx) * g[iz, ix] + fx * g[iz, jx]
    bottom = (1 - fx) * g[jz, ix] + fx * g[jz, jx]
    return (1 - fz) * top + fz * bottom
