"""``physax solve NAME``: a classical spectral (ETDRK) solve of a catalogue problem into a run directory."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

from .. import __version__, report
from ..solvers import burgers_cole_hopf, spectral as sp
from ._common import device_description, write_config
from ._config import ConfigError

# name -> (pde from the [pde] table, initial state from physical x, exact solution or None)
Exact = Callable[[np.ndarray, np.ndarray], np.ndarray] | None


def _two_modes(x, cfg):
    k = 2 * math.pi / cfg["extent"]
    return jnp.sin(k * x) + 0.5 * jnp.cos(2 * k * x)


def _setup(cfg: dict, x: jax.Array, grid: sp.PeriodicGrid):
    """The PDE, the initial state (channel-first) and the exact solution ``(t, x) -> u`` if known."""
    name, p = cfg["problem"], cfg["pde"]
    if name == "burgers":
        exact = lambda t, xs: burgers_cole_hopf(t[:, None], xs[None, :], p["nu"])
        return sp.Burgers(nu=p["nu"]), (-jnp.sin(jnp.pi * x))[None], exact
    if name in ("advection", "diffusion"):
        pde = sp.Advection(velocity=p["velocity"]) if name == "advection" else sp.Diffusion(nu=p["nu"])
        u0 = _two_modes(x, cfg)[None]

        def exact(t, xs):
            return np.stack([np.asarray(sp.exact_linear_solution(pde, grid, u0, float(s)))[0] for s in t])

        return pde, u0, exact
    if name == "kdv":
        c, x0 = p["speed"], cfg["x_min"] + cfg["extent"] / 4

        def exact(t, xs):
            d = xs[None, :] - x0 - c * t[:, None]
            d = (d + cfg["extent"] / 2) % cfg["extent"] - cfg["extent"] / 2  # nearest periodic image
            return 0.5 * c / np.cosh(0.5 * math.sqrt(c) * d) ** 2

        return sp.KortewegDeVries(), jnp.asarray(exact(np.zeros(1), np.asarray(x)), x.dtype), exact
    if name == "ks":
        return sp.KuramotoSivashinsky(), (jnp.cos(x / 16) * (1 + jnp.sin(x / 16)))[None], None
    if name == "allen-cahn":
        return sp.AllenCahn(epsilon=p["epsilon"], c=p["c"]), (x**2 * jnp.cos(jnp.pi * x))[None], None
    if name == "nls":
        return sp.NonlinearSchroedinger(), (2.0 / jnp.cosh(x) + 0j)[None], None
    if name == "gray-scott":
        u0 = sp.gray_scott_square(grid, key=jax.random.key(cfg["seed"]), dtype=x.dtype)
        return sp.GrayScott(feed=p["feed"], kill=p["kill"]), u0, None
    if name == "kolmogorov":
        w0 = sp.gaussian_random_field(grid, key=jax.random.key(cfg["seed"]), dtype=x.dtype)
        return sp.NavierStokesVorticity(nu=p["nu"], drag=p["drag"]), w0, None
    raise ConfigError(f"no solver set up for '{name}'.")


def solve(cfg: dict, out: Path) -> dict:
    """Run the spectral solve described by ``cfg`` and write ``out``; returns the metrics."""
    for key in ("n", "snapshots"):
        if cfg[key] < 1:
            raise ConfigError(f"{key} must be >= 1, got {cfg[key]}.")
    if not (cfg["dt"] > 0 and cfg["t_end"] > 0 and cfg["extent"] > 0):
        raise ConfigError("dt, t_end and extent must be > 0.")
    dt_out = cfg["t_end"] / cfg["snapshots"]
    substeps = max(1, round(dt_out / cfg["dt"]))
    dtype = jnp.float64 if cfg["float64"] else jnp.float32
    try:
        grid = sp.PeriodicGrid(cfg["dims"], cfg["n"], extent=cfg["extent"])
        x = grid.coordinates(dtype)[0] + cfg["x_min"]
        pde, u0, exact = _setup(cfg, x, grid)
        stepper = sp.Stepper(pde, grid, dt_out, order=cfg["order"], substeps=substeps)
    except ValueError as e:
        raise ConfigError(str(e)) from None
    out.mkdir(parents=True, exist_ok=True)
    write_config(out, cfg)
    t0 = time.perf_counter()
    traj = jax.block_until_ready(sp.rollout(stepper, u0, cfg["snapshots"]))
    wall = time.perf_counter() - t0
    t1 = time.perf_counter()
    jax.block_until_ready(sp.rollout(stepper, u0, cfg["snapshots"]))
    run_time = time.perf_counter() - t1
    u = np.asarray(traj)
    t = np.linspace(0.0, cfg["t_end"], cfg["snapshots"] + 1)
    xs = np.asarray(x) if cfg["dims"] == 1 else np.asarray(grid.coordinates(dtype)[0][:, 0]) + cfg["x_min"]
    metrics = {
        "experiment": f"solve-{cfg['problem']}",
        "problem": cfg["problem"],
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
    if exact is not None:
        ref = exact(t, xs)
        metrics["rel_l2"] = float(np.linalg.norm(u[:, 0] - ref) / np.linalg.norm(ref))
        metrics["rel_l2_final"] = float(np.linalg.norm(u[-1, 0] - ref[-1]) / np.linalg.norm(ref[-1]))
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
