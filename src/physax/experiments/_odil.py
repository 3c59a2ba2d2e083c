"""Run an ODIL experiment (`physax.odil.solve`) into a self-describing run directory."""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

from .. import report
from .._train.checkpoint import load
from ..odil import Grid, GridSolution, Newton, ODILDiverged, ODILState, solve
from ..optim import LBFGS, Adam
from ._common import (
    CHECKPOINT,
    add_inverse_metrics,
    field_errors,
    final_loss,
    provenance,
    read_tied_header,
    save_checkpoint,
    start_or_resume,
    write_diverged,
    write_results,
)
from ._config import ConfigError
from ._pinn_build import build_observations, build_problem


class OdilExperiment:
    """Everything built from one configuration (the same config builds the same objects)."""

    def __init__(self, cfg: dict):
        self.cfg = cfg
        o = cfg["odil"]
        _, kdata, ksolve = jax.random.split(jax.random.key(cfg["seed"]), 3)  # kdata as in the PINN runs
        self.problem = build_problem(cfg)
        self.observations = build_observations(cfg, self.problem, kdata)
        self.grid = Grid(self.problem.domain, tuple(cfg["grid"]["shape"]), accuracy=cfg["grid"]["accuracy"])
        self.key = ksolve
        names = list(self.problem.conditions())
        for c in o["drop_conditions"]:
            if c not in names:
                raise ConfigError(f"odil.drop_conditions names '{c}'; {self.problem.name} has {names}.")
        self.conditions = tuple(c for c in names if c not in o["drop_conditions"])
        if o["optimizer"] == "newton":
            self.optimizer = Newton(steps=o["steps"], damping=o["damping"], tol=o["tol"])
        elif o["optimizer"] == "adam":
            self.optimizer = Adam(steps=o["steps"], learning_rate=o["learning_rate"])
        elif o["optimizer"] == "lbfgs":
            self.optimizer = LBFGS(steps=o["steps"])
        else:
            raise ConfigError(f"odil.optimizer must be 'newton', 'adam' or 'lbfgs', got '{o['optimizer']}'.")
        if o["chunk"] < 1 or o["levels"] < 0:
            raise ConfigError("odil.chunk must be >= 1 and odil.levels >= 0 (0: automatic).")
        channels = 1 if self.problem.output_size == "scalar" else int(self.problem.output_size)
        self.n_grid = channels * self.grid.size
        self.n = self.n_grid + len(self.problem.unknowns)

    def solve(self, *, state=None, callbacks=(), progress=False, offset=0.0, optimizer=None):
        o = self.cfg["odil"]
        return solve(
            self.problem,
            self.grid,
            optimizer=self.optimizer if optimizer is None else optimizer,
            observations=self.observations,
            key=self.key,
            callbacks=callbacks,
            progress=progress,
            weights=dict(self.cfg["weights"]),
            conditions=self.conditions,
            smoothing=o["smoothing"],
            state=state,
            chunk=o["chunk"],
            levels=o["levels"] or None,
            wall_time_offset=offset,
        )

    def model(self, x) -> GridSolution:
        lead = () if self.problem.output_size == "scalar" else (int(self.problem.output_size),)
        return GridSolution(jnp.asarray(x)[: self.n_grid].reshape(lead + self.grid.shape), self.grid)


def _save(out: Path, cfg: dict, state: ODILState, wall: float) -> None:
    save_checkpoint(out, cfg, state, wall, step=state.step, phase=state.phase)


def _load_state(exp: OdilExperiment, out: Path) -> tuple[ODILState, dict]:
    header = read_tied_header(out, exp.cfg)
    phase, step = header.get("phase"), header.get("step")
    gradient = {"adam": Adam, "lbfgs": LBFGS}.get(phase)
    if not isinstance(step, int) or (phase != "newton" and not isinstance(exp.optimizer, gradient or ())):
        raise ConfigError(
            f"checkpoint {out / CHECKPOINT} is not an ODIL state of this optimizer; delete it to start over."
        )
    if phase == "newton":
        like = ODILState(jnp.zeros(exp.n, jnp.float64), None, 0.0, step, "newton")
    else:  # the structure of the optimiser's state: a run of no steps builds it
        template = exp.solve(optimizer=dataclasses.replace(exp.optimizer, steps=0)).state
        like = ODILState(template.x, template.opt_state, 0.0, step, phase)
    return load(out / CHECKPOINT, like)


