"""Run an autoregressive-emulator experiment (``runner = "emulator"``) into a run directory.

One training per entry of ``train.rollout_steps`` (e.g. ``[1, 5, 20]`` for the Trainax stencil
quickstart), each from the same initial network, data and minibatch order; every trained
emulator is rolled out on held-out trajectories and scored per step (nRMSE, correlation).
The training state is checkpointed after every chunk (``checkpoint/state.eqx``) and each
finished emulator kept (``checkpoint/model_T{r}.eqx``); ``--resume`` reuses the finished
trainings and continues the interrupted one mid-training, ending at the same weights.
"""

from __future__ import annotations

import time
from pathlib import Path

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from .. import emulators as em, metrics as mt, report
from .._train.checkpoint import load
from ..report import plot_rollout, plot_rollout_metrics
from ._common import provenance, write_results
from ._config import ConfigError
from ._emulator_build import (
    build_model,
    build_reference,
    build_trainer,
    emulator_rollout,
    make_data,
    read_tied,
    resume_point,
    save_tied,
    train_tied,
)

__all__ = ["load_emulator", "run_emulator"]


def _check(cfg: dict) -> list[int]:
    rollouts = cfg["train"]["rollout_steps"]
    if not rollouts or not all(isinstance(r, int) and r >= 1 for r in rollouts):
        raise ConfigError(f"train.rollout_steps must be a non-empty list of ints >= 1, got {rollouts}.")
    extra = {"mix": cfg["train"]["post_physics_steps"]}.get(cfg["train"]["configuration"], 0)
    snaps = cfg["data"]["train_steps"] + 1
    for r in rollouts:
        if r + extra + 1 > snaps and cfg["train"]["configuration"] in ("supervised", "mix"):
            raise ConfigError(
                f"train.rollout_steps={r} needs training trajectories of at least {r + extra + 1} "
                f"snapshots but data.train_steps={snaps - 1} gives {snaps}; raise data.train_steps "
                "or lower the rollout."
            )
    if cfg["eval"]["rollout_steps"] > cfg["data"]["test_steps"]:
        raise ConfigError(
            f"eval.rollout_steps={cfg['eval']['rollout_steps']} exceeds data.test_steps="
            f"{cfg['data']['test_steps']}; raise data.test_steps."
        )
    if cfg["chunk"] < 1:
        raise ConfigError(f"chunk must be >= 1, got {cfg['chunk']}.")
    return rollouts


def _stencil_error(cfg: dict, model) -> float | None:
    m, p = cfg["model"], cfg["pde"]
    if p["name"] != "advection" or m["architecture"] != "linear" or m["kernel_size"] != 2 or m["use_bias"]:
        return None
    cfl = p["cfl"]
    return float(jnp.linalg.norm(model.weight - jnp.array([1 + cfl, -cfl])))


def score(model, test, n: int) -> dict:
    """Per-step metrics of `model` rolled out `n` steps from the test initial states."""
    pred = emulator_rollout(model, test[:, 0], n)
    dims = test.ndim - 3  # (trajectories, snapshots, channels, *spatial)
    metrics = mt.rollout_metrics(pred, test[:, 1 : n + 1], spatial_dims=dims)
    curves = {k: np.asarray(v) for k, v in metrics.items()}
    return {
        "curves": curves,
        "pred": np.asarray(pred[0, :, 0]),
        "gmean_nrmse_100": mt.gmean_nrmse(curves["nrmse"], 100),
        "correlation_time": mt.correlation_time(curves["correlation"]),
    }


def _model(cfg: dict, key, grid, channels: int):
    """The untrained network of the ``[model]`` table for this grid and number of channels."""
    dims = grid.num_spatial_dims
    return build_model(cfg["model"], key, channels=channels, dims=dims, spatial_size=grid.num_points)


def _snapshots(path: Path, reference, emulated, extent: float) -> list[Path]:
    """Reference, emulator and |difference| of the first channel at the last rollout step
    (2-d runs); `reference` ``(T+1, C, N, N)`` from the initial state, `emulated` ``(T, N, N)``."""
    ref, emu = np.asarray(reference[-1, 0]), np.asarray(emulated[-1])
    t = reference.shape[0] - 1
    panels = [(f"reference, step {t}", ref), (f"emulator, step {t}", emu)]
    opts = {"extent": (0, extent, 0, extent), "xlabel": "$y$", "ylabel": "$x$"}
    error = [(f"|emulator - reference|, step {t}", np.abs(emu - ref))]
    return [
        report.plot_panels(path, panels, label="u", cmap="RdBu_r", symmetric=True, **opts),
        report.plot_panels(path.with_name("rollout_error.png"), error, label="|error|", cmap="magma", **opts),
    ]


def _keys(cfg: dict):
    """Keys derived from ``seed``, unless ``data.seed`` / ``model.seed`` / ``train.shuffle_seed``
    (>= 0) pin one (the quickstart uses Trainax's keys 0, 73 and 42 to compare like for like)."""
    kdata, ktest, kmodel, ktrain = jax.random.split(jax.random.key(cfg["seed"]), 4)
    if cfg["data"]["seed"] >= 0:
        kdata = jax.random.key(cfg["data"]["seed"])
    if cfg["model"]["seed"] >= 0:
        kmodel = jax.random.key(cfg["model"]["seed"])
    if cfg["train"]["shuffle_seed"] >= 0:
        ktrain = jax.random.key(cfg["train"]["shuffle_seed"])
    return kdata, ktest, kmodel, ktrain


