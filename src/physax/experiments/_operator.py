"""Run a neural-operator experiment (``runner = "operator"``): learn u0 -> u(t_final) for Burgers.

FNO (Li et al. 2021) and DeepONet (Lu et al. 2021) are trained side by side on the same
Gaussian-random-field initial conditions and spectral reference solutions, with the same
optimiser and step budget, and scored by relative L2 error on held-out initial conditions.
"""

from __future__ import annotations

import time
from pathlib import Path

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from .. import emulators as em, metrics as mt, nn, report
from .._train.checkpoint import load
from ..report import plot_operator_samples
from ..solvers import spectral as sp
from ._common import provenance, write_results
from ._config import ConfigError
from ._emulator_build import build_optimizer, read_tied, resume_point, save_tied, train_tied


def _data(cfg: dict, key):
    p, d = cfg["pde"], cfg["data"]
    try:
        grid = sp.PeriodicGrid(1, p["num_points"], extent=p["extent"])
        substeps = max(1, round(p["t_final"] / p["dt"]))
        stepper = sp.Stepper(sp.Burgers(nu=p["nu"]), grid, p["t_final"], order=4, substeps=substeps)
    except ValueError as e:
        raise ConfigError(str(e)) from None

    def init(key):
        return sp.gaussian_random_field(grid, key=key, exponent=p["grf_exponent"], amplitude=p["amplitude"])

    n = d["train"] + d["test"]
    if d["train"] < 1 or d["test"] < 1:
        raise ConfigError("data.train and data.test must be >= 1.")
    traj = em.generate_trajectories(stepper, init, num_trajectories=n, num_steps=1, key=key)
    traj = traj.astype(jnp.float32)
    return grid, traj[: d["train"]], traj[d["train"] :]


def _models(cfg: dict, grid, key) -> dict:
    kf, kd = jax.random.split(key)
    f, d = cfg["fno"], cfg["deeponet"]
    models = {}
    if f["enabled"]:
        models["fno"] = nn.FNO(
            1,
            1,
            1,
            width=f["width"],
            modes=f["modes"],
            num_layers=f["layers"],
            projection_width=f["projection_width"],
            append_grid=f["append_grid"],
            key=kf,
        )
    if d["enabled"]:
        x = grid.coordinates(jnp.float32)[0] / grid.extent
        # A periodic trunk input (cos 2 pi x, sin 2 pi x) builds the periodicity in (Lu et al. 2022).
        y = jnp.stack([jnp.cos(2 * jnp.pi * x), jnp.sin(2 * jnp.pi * x)], -1) if d["periodic"] else x[:, None]
        net = nn.DeepONet(
            grid.num_points, y.shape[1], 1, basis=d["basis"], width=d["width"], depth=d["depth"], key=kd
        )
        models["deeponet"] = nn.GridDeepONet(net, jnp.asarray(y))
    if not models:
        raise ConfigError("enable at least one model: fno.enabled or deeponet.enabled.")
    return models


def _trainer(cfg: dict, name: str) -> em.Trainer:
    t = cfg["train"]
    steps = cfg[name]["steps"] or t["steps"]
    loss = em.Supervised(1, time_level_loss=em.NormalizedMSELoss())
    trainer = em.Trainer(
        loss, build_optimizer({**t, "steps": steps}), steps, t["batch_size"], devices=t.get("devices", 1)
    )
    try:
        trainer.mesh()  # the devices exist and the minibatch splits over them
    except ValueError as e:
        raise ConfigError(f"train: {e}") from None
    return trainer