def run_odil(cfg: dict, out: Path, *, resume: bool = False, quiet: bool = False) -> dict:
    """Solve (or continue solving) and write the run directory; returns the metrics."""
    try:
        exp = OdilExperiment(cfg)
    except ConfigError:
        raise
    except ValueError as e:
        raise ConfigError(str(e)) from None
    out.mkdir(parents=True, exist_ok=True)
    state, offset, history = start_or_resume(out, cfg, resume, lambda: _load_state(exp, out))

    def on_step(record: dict, s: ODILState) -> None:
        history.append(record)
        _save(
            out, cfg, s, record["wall_time_s"]
        )  # Newton: the field; Adam / L-BFGS: with the optimiser state

    try:
        result = exp.solve(state=state, callbacks=[on_step], progress=not quiet, offset=offset)
    except ODILDiverged as e:
        write_diverged(out, cfg, str(e), e.step)
        raise
    except ValueError as e:
        raise ConfigError(str(e)) from None
    if result.state.phase != "newton":  # gradient runs: one final checkpoint of the field
        final = ODILState(_flat(exp, result), None, 0.0, result.state.step, "newton")
        _save(out, cfg, final, history.rows[-1]["wall_time_s"] if history.rows else 0.0)
    return finish(exp, result.model, result.stats, out, history.rows)


def _flat(exp: OdilExperiment, result) -> jnp.ndarray:
    theta = [exp.problem.unknowns[k].to_raw(v) for k, v in result.parameters.items()]
    return jnp.concatenate([result.model.values.reshape(-1), jnp.asarray(theta, jnp.float64)])


def finish(exp: OdilExperiment, model: GridSolution, stats: dict, out: Path, history: list[dict]) -> dict:
    cfg, problem = exp.cfg, exp.problem
    t0 = time.perf_counter()
    ref = problem.reference()
    pred = np.asarray(model(ref.points)).reshape(ref.values.shape)
    rel_l2 = float(np.linalg.norm(pred - ref.values) / np.linalg.norm(ref.values))
    metrics = {
        "experiment": cfg["experiment"],
        "status": "finished",
        "problem": problem.name,
        "method": "odil",
        "grid": list(exp.grid.shape),
        "accuracy": exp.grid.accuracy,
        **field_errors(pred, ref.values, rel_l2, ref.source),
        "wall_time_s": float(history[-1]["wall_time_s"]) if history else 0.0,
        "steps": int(history[-1]["step"]) if history else 0,
        "unknowns": exp.n,
        **{k: stats[k] for k in ("equations", "compile_s", "jacobian_nnz") if k in stats},
        **provenance(cfg),
        "final_loss": final_loss(history),
    }
    true = {k: p.value for k, p in problem.unknowns.items()}
    found = {k: float(history[-1][k]) for k in true} if history else {}
    add_inverse_metrics(metrics, cfg, true, found, exp.observations)
    figures = report.plot_solution(out, ref.axes, ref.values, pred)
    figures += report.plot_history(out, history, true_parameters=true or None)
    metrics["report_time_s"] = time.perf_counter() - t0
    return write_results(out, cfg, metrics, figures)


def load_odil(cfg: dict, out: Path):
    """The solved grid field of a finished ODIL run and ``predict(points (n, d)) -> u``."""
    exp = OdilExperiment(cfg)
    state, _ = _load_state(exp, out)
    if state.phase != "newton":
        raise ConfigError(
            f"the ODIL run in {out} stopped during {state.phase}; resume it to finish it first."
        )
    model = exp.model(state.x)
    dim = exp.problem.domain.dim

    def predict_points(points):
        pts = np.asarray(points, np.float64)
        if pts.ndim != 2 or pts.shape[1] != dim:
            raise ConfigError(
                f"points must have shape (n, {dim}) (columns {', '.join(exp.problem.domain.coords)}), "
                f"got {pts.shape}."
            )
        return np.asarray(model(pts))

    return model, predict_points
