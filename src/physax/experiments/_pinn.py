"""Run a PINN experiment into a self-describing run directory (see DESIGN.md)."""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

from .. import distributed, metrics as mt, optim, report
from .._train.checkpoint import load
from ..pinn import (
    GradNormBalancing,
    Trainer,
    TrainingDiverged,
    TrainState,
    check_divisible,
    estimates,
    make_trainer,
    point_mesh,
    predict,
    reference_prediction,
    run,
)
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
from ._pinn_build import (
    build_causal,
    build_collocation,
    build_model,
    build_observations,
    build_problem,
)
from ._pinn_ensemble import ensemble_size, load_pinn_ensemble, run_pinn_ensemble

PHASES = {
    "adam": optim.Adam,
    "lbfgs": optim.LBFGS,
    "bfgs": optim.BFGS,
    "ssbfgs": optim.SSBFGS,
    "ssbroyden": optim.SSBroyden,
    "lm": optim.LevenbergMarquardt,
    "newton-cg": optim.NewtonCG,
}
TRANSFORMS = {"none": None, "sqrt": jnp.sqrt, "log": jnp.log}


def _phase(i: int, entry: dict, t: dict) -> optim.AbstractOptimiser:
    """One ``train.phases`` entry as an optimiser; keys it leaves out come from the flat
    ``train.*`` keys (``adam_steps`` and the schedule for Adam, ``lbfgs_steps`` for the rest)."""
    where = f"train.phases[{i}]"
    kind = entry.get("kind")
    if kind not in PHASES:
        raise ConfigError(f"{where}.kind must be one of {sorted(PHASES)}, got {kind!r}.")
    cls = PHASES[kind]
    valid = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(entry) - valid - {"kind"})
    if unknown:
        raise ConfigError(f"{where}: unknown key '{unknown[0]}' for kind '{kind}'; valid: {sorted(valid)}.")
    kw = {k: v for k, v in entry.items() if k != "kind"}
    if kind == "adam":
        kw.setdefault("steps", t["adam_steps"])
        for k in ("learning_rate", "decay_rate", "decay_steps"):
            kw.setdefault(k, t[k])
    else:
        kw.setdefault("steps", t["lbfgs_steps"])
    if kind == "lbfgs":
        kw.setdefault("memory", t["lbfgs_memory"])
        kw.setdefault("float64", t["lbfgs_float64"])
    if "transform" in kw:
        if kw["transform"] not in TRANSFORMS:
            raise ConfigError(
                f"{where}.transform must be one of {sorted(TRANSFORMS)}, got {kw['transform']!r}."
            )
        kw["transform"] = TRANSFORMS[kw["transform"]]
    for k, v in kw.items():
        want = next(f.type for f in dataclasses.fields(cls) if f.name == k)
        if "int" in str(want) and "float" not in str(want) and type(v) is not int:
            raise ConfigError(f"{where}.{k} must be an integer, got {v!r}.")
        if str(want) == "bool" and type(v) is not bool:
            raise ConfigError(f"{where}.{k} must be a boolean, got {v!r}.")
    try:
        return cls(**kw)
    except (TypeError, ValueError) as e:
        raise ConfigError(f"{where}: {e}") from None


def build_phases(cfg: dict) -> list[optim.AbstractOptimiser]:
    """``train.phases`` as optimiser objects; an empty list means Adam then L-BFGS from the
    flat keys (``adam_steps``, ``learning_rate``, ..., ``lbfgs_steps``)."""
    t = cfg["train"]
    entries = t.get("phases", [])
    if entries:
        phases = [_phase(i, e, t) for i, e in enumerate(entries)]
    else:
        phases = [_phase(0, {"kind": "adam"}, t), _phase(1, {"kind": "lbfgs"}, t)]
    if sum(p.steps for p in phases) == 0:
        raise ConfigError("nothing to train: set train.adam_steps or train.lbfgs_steps (or phase steps) > 0.")
    return phases


def build_balancing(cfg: dict) -> GradNormBalancing | None:
    """``train.balancing_every`` (0 = off) and ``train.balancing_alpha``."""
    every = cfg["train"].get("balancing_every", 0)
    if every == 0:
        return None
    try:
        return GradNormBalancing(every, cfg["train"].get("balancing_alpha", 0.9))
    except ValueError as e:
        raise ConfigError(f"train.balancing_every/balancing_alpha: {e}") from None


class PinnExperiment:
    """Everything built from one configuration: the same config always builds the same objects."""

    def __init__(self, cfg: dict):
        self.cfg = cfg
        if cfg["chunk"] < 1:
            raise ConfigError(f"chunk must be >= 1, got {cfg['chunk']}.")
        kmodel, kdata, ktrain = jax.random.split(jax.random.key(cfg["seed"]), 3)
        self.problem = build_problem(cfg)
        self.model = build_model(cfg, self.problem, kmodel)
        self.observations = build_observations(cfg, self.problem, kdata)
        self.trainer: Trainer = make_trainer(
            self.problem,
            self.model,
            collocation=build_collocation(cfg),
            phases=build_phases(cfg),
            weights=dict(cfg["weights"]),
            hard_constraints=cfg["model"]["hard_constraints"],
            causal=build_causal(cfg),
            balancing=build_balancing(cfg),
        )
        self.key = ktrain

    def initial_state(self) -> TrainState:
        return self.trainer.init(self.model, key=self.key, observations=self.observations)

    def template(self, stage: int) -> TrainState:
        """A state shaped like one in phase ``stage`` (what a checkpoint of it loads into)."""
        state = self.initial_state()
        for i in range(1, stage + 1):
            state = self.trainer.enter(state, i)
        return state


