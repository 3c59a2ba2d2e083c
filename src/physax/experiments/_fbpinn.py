"""Run FBPINN (``runner = "fbpinn"``) and ELM-FBPINN (``runner = "elm"``) experiments, and load them."""

from __future__ import annotations

import time
from pathlib import Path

import jax
import numpy as np

from .. import distributed, fbpinn, metrics as mt, report
from .._train.checkpoint import load
from ..optim import Adam
from ._common import (
    CHECKPOINT,
    provenance,
    read_tied_header,
    save_checkpoint,
    write_config,
    write_results,
)
from ._config import ConfigError
from ._fbpinn_build import (
    _pinn_collocation,
    build_decomposition,
    build_elm,
    build_fbpinn,
    build_problem,
    build_scheduler,
    n_params,
    run_pinn_comparison,
)
from ._fbpinn_plots import plot_decomposition, plot_windows_and_contributions
from ._pinn_build import build_collocation


def _errors(model, ref) -> tuple[np.ndarray, dict]:
    pred = np.asarray(fbpinn.predict(model, ref.points), np.float64)
    err = pred - ref.flat_values
    return pred.reshape(ref.values.shape), {
        "test_l1": float(np.mean(np.abs(err))),
        "rel_l2": mt.rel_l2_float64(pred, ref.flat_values),
        "max_abs_error": float(np.max(np.abs(err))),
    }


def _common(cfg: dict, problem) -> dict:
    return {
        "experiment": cfg["experiment"],
        "status": "finished",
        "problem": problem.name,
        **provenance(cfg),
    }


def _lib(fn):
    try:
        return fn()
    except ConfigError:
        raise
    except ValueError as e:  # the library's own input checks: a user-fixable configuration
        raise ConfigError(str(e)) from None


class FBPINNExperiment:
    """The objects one FBPINN configuration builds (the same config always builds the same)."""

    def __init__(self, cfg: dict, *, one_level: bool = False):
        if cfg["chunk"] < 1:
            raise ConfigError(f"chunk must be >= 1, got {cfg['chunk']}.")
        self.cfg = cfg
        self.devices = _devices(cfg)
        self.problem = _lib(lambda: build_problem(cfg))
        self.dec = _lib(lambda: build_decomposition(cfg, self.problem, one_level=one_level))
        kmodel, self.key = jax.random.split(jax.random.key(cfg["seed"]))
        self.model = _lib(lambda: build_fbpinn(cfg, self.problem, self.dec, kmodel))
        t = cfg["train"]
        self.adam = Adam(
            steps=t["steps"],
            learning_rate=t["learning_rate"],
            decay_rate=t["decay_rate"],
            decay_steps=t["decay_steps"],
        )
        self.scheduler = _lib(lambda: build_scheduler(cfg, self.problem))

    def template(self, step: int) -> fbpinn.FBPINNState:
        return fbpinn.init_state(
            self.problem, self.model, adam=self.adam, scheduler=self.scheduler, step=step
        )


def _devices(cfg: dict):
    """``train.devices``, checked before training: the devices exist (subdomain counts are padded)."""
    devices = cfg["train"].get("devices", 1)
    try:
        distributed.device_mesh(devices, "subdomains")
    except ValueError as e:
        raise ConfigError(f"train.devices: {e}") from None
    return devices


def _save_checkpoint(out: Path, cfg: dict, state, record: dict) -> None:
    host = distributed.to_host(state)  # no-op unless split over processes
    wall = float(record.get("wall_time_s", 0.0))
    save_checkpoint(out, cfg, host, wall, step=int(state.step), phase=record.get("phase", "adam"))


def _read_header(out: Path, cfg: dict) -> dict:
    """The checkpoint's header, refused unless this very configuration wrote it."""
    header = read_tied_header(out, cfg)
    step = header.get("step")
    if not isinstance(step, int) or step < 0:
        raise ConfigError(f"checkpoint {out / CHECKPOINT} has an invalid step; delete it to start over.")
    return header


def _load_state(exp: FBPINNExperiment, out: Path) -> tuple[fbpinn.FBPINNState, dict]:
    header = _read_header(out, exp.cfg)
    state, _ = load(out / CHECKPOINT, exp.template(header["step"]))
    return state._replace(step=header["step"]), header


