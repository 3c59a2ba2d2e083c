"""``train.ensemble = K``: a deep ensemble of PINN runs, its mean error and spread, into a run directory."""

from __future__ import annotations

from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

from .. import __version__, distributed, report
from .._train.checkpoint import load, read_header, save
from ..pinn import fit_ensemble
from ._common import CHECKPOINT, check_tie, expect, provenance, tie, write_config, write_results
from ._config import ConfigError
from ._pinn_build import build_collocation, build_model, build_observations, build_optimisers, build_problem


def ensemble_size(cfg: dict) -> int:
    """``train.ensemble`` (1 = a single network, the ordinary run)."""
    return int(cfg["train"].get("ensemble", 1))


def _build(cfg: dict):
    k = ensemble_size(cfg)
    t = cfg["train"]
    if k < 2:
        raise ConfigError(f"train.ensemble must be >= 2 for an ensemble run, got {k}.")
    if t["lbfgs_steps"] or t.get("phases") or t.get("causal_epsilon", 0.0):
        raise ConfigError(
            "train.ensemble trains every member with Adam only (train.adam_steps, train.learning_rate, ...); "
            "set train.lbfgs_steps = 0 and train.phases = [] (and no causal training)."
        )
    kmodel, kdata, ktrain = jax.random.split(jax.random.key(cfg["seed"]), 3)
    try:
        problem = build_problem(cfg)
        observations = build_observations(cfg, problem, kdata)
        adam, _ = build_optimisers(cfg)
        mesh = distributed.device_mesh(t.get("devices", 1), "members")
        distributed.check_divisible("train.ensemble", k, mesh)
    except ValueError as e:
        raise ConfigError(f"train.ensemble: {e}" if "devices" in str(e) else str(e)) from None
    keys = jax.random.split(jax.random.fold_in(kmodel, 1), k)
    return problem, observations, adam, keys, lambda key: build_model(cfg, problem, key)


def run_pinn_ensemble(cfg: dict, out: Path, *, resume: bool = False, quiet: bool = False) -> dict:
    """Train ``train.ensemble`` independently seeded networks at once and report mean and spread."""
    if resume:
        raise ConfigError(
            "an ensemble run cannot be resumed; start it again (it has no mid-run checkpoints)."
        )
    problem, observations, adam, keys, model_fn = _build(cfg)
    out.mkdir(parents=True, exist_ok=True)
    write_config(out, cfg)
    try:
        result = fit_ensemble(
            problem,
            model_fn,
            keys,
            observations=observations,
            collocation=build_collocation(cfg),
            adam=adam,
            weights=dict(cfg["weights"]),
            hard_constraints=cfg["model"]["hard_constraints"],
            chunk=cfg["chunk"],
            progress=not quiet,
            devices=cfg["train"].get("devices", 1),
        )
    except ValueError as e:
        raise ConfigError(str(e)) from None
    history = report.HistoryWriter(out / "history.csv")
    for row in result.history:
        history.append(row)
    params = distributed.to_host(result.state[0])
    save(out / CHECKPOINT, params, {**tie(cfg), "step": adam.steps, "physax": __version__})
    ens = result.model
    ref = problem.reference()
    members = np.asarray(distributed.to_host(ens.members(jnp.asarray(ref.points))), np.float64)
    members = members.reshape(members.shape[0], *ref.values.shape)
    mean, spread = members.mean(0), members.std(0, ddof=1)
    if ref.values.ndim > len(ref.axes):  # several components: draw magnitudes
        mean_img, spread_img, ref_img = (np.linalg.norm(a, axis=-1) for a in (mean, spread, ref.values))
    else:
        mean_img, spread_img, ref_img = mean, spread, ref.values
    figures = report.plot_solution(out, ref.axes, ref_img, mean_img)
    figures.append(
        report.plot_field(
            out / "spread.png", ref.axes, spread_img, title="ensemble spread (std over members)", label="std"
        )
    )
    figures += report.plot_history(out, list(result.history))
    err = np.abs(mean - ref.values)
    metrics = {
        "experiment": cfg["experiment"],
        "status": "finished",
        "problem": problem.name,
        "ensemble": int(keys.shape[0]),
        "rel_l2": result.stats["rel_l2"],
        "rel_l2_members": result.stats["rel_l2_members"],
        "spread_mean": float(spread.mean()),
        "spread_max": float(spread.max()),
        "spread_error_correlation": float(np.corrcoef(spread.ravel(), err.ravel())[0, 1]),
        "max_abs_error": float(err.max()),
        "reference": ref.source,
        "wall_time_s": float(result.history[-1]["wall_time_s"]) if result.history else 0.0,
        "steps": adam.steps,
        **provenance(cfg),
        "final_loss": {
            k: v for k, v in (result.history[-1] if result.history else {}).items() if k.startswith("loss")
        },
    }
    return write_results(out, cfg, metrics, figures)


def load_pinn_ensemble(cfg: dict, out: Path):
    """The trained `Ensemble` of a finished ensemble run and ``predict(points) -> ensemble mean``."""
    from ..pinn import Ensemble, make_trainer

    problem, _, adam, keys, model_fn = _build(cfg)
    models = [model_fn(k) for k in keys[:1]]
    trainer = make_trainer(problem, models[0], collocation=build_collocation(cfg), adam=adam, lbfgs=None)
    state = trainer.init(models[0], key=keys[0], observations=None)
    like = jax.tree.map(lambda x: jnp.stack([x] * keys.shape[0]), state.params)
    header = read_header(out / CHECKPOINT, expect=expect(cfg))
    check_tie(out / CHECKPOINT, header, cfg)
    params, _ = load(out / CHECKPOINT, like)
    ens = Ensemble(trainer, params)
    dim = problem.domain.dim

    def predict_points(points):
        pts = np.asarray(points, np.float64)
        if pts.ndim != 2 or pts.shape[1] != dim:
            raise ConfigError(f"points must have shape (n, {dim}), got {pts.shape}.")
        return np.asarray(ens.mean(jnp.asarray(pts, jnp.float32)))

    return ens, predict_points