def run_operator(cfg: dict, out: Path, *, resume: bool = False, quiet: bool = False) -> dict:
    """Train FNO and/or DeepONet on u0 -> u(t_final), score and report; returns the metrics.

    A checkpoint after every chunk (``checkpoint/state.eqx``) and one per finished model
    (``checkpoint/{fno,deeponet}.eqx``); ``resume`` keeps the finished models and continues
    the interrupted one mid-training.
    """
    t_start = time.perf_counter()
    kdata, kmodel, ktrain = jax.random.split(jax.random.key(cfg["seed"]), 3)
    grid, train, test = _data(cfg, kdata)
    out.mkdir(parents=True, exist_ok=True)
    saved, history = resume_point(cfg, out, resume)
    results, preds = {}, {}
    offset = 0
    for name, model0 in _models(cfg, grid, kmodel).items():
        trainer = _trainer(cfg, name)
        ckpt = out / "checkpoint" / f"{name}.eqx"
        tag = {"model": name, "phase": name}
        if resume and ckpt.is_file():
            read_tied(ckpt, cfg)
            model, _ = load(ckpt, model0)
        else:
            result = train_tied(
                trainer, model0, train, ktrain, cfg=cfg, out=out, saved=saved, tag=tag,
                base=offset, history=history, quiet=quiet,
            )  # fmt: skip
            model = result.model
            save_tied(ckpt, model, cfg, **tag, step=trainer.num_steps)
        rows = [row for row in history.rows if row.get("model") == name]
        offset += trainer.num_steps
        pred = eqx.filter_jit(eqx.filter_vmap(model))(test[:, 0])
        errors = np.asarray(jax.vmap(mt.rel_l2)(pred, test[:, 1]))
        preds[name] = np.asarray(pred[:, 0])
        results[name] = {
            "rel_l2": float(np.mean(errors)),
            "rel_l2_median": float(np.median(errors)),
            "train_time_s": float(rows[-1]["wall_time_s"]) if rows else 0.0,
            "steps": trainer.num_steps,
            "final_loss": float(rows[-1]["loss"]) if rows else None,
            "num_parameters": int(sum(x.size for x in jax.tree.leaves(eqx.filter(model, eqx.is_array)))),
        }
    x = np.asarray(grid.coordinates()[0])
    figures = [
        plot_operator_samples(
            out / "samples.png", x, np.asarray(test[:, 0, 0]), np.asarray(test[:, 1, 0]), preds
        )
    ]
    figures += report.plot_history(out, history.rows)
    first = next(iter(results.values()))
    metrics = {
        "experiment": cfg["experiment"],
        "status": "finished",
        "rel_l2": first["rel_l2"],
        "models": results,
        "resolution": cfg["pde"]["num_points"],
        "wall_time_s": time.perf_counter() - t_start,
        "steps": offset,
        **provenance(cfg),
    }
    return write_results(out, cfg, metrics, figures)


def load_operator(cfg: dict, out: Path):
    """The trained operators of a finished run (a dict name -> model) and ``predict(u0, model=None)``.

    `predict` maps input functions ``(C, N)`` or ``(B, C, N)`` on the run's grid to the
    solution at ``t_final``, same shape, with the named model (default: the first, ``"fno"``
    when enabled).
    """
    p = cfg["pde"]
    grid = sp.PeriodicGrid(1, p["num_points"], extent=p["extent"])
    models = {}
    for name, model0 in _models(cfg, grid, jax.random.split(jax.random.key(cfg["seed"]), 3)[1]).items():
        path = out / "checkpoint" / f"{name}.eqx"
        read_tied(path, cfg)
        models[name] = load(path, model0)[0]
    shape = (1, p["num_points"])

    def predict(u0, model: str | None = None):
        name = model or next(iter(models))
        if name not in models:
            raise ConfigError(f"model must be one of {', '.join(models)}, got '{name}'.")
        u = np.asarray(u0, np.float32)
        if u.ndim not in (2, 3) or u.shape[-2:] != shape:
            raise ConfigError(f"input functions must have shape {shape} or (B, *{shape}), got {u.shape}.")
        pred = eqx.filter_jit(eqx.filter_vmap(models[name]))(jnp.asarray(u.reshape(-1, *shape)))
        return np.asarray(pred).reshape(u.shape)

    return models, predict