def _train_fbpinn(exp: FBPINNExperiment, *, quiet: bool, history=None, out: Path | None = None, resume=False):
    """Train the configured FBPINN; with ``out``, checkpoint every chunk (and resume from it)."""
    cfg = exp.cfg
    callbacks = [lambda rec, s: history.append(rec)] if history is not None else []
    state, offset = None, 0.0
    if out is not None:
        if resume:
            state, header = _load_state(exp, out)
            offset = float(header["wall_time_s"])
        callbacks.append(lambda rec, s: _save_checkpoint(out, cfg, s, rec))
    try:
        result = _lib(
            lambda: fbpinn.fit(
                exp.problem,
                exp.model,
                key=exp.key,
                collocation=build_collocation(_pinn_collocation(cfg)),
                adam=exp.adam,
                scheduler=exp.scheduler,
                weights=dict(cfg["weights"]),
                hard_constraints=cfg["model"]["hard_constraints"],
                chunk=cfg["chunk"],
                callbacks=callbacks,
                progress=not quiet,
                state=state,
                wall_time_offset=offset,
                devices=exp.devices,
            )
        )
    except fbpinn.FBPINNDiverged as e:
        if out is not None:  # the last good state, also when no chunk had finished yet
            _save_checkpoint(out, cfg, e.state, {"wall_time_s": e.record.get("wall_time_s", 0.0)})
            report.write_json(
                out / "metrics.json",
                {
                    "experiment": cfg["experiment"],
                    "status": "diverged",
                    "message": str(e),
                    "steps": e.state.step,
                },
            )
        raise
    wall = float(result.history[-1]["wall_time_s"]) if result.history else offset
    return result, wall


def _parameters(problem, found: dict) -> dict:
    return {
        k: {"estimate": found[k], "true": p.value, "rel_error": abs(found[k] - p.value) / abs(p.value)}
        for k, p in problem.unknowns.items()
    }


def run_fbpinn(cfg: dict, out: Path, *, resume: bool = False, quiet: bool = False) -> dict:
    """Train an FBPINN (and optionally a one-level FBPINN and a plain PINN) into ``out``.

    The main model is checkpointed after every chunk (``checkpoint/state.eqx``, tied to
    the experiment, seed and configuration); ``resume`` continues it from there and ends
    where an uninterrupted run ends. The comparison runs are short and are simply run again.
    """
    exp = FBPINNExperiment(cfg)
    problem, dec = exp.problem, exp.dec
    out.mkdir(parents=True, exist_ok=True)
    if resume:
        header = _read_header(out, cfg)
        history = report.HistoryWriter.load(out / "history.csv", upto_step=header["step"])
    else:
        write_config(out, cfg)
        history = report.HistoryWriter(out / "history.csv")
    result, wall = _train_fbpinn(exp, quiet=quiet, history=history, out=out, resume=resume)
    t0 = time.perf_counter()
    ref = problem.reference()
    pred, errs = _errors(result.model, ref)
    metrics = _common(cfg, problem)
    metrics.update(errs)
    metrics.update(
        wall_time_s=wall,
        steps=cfg["train"]["steps"],
        n_subdomains=dec.n_subdomains,
        n_levels=dec.n_levels,
        n_params=n_params(result.model.nets),
        reference=ref.source,
    )
    if problem.unknowns:
        metrics["parameters"] = _parameters(problem, result.parameters)
    if cfg["compare_one_level"] and dec.n_levels > 1:
        one = FBPINNExperiment(cfg, one_level=True)
        h1 = report.HistoryWriter(out / "one_level.history.csv")
        r1, w1 = _train_fbpinn(one, quiet=quiet, history=h1)
        _, e1 = _errors(r1.model, ref)
        metrics["one_level"] = {
            **{k: e1[k] for k in ("test_l1", "rel_l2")},
            "wall_time_s": w1,
            "n_subdomains": one.dec.n_subdomains,
            "n_params": n_params(r1.model.nets),
        }
    if cfg["compare_pinn"]:
        target = metrics["n_params"] if cfg["pinn"]["match_parameters"] else None
        metrics["pinn"] = run_pinn_comparison(
            cfg,
            problem,
            cfg["train"]["steps"],
            target_params=target,
            quiet=quiet,
            history=report.HistoryWriter(out / "pinn.history.csv"),
        )
        if target:
            metrics["pinn"]["n_params_target"] = target
    figures = (
        plot_decomposition(out / "decomposition.png", dec),
        *plot_windows_and_contributions(out, result.model),
    )
    figures = [*figures, *report.plot_solution(out, ref.axes, ref.values, pred)]
    # the loss panel shows loss terms only; test_l1 and the active count stay in history.csv
    plain = [{k: v for k, v in row.items() if k not in ("active", "test_l1")} for row in history.rows]
    true = {k: p.value for k, p in problem.unknowns.items()}
    figures += report.plot_history(out, plain, true_parameters=true or None)
    metrics["report_time_s"] = time.perf_counter() - t0
    return write_results(out, cfg, metrics, figures)


