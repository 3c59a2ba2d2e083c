"""Run FBPINN (``runner = "fbpinn"``) and ELM-FBPINN (``runner = "elm"``) experiments."""

from __future__ import annotations

import time
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

from .. import __version__, fbpinn, report
from .._train.checkpoint import load, read_header, save
from ..optim import Adam
from ._common import CHECKPOINT, provenance, write_config
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
    pairs = fbpinn.build_pairs(model.decomposition, ref.points)
    dtype = jax.tree.leaves(model.centres)[0].dtype
    pred = np.asarray(fbpinn.predict(model, jnp.asarray(ref.points, dtype), pairs), np.float64)
    err = pred - ref.flat_values
    return pred.reshape(ref.values.shape), {
        "test_l1": float(np.mean(np.abs(err))),
        "rel_l2": float(np.linalg.norm(err) / np.linalg.norm(ref.flat_values)),
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


def _train_fbpinn(
    cfg: dict, problem, dec, key, *, quiet: bool, history=None, out: Path | None = None, resume=False
):
    """Train the configured FBPINN on ``dec``; with ``out``, checkpoint every chunk (and resume)."""
    kmodel, kpts = jax.random.split(key)
    model = _lib(lambda: build_fbpinn(cfg, problem, dec, kmodel))
    t = cfg["train"]
    adam = Adam(t["steps"], t["learning_rate"], t["decay_rate"], t["decay_steps"])
    scheduler = _lib(lambda: build_scheduler(cfg, problem))
    callbacks = [lambda rec, m: history.append(rec)] if history is not None else []
    state, offset, save_state = None, 0.0, None
    if out is not None:
        if resume:
            header = read_header(out / CHECKPOINT)
            template = fbpinn.init_state(problem, model, adam=adam, scheduler=scheduler, step=header["step"])
            state, header = load(out / CHECKPOINT, template)
            state, offset = state._replace(step=int(header["step"])), float(header["wall_time_s"])

        def save_state(s, record):
            header = {"step": s.step, "phase": record.get("phase", "adam"), "physax": __version__}
            save(out / CHECKPOINT, s, {**header, "wall_time_s": record.get("wall_time_s", 0.0)})

    try:
        result = _lib(
            lambda: fbpinn.fit(
                problem,
                model,
                key=kpts,
                collocation=build_collocation(_pinn_collocation(cfg)),
                adam=adam,
                scheduler=scheduler,
                weights=dict(cfg["weights"]),
                hard_constraints=cfg["model"]["hard_constraints"],
                chunk=cfg["chunk"],
                callbacks=callbacks,
                progress=not quiet,
                state=state,
                checkpoint=save_state,
                wall_time_offset=offset,
            )
        )
    except fbpinn.FBPINNDiverged as e:
        if save_state is not None:  # the last good state, also when no chunk had finished yet
            save_state(e.state, {"wall_time_s": e.record.get("wall_time_s", 0.0)})
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


def run_fbpinn(cfg: dict, out: Path, *, resume: bool = False, quiet: bool = False) -> dict:
    """Train an FBPINN (and optionally a one-level FBPINN and a plain PINN) into ``out``.

    The main model is checkpointed after every chunk (``checkpoint/state.eqx``); ``resume``
    continues it from there. The comparison runs are short and are simply run again.
    """
    if cfg["chunk"] < 1:
        raise ConfigError(f"chunk must be >= 1, got {cfg['chunk']}.")
    problem = _lib(lambda: build_problem(cfg))
    dec = _lib(lambda: build_decomposition(cfg, problem))
    out.mkdir(parents=True, exist_ok=True)
    if resume:
        header = read_header(out / CHECKPOINT)
        history = report.HistoryWriter.load(out / "history.csv", upto_step=int(header["step"]))
    else:
        write_config(out, cfg)
        history = report.HistoryWriter(out / "history.csv")
    key = jax.random.key(cfg["seed"])
    result, wall = _train_fbpinn(cfg, problem, dec, key, quiet=quiet, history=history, out=out, resume=resume)
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
    if cfg["compare_one_level"] and dec.n_levels > 1:
        one = _lib(lambda: build_decomposition(cfg, problem, one_level=True))
        h1 = report.HistoryWriter(out / "one_level.history.csv")
        r1, w1 = _train_fbpinn(cfg, problem, one, key, quiet=quiet, history=h1)
        _, e1 = _errors(r1.model, ref)
        metrics["one_level"] = {
            **{k: e1[k] for k in ("test_l1", "rel_l2")},
            "wall_time_s": w1,
            "n_subdomains": one.n_subdomains,
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
    figures += report.plot_history(out, plain)
    metrics["report_time_s"] = time.perf_counter() - t0
    return _write(cfg, out, metrics, figures)


def run_elm(cfg: dict, out: Path, *, resume: bool = False, quiet: bool = False) -> dict:
    """Solve for the output weights of an ELM-FBPINN by least squares into ``out``."""
    if resume:
        raise ConfigError("ELM runs are a single solve; nothing to resume.")
    e = cfg["elm"]
    problem = _lib(lambda: build_problem(cfg))
    dec = _lib(lambda: build_decomposition(cfg, problem))
    kmodel, kpts = jax.random.split(jax.random.key(cfg["seed"]))
    model = _lib(lambda: build_elm(cfg, problem, dec, kmodel))
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
    ref = problem.reference()
    pred, errs = _errors(result.model, ref)
    info = result.info
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
    return _write(cfg, out, metrics, figures)


def _write(cfg: dict, out: Path, metrics: dict, figures) -> dict:
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