def run_emulator(cfg: dict, out: Path, *, resume: bool = False, quiet: bool = False) -> dict:
    """Generate data, train one emulator per rollout length, score and report; returns metrics."""
    t_start = time.perf_counter()
    rollouts = _check(cfg)
    kdata, ktest, kmodel, ktrain = _keys(cfg)
    grid, stepper, init = build_reference(cfg)
    train = make_data(cfg, stepper, init, kdata, "train")
    test = make_data(cfg, stepper, init, ktest, "test")
    model0 = _model(cfg, kmodel, grid, train.shape[2])
    out.mkdir(parents=True, exist_ok=True)
    if cfg["data"]["save"]:
        meta = {"pde": cfg["pde"], "seed": cfg["seed"]}
        em.save_trajectories(out / "train.npz", train, **meta)
        em.save_trajectories(out / "test.npz", test, **meta)
    saved, history = resume_point(cfg, out, resume)
    n_eval, steps = cfg["eval"]["rollout_steps"], cfg["train"]["steps"]
    results, curves, train_time = {}, {}, 0.0
    for i, r in enumerate(rollouts):
        ckpt = out / "checkpoint" / f"model_T{r}.eqx"
        tag = {"rollout": r, "phase": f"T={r}"}
        if resume and ckpt.is_file():
            read_tied(ckpt, cfg)
            model, _ = load(ckpt, model0)
        else:
            trainer = build_trainer(cfg, r, stepper)
            result = train_tied(
                trainer, model0, train, ktrain, cfg=cfg, out=out, saved=saved, tag=tag,
                base=i * steps, history=history, quiet=quiet,
            )  # fmt: skip
            model = result.model
            save_tied(ckpt, model, cfg, **tag, step=steps)
        rows = [row for row in history.rows if row.get("rollout") == r]
        t = float(rows[-1]["wall_time_s"]) if rows else 0.0
        train_time += t
        s = score(model, test, n_eval)
        curves[f"T={r}"] = s["curves"]
        results[str(r)] = {
            "gmean_nrmse_100": s["gmean_nrmse_100"],
            "correlation_time": s["correlation_time"],
            "final_loss": float(rows[-1]["loss"]) if rows else None,
            "train_time_s": t,
            "stencil_error": _stencil_error(cfg, model),
        }
        last = (r, s, model)
    r, s, model = last
    x = np.asarray(grid.coordinates()[0])
    title = f"{cfg['model']['architecture']} emulator (T={r}) vs reference"
    if grid.num_spatial_dims == 2:
        figures = _snapshots(out / "rollout.png", test[0, : n_eval + 1], s["pred"], grid.extent)
    else:
        figures = [plot_rollout(
            out / "rollout.png",
            x,
            cfg["pde"]["dt"],
            np.asarray(test[0, : n_eval + 1, 0]),
            np.concatenate([np.asarray(test[0, :1, 0]), s["pred"]]),
            title=title,
        )]  # fmt: skip
    figures.append(plot_rollout_metrics(out / "rollout_metrics.png", curves))
    figures += report.plot_history(out, history.rows)
    metrics = {
        "experiment": cfg["experiment"],
        "status": "finished",
        "architecture": cfg["model"]["architecture"],
        "configuration": cfg["train"]["configuration"],
        "rollout_steps": r,
        "gmean_nrmse_100": s["gmean_nrmse_100"],
        "correlation_time": s["correlation_time"],
        "per_rollout": results,
        "num_parameters": int(sum(x.size for x in jax.tree.leaves(eqx.filter(model, eqx.is_array)))),
        "wall_time_s": time.perf_counter() - t_start,
        "train_time_s": train_time,
        "steps": steps * len(rollouts),
        **provenance(cfg),
    }
    if results[str(r)]["stencil_error"] is not None:
        metrics["stencil_error"] = {k: v["stencil_error"] for k, v in results.items()}
    return write_results(out, cfg, metrics, figures)


def load_emulator(cfg: dict, out: Path):
    """The emulator of the last rollout length of a finished run, and ``predict(u0, steps=1)``.

    `predict` rolls the emulator out `steps` steps from one state ``(C, N)`` or a batch
    ``(B, C, N)`` and returns the states after the initial one, shape ``(steps, C, N)`` or
    ``(B, steps, C, N)``.
    """
    rollouts = _check(cfg)
    path = out / "checkpoint" / f"model_T{rollouts[-1]}.eqx"
    read_tied(path, cfg)
    grid, _, init = build_reference(cfg)
    channels = jax.eval_shape(lambda: init(key=jax.random.key(0))).shape[0]
    model, _ = load(path, _model(cfg, _keys(cfg)[2], grid, channels))
    shape = (channels, *grid.spatial_shape)

    def predict(u0, steps: int = 1):
        u = np.asarray(u0, np.float32)
        k = len(shape)
        if u.ndim not in (k, k + 1) or u.shape[-k:] != shape:
            raise ConfigError(f"initial states must have shape {shape} or (B, *{shape}), got {u.shape}.")
        if not isinstance(steps, int | np.integer) or steps < 1:
            raise ConfigError(f"steps must be an int >= 1, got {steps!r}.")
        pred = emulator_rollout(model, jnp.asarray(u.reshape(-1, *shape)), int(steps))
        return np.asarray(pred).reshape(*u.shape[:-k], int(steps), *shape)

    return model, predict
