"""``physax solve NAME``: the classical solution of a `physax.problems` problem into a run directory.

The solve configuration names a problem and its parameters; the problem itself gives the
initial state, the solver (its `classical` hook: pseudo-spectral ETDRK) and, where known,
the exact solution the result is scored against.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from pathlib import Path

import jax.numpy as jnp
import numpy as np

from .. import __version__, metrics as mt, problems, report
from ._common import check_memory, device_description, write_config
from ._config import ConfigError


def _box(cfg: dict) -> dict:
    return {"x_min": cfg["x_min"], "extent": cfg["extent"], "t_end": cfg["t_end"]}


# solve name -> problem built from the configuration ([pde] table, domain, seed)
PROBLEMS: dict[str, Callable[[dict, dict], problems.AbstractProblem]] = {
    "burgers": lambda cfg, p: problems.Burgers(lambda2=p["nu"]),
    "advection": lambda cfg, p: problems.TwoModeAdvection(velocity=p["velocity"], **_box(cfg)),
    "diffusion": lambda cfg, p: problems.TwoModeDiffusion(nu=p["nu"], **_box(cfg)),
    "kdv": lambda cfg, p: problems.KdVSoliton(speed=p["speed"], **_box(cfg)),
    "ks": lambda cfg, p: problems.KuramotoSivashinsky(**_box(cfg)),
    "allen-cahn": lambda cfg, p: problems.AllenCahn(d=p["epsilon"], gamma=p["c"]),
    "nls": lambda cfg, p: problems.NonlinearSchroedinger(),
    "gray-scott": lambda cfg, p: problems.GrayScott(
        feed=p["feed"], kill=p["kill"], seed=cfg["seed"], **_box(cfg)
    ),
    "kolmogorov": lambda cfg, p: problems.KolmogorovFlow(
        nu=p["nu"], drag=p["drag"], seed=cfg["seed"], **_box(cfg)
    ),
}


def build_problem(cfg: dict) -> problems.AbstractProblem:
    """The catalogue problem a solve configuration names, checked against its grid keys."""
    name = cfg["problem"]
    if name not in PROBLEMS:
        raise ConfigError(f"no classical solve set up for '{name}'; choose one of {sorted(PROBLEMS)}.")
    try:
        problem = PROBLEMS[name](cfg, cfg.get("pde", {}))
    except ValueError as e:
        raise ConfigError(f"problem '{name}': {e}") from None
    dom = problem.domain
    dims, x_min, extent = dom.dim - 1, float(dom.lo[1]), float(dom.hi[1] - dom.lo[1])
    if cfg["dims"] != dims:
        raise ConfigError(f"problem '{name}' has {dims} spatial dimension(s); set dims = {dims}.")
    if not (np.isclose(cfg["x_min"], x_min) and np.isclose(cfg["extent"], extent)):
        raise ConfigError(
            f"problem '{name}' is posed on x in [{x_min:g}, {x_min + extent:g}); "
            f"set x_min = {x_min!r} and extent = {extent!r}."
        )
    return problem


def _exact(problem: problems.AbstractProblem, t: np.ndarray, x: np.ndarray) -> np.ndarray | None:
    """The exact solution on the ``(t, x)`` grid of a 1-d problem, if the problem knows one."""
    if problem.domain.dim != 2:
        return None
    tt, xx = np.meshgrid(t, x, indexing="ij")
    values = problem.exact(np.stack([tt.ravel(), xx.ravel()], -1))
    return None if values is None else np.asarray(values, np.float64).reshape(tt.shape)


MAX_STEPS = 2**31 - 1


def check(cfg: dict) -> problems.AbstractProblem:
    """Every check of a solve configuration that needs no computation; returns its problem."""
    for key in ("n", "snapshots"):
        if cfg[key] < 1:
            raise ConfigError(f"{key} must be >= 1, got {cfg[key]}.")
    for key in ("dt", "t_end", "extent"):
        if not cfg[key] > 0:
            raise ConfigError(f"{key} must be > 0, got {cfg[key]}.")
    steps = cfg["snapshots"] * max(1, math.ceil(cfg["t_end"] / cfg["snapshots"] / cfg["dt"] - 1e-9))
    if steps > MAX_STEPS:
        raise ConfigError(
            f"dt = {cfg['dt']:g} needs {steps:.3g} time steps to reach t_end = {cfg['t_end']:g} "
            f"(at most {MAX_STEPS}); raise dt."
        )
    problem = build_problem(cfg)
    values = (cfg["snapshots"] + 1) * float(cfg["n"]) ** cfg["dims"] * 2  # up to two fields
    check_memory("the snapshots", values * (8 if cfg["float64"] else 4), "lower snapshots or n")
    return problem


def solve(cfg: dict, out: Path) -> dict:
    """Run the classical solve described by ``cfg`` and write ``out``; returns the metrics."""
    problem = check(cfg)
    dtype = jnp.float64 if cfg["float64"] else jnp.float32
    opts = dict(n=cfg["n"], dt=cfg["dt"], snapshots=cfg["snapshots"], t_end=cfg["t_end"], order=cfg["order"])

    def classical():
        try:
            return problem.classical(**opts, dtype=dtype)
        except ValueError as e:
            raise ConfigError(str(e)) from None

    out.mkdir(parents=True, exist_ok=True)
    write_config(out, cfg)
    t0 = time.perf_counter()
    t, xs, u = classical()  # includes compilation
    wall = time.perf_counter() - t0
    t1 = time.perf_counter()
    classical()
    run_time = time.perf_counter() - t1
    dt_out = cfg["t_end"] / cfg["snapshots"]
    substeps = max(1, math.ceil(dt_out / cfg["dt"] - 1e-9))  # as the problems' classical()
    metrics = {
        "experiment": f"solve-{cfg['problem']}",
        "problem": cfg["problem"],
        "problem_class": problem.name,
        "method": f"pseudo-spectral ETDRK{cfg['order']}, 2/3 dealiasing",
        "wall_time_s": wall,
        "run_time_s": run_time,
        "grid": {"dims": cfg["dims"], "n": cfg["n"], "x_min": cfg["x_min"], "extent": cfg["extent"]},
        "dt": dt_out / substeps,
        "steps": cfg["snapshots"] * substeps,
        "t_end": cfg["t_end"],
        "dtype": str(np.dtype(dtype)),
        "finite": bool(np.all(np.isfinite(u))),
        "device": device_description(),
        "physax": __version__,
    }
    ref = _exact(problem, t, xs)
    if ref is not None:
        metrics["rel_l2"] = mt.rel_l2_float64(u[:, 0], ref)
        metrics["rel_l2_final"] = mt.rel_l2_float64(u[-1, 0], ref[-1])
    np.savez_compressed(out / "solution.npz", t=t, x=xs, u=u)
    field = np.abs(u[:, 0]) if np.iscomplexobj(u) else u[:, -1]
    label = "|h|" if np.iscomplexobj(u) else ("v" if cfg["problem"] == "gray-scott" else "u")
    if cfg["dims"] == 1:
        report.plot_field(
            out / "solution.png", (("t", t), ("x", xs)), field, title=cfg["description"][:70], label=label
        )
    else:
        axes = (("x", xs), ("y", xs))
        report.plot_field(out / "solution.png", axes, field[-1], title=f"t = {cfg['t_end']:g}", label=label)
    report.write_json(out / "metrics.json", metrics)
    return metrics