def _predictor(model, problem):
    """``predict(points (n, d)) -> u`` for a trained (ELM-)FBPINN, refusing a wrong shape."""
    dim = problem.domain.dim

    def predict(points):
        pts = np.asarray(points, np.float64)
        if pts.ndim != 2 or pts.shape[1] != dim:
            raise ConfigError(
                f"points must have shape (n, {dim}) (columns {', '.join(problem.domain.coords)}), "
                f"got {pts.shape}."
            )
        return np.asarray(fbpinn.predict(model, pts))

    return predict


def load_fbpinn(cfg: dict, out: Path):
    """The trained FBPINN of a finished run and ``predict(points (n, d)) -> u``."""
    exp = FBPINNExperiment(cfg)
    state, _ = _load_state(exp, out)
    return state.model, _predictor(state.model, exp.problem)


def _elm_setup(cfg: dict):
    problem = _lib(lambda: build_problem(cfg))
    dec = _lib(lambda: build_decomposition(cfg, problem))
    kmodel, kpts = jax.random.split(jax.random.key(cfg["seed"]))
    model = _lib(lambda: build_elm(cfg, problem, dec, kmodel))
    return problem, dec, model, kpts


def run_elm(cfg: dict, out: Path, *, resume: bool = False, quiet: bool = False) -> dict:
    """Solve for the output weights of an ELM-FBPINN by least squares into ``out``.

    The solved model is saved to ``checkpoint/state.eqx`` (tied to the configuration) so
    that `load_run` can evaluate it.
    """
    if resume:
        raise ConfigError("ELM runs are a single solve; nothing to resume.")
    e = cfg["elm"]
    problem, dec, model, kpts = _elm_setup(cfg)
    out.mkdir(parents=True, exist_ok=True)
    write_config(out, cfg)
    result = _lib(
        lambda: fbpinn.elm_solve(
            problem,
            model,
            key=kpts,
            collocation=build_collocation(_pinn_collocation(cfg)),
            weights=dict(cfg["weights"]),
            hard_constraints=e["hard_constraints"],
            nonlinear=e["nonlinear"],
            iterations=e["iterations"],
            method=e["method"],
            dense_limit=e["dense_limit"],
        )
    )
    info = result.stats
    save_checkpoint(
        out, cfg, result.model, info["wall_time_s"], step=info["gauss_newton_iterations"], phase="lstsq"
    )
    ref = problem.reference()
    pred, errs = _errors(result.model, ref)
    metrics = _common(cfg, problem)
    metrics.update(errs)
    metrics.update(
        wall_time_s=info["wall_time_s"],
        compile_time_s=info["compile_time_s"],
        steps=info["gauss_newton_iterations"],
        assembly_time_s=info["assembly_time_s"],
        solve_time_s=info["solve_time_s"],
        condition_estimate=info["condition"],
        lstsq_residual=info["residual"],
        lstsq_rel_residual=info["rel_residual"],
        lstsq_method=info["method"],
        n_rows=info["n_rows"],
        n_unknowns=info["n_unknowns"],
        nnz=info["nnz"],
        n_subdomains=dec.n_subdomains,
        reference=ref.source,
    )
    if cfg["compare_pinn"]:
        metrics["pinn"] = run_pinn_comparison(
            cfg, problem, cfg["pinn"]["steps"], target_params=None, quiet=quiet
        )
    figures = [plot_decomposition(out / "decomposition.png", dec)]
    figures += report.plot_solution(out, ref.axes, ref.values, pred)
    return write_results(out, cfg, metrics, figures)


def load_elm(cfg: dict, out: Path):
    """The solved ELM-FBPINN of a finished run and ``predict(points (n, d)) -> u``."""
    problem, _, template, _ = _elm_setup(cfg)
    _read_header(out, cfg)
    model, _ = load(out / CHECKPOINT, template)
    return model, _predictor(model, problem)