def _devices(cfg: dict) -> int:
    """``train.devices``, checked up front: the count exists and the points split evenly."""
    devices = cfg["train"].get("devices", 1)
    try:
        mesh = point_mesh(devices)
        check_divisible("collocation.n_interior", cfg["collocation"]["n_interior"], mesh)
    except ValueError as e:
        raise ConfigError(f"train.devices: {e}") from None
    return devices


def _save_checkpoint(out: Path, cfg: dict, state: TrainState, wall_time: float) -> None:
    host = distributed.to_host(state)  # gathers points split over processes
    save_checkpoint(out, cfg, host, wall_time, step=state.step, phase=state.phase, stage=state.stage)


def run_pinn(cfg: dict, out: Path, *, resume: bool = False, quiet: bool = False) -> dict:
    """Train (or continue training) and write the run directory; returns the metrics."""
    if ensemble_size(cfg) > 1:
        return run_pinn_ensemble(cfg, out, resume=resume, quiet=quiet)
    try:
        exp = PinnExperiment(cfg)
    except ConfigError:
        raise
    except ValueError as e:  # an invalid value caught by the library's own checks
        raise ConfigError(str(e)) from None
    devices = _devices(cfg)
    out.mkdir(parents=True, exist_ok=True)
    state, offset, history = start_or_resume(out, cfg, resume, lambda: _resumed(exp, out), exp.initial_state)

    def on_chunk(record: dict, s: TrainState) -> None:
        history.append(record)
        _save_checkpoint(out, cfg, s, record["wall_time_s"])

    try:
        state, _ = run(
            exp.trainer,
            state,
            chunk=cfg["chunk"],
            callbacks=[on_chunk],
            progress=not quiet,
            wall_time_offset=offset,
            devices=devices,
        )
    except TrainingDiverged as e:
        write_diverged(out, cfg, str(e), e.state.step)
        raise
    return finish(exp, state, out, history.rows)


def finish(exp: PinnExperiment, state: TrainState, out: Path, history: list[dict]) -> dict:
    cfg, problem, trainer = exp.cfg, exp.problem, exp.trainer
    t0 = time.perf_counter()
    pred, ref = reference_prediction(trainer, state)
    found = estimates(trainer, state)
    metrics = {
        "experiment": cfg["experiment"],
        "status": "finished",
        "problem": problem.name,
        **field_errors(pred, ref.values, float(mt.rel_l2(pred, ref.values)), ref.source),
        "wall_time_s": float(history[-1]["wall_time_s"]) if history else 0.0,
        "steps": state.step,
        **provenance(cfg),
        "final_loss": final_loss(history),
    }
    true = {k: p.value for k, p in problem.unknowns.items()}
    add_inverse_metrics(metrics, cfg, true, found, exp.observations)
    if ref.values.ndim > len(ref.axes):  # several components (e.g. NLS (u, v)): draw the magnitude
        metrics["plotted"] = "magnitude of the components"
        figures = report.plot_solution(
            out, ref.axes, np.linalg.norm(ref.values, axis=-1), np.linalg.norm(pred, axis=-1)
        )
    else:
        figures = report.plot_solution(out, ref.axes, ref.values, pred)
    figures += report.plot_history(out, history, true_parameters=true or None)
    metrics["report_time_s"] = time.perf_counter() - t0
    return write_results(out, cfg, metrics, figures)


def _load_state(exp: PinnExperiment, out: Path) -> tuple[TrainState, dict]:
    """The checkpointed state, refused unless it was written by this very configuration."""
    header = read_tied_header(out, exp.cfg)
    phases = exp.trainer.phases
    step = header.get("step")
    stage = header.get("stage", 1 if header.get("phase") == "lbfgs" and len(phases) > 1 else 0)
    if (
        not isinstance(stage, int)
        or not 0 <= stage < len(phases)
        or header.get("phase") != phases[stage].name
        or not isinstance(step, int)
        or step < 0
    ):
        raise ConfigError(
            f"checkpoint {out / CHECKPOINT} has an invalid step/phase; delete it to start over."
        )
    state, header = load(out / CHECKPOINT, exp.template(stage))
    return state, header


def _resumed(exp: PinnExperiment, out: Path) -> tuple[TrainState, dict]:
    """The checkpointed state at the header's step (a plain int), and the header."""
    state, header = _load_state(exp, out)
    state = TrainState(
        state.params,
        state.opt_state,
        state.batch,
        state.data,
        state.key,
        header["step"],
        state.phase,
        state.stage,
        state.balance,
        state.causal_weights,
    )
    return state, header


def load_pinn(cfg: dict, out: Path):
    """The trained network of a finished PINN run and ``predict(points (n, d)) -> u``."""
    if ensemble_size(cfg) > 1:
        return load_pinn_ensemble(cfg, out)
    exp = PinnExperiment(cfg)
    state, _ = _load_state(exp, out)
    model = exp.trainer.model(state.params)
    dim = exp.problem.domain.dim

    def predict_points(points):
        pts = np.asarray(points, np.float64)
        if pts.ndim != 2 or pts.shape[1] != dim:
            raise ConfigError(
                f"points must have shape (n, {dim}) (columns {', '.join(exp.problem.domain.coords)}), "
                f"got {pts.shape}."
            )
        return np.asarray(predict(exp.trainer, state.params, jnp.asarray(pts)))

    return model, predict_points
