"""PINN versus classical numerics on every catalogue PINN problem (issue 3).

For each problem: the relative L2 error and wall time of ``physax run NAME`` with its default
config (read from ``benchmarks/results/NAME.metrics.json``, or re-run with ``--run``), the
best published PINN figure, and a classical solver on the same problem scored against the
same trusted reference on the same grid, with its (JIT-warmed) wall time.

    python benchmarks/pinn_catalogue.py                    # recorded PINN runs + classical solves
    python benchmarks/pinn_catalogue.py --run kdv nls      # re-run those PINNs first (minutes each)
    python benchmarks/pinn_catalogue.py --markdown         # the table as Markdown

Classical solvers (float64): pseudo-spectral ETDRK4 (``physax.solvers.spectral``) for
Allen-Cahn, NLS, KdV and advection; second-order leapfrog finite differences for the 1-d wave
equation; the five-point finite-difference solve ``physax.solvers.helmholtz_fd`` for Poisson and
Helmholtz. Times are the median of 5 calls after a warm-up call (compilation excluded).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import jax

jax.config.update("jax_enable_x64", True)

import equinox as eqx  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402

from physax import problems  # noqa: E402
from physax.solvers import helmholtz_fd, spectral as sp  # noqa: E402

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
NAMES = ["allen-cahn", "nls", "kdv", "advection", "wave1d", "poisson2d", "helmholtz2d"]

# Best published PINN-type figure for the same problem (relative L2 of the field).
PUBLISHED = {
    "allen-cahn": (5.37e-5, "jaxpi"),
    "nls": (1.97e-3, "Raissi et al. 2019, of |h|"),
    "kdv": (4.27e-4, "PirateNet, forward problem"),
    "advection": (6.88e-4, "jaxpi"),
}

# PINN figures recorded in benchmarks/README.md before metrics.json files were kept for them
# (default configs, quiet CPU); used only when benchmarks/results/NAME.metrics.json is missing.
README_FIGURES = {
    "wave1d": (3.7e-2, 194.0),
    "poisson2d": (2.3e-4, 40.0),
    "helmholtz2d": (4.7e-4, 148.0),
}


# ----------------------------------------------------------------------------- timing
def _timed(fn, repeats: int = 5) -> tuple[object, float]:
    """``fn()`` once to compile, then the median wall time of ``repeats`` blocked calls."""
    out = jax.block_until_ready(fn())
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = jax.block_until_ready(fn())
        times.append(time.perf_counter() - t0)
    return out, float(np.median(times))


def _rel(u: np.ndarray, ref: np.ndarray) -> float:
    return float(np.linalg.norm(u - ref) / np.linalg.norm(ref))


# ----------------------------------------------------------------------------- spectral problems
def _trig_interp(u: np.ndarray, extent: float, x: np.ndarray) -> np.ndarray:
    """Evaluate the trigonometric interpolant of periodic samples ``u[..., n]`` at offsets ``x``."""
    n = u.shape[-1]
    c = np.fft.fft(u, axis=-1) / n
    m = np.fft.fftfreq(n, 1.0 / n)
    if n % 2 == 0:
        c[..., n // 2] = 0.0  # Nyquist mode: ~0 for a dealiased solution, ambiguous otherwise
    basis = np.exp(2j * np.pi * np.outer(m, x) / extent)
    out = c @ basis
    return out if np.iscomplexobj(u) else out.real


def _spectral_case(problem, pde, u0_fn, n: int, dt: float) -> dict:
    """ETDRK4 on ``n`` points with step ``<= dt``, scored on the problem's reference grid."""
    ref = problem.reference()
    (_, t_axis), (_, x_axis) = ref.axes
    x_min, extent = float(problem.domain.lo[1]), float(problem.domain.hi[1] - problem.domain.lo[1])
    nt = len(t_axis) - 1
    dt_out = float(t_axis[-1] - t_axis[0]) / nt
    substeps = max(1, math.ceil(dt_out / dt - 1e-9))
    grid = sp.PeriodicGrid(1, n, extent=extent)
    x = grid.coordinates(jnp.float64)[0] + x_min
    stepper = sp.Stepper(pde, grid, dt_out, order=4, substeps=substeps)
    u0 = u0_fn(x)[None]
    traj, seconds = _timed(lambda: sp.rollout(stepper, u0, nt))
    u = _trig_interp(np.asarray(traj[:, 0]), extent, np.asarray(x_axis) - x_min)
    if np.iscomplexobj(u):  # NLS: the reference holds (u, v)
        u = np.stack([u.real, u.imag], -1)
    return {
        "rel_l2": _rel(u, ref.values),
        "time_s": seconds,
        "grid": f"ETDRK4, N = {n}, dt = {dt_out / substeps:.3g} ({nt * substeps} steps)",
    }


def classical_allen_cahn() -> dict:
    p = problems.AllenCahn()
    pde = sp.AllenCahn(epsilon=p.parameters["d"].value, c=p.parameters["gamma"].value)
    return _spectral_case(p, pde, lambda x: x**2 * jnp.cos(jnp.pi * x), 512, 5e-3)


def classical_nls() -> dict:
    p = problems.NonlinearSchroedinger()
    pde = sp.NonlinearSchroedinger(a=p.parameters["a"].value, beta=p.parameters["beta"].value)
    return _spectral_case(p, pde, lambda x: (2.0 / jnp.cosh(x)).astype(jnp.complex128), 256, 5e-3)


def classical_kdv() -> dict:
    p = problems.KdV()
    pde = sp.KortewegDeVries(alpha=p.parameters["lambda1"].value, beta=p.parameters["lambda2"].value)
    return _spectral_case(p, pde, lambda x: jnp.cos(jnp.pi * x), 128, 5e-3)


def classical_advection() -> dict:
    p = problems.Advection1D()
    return _spectral_case(p, sp.Advection(velocity=p.parameters["beta"].value), jnp.sin, 32, 1e-2)


# ----------------------------------------------------------------------------- wave1d
@eqx.filter_jit
def _leapfrog(u0: jax.Array, c: float, courant: float, steps: int, every: int) -> jax.Array:
    """Second-order leapfrog for u_tt = c^2 u_xx, fixed ends, from rest; every ``every`` steps."""
    r2 = courant**2

    def lap(u):
        return jnp.pad(u[2:] - 2 * u[1:-1] + u[:-2], 1)

    u1 = u0 + 0.5 * r2 * lap(u0)  # Taylor start with u_t(0) = 0

    def step(carry, _):
        prev, cur = carry
        return (cur, 2 * cur - prev + r2 * lap(cur)), cur

    def block(carry, _):
        carry, _ = jax.lax.scan(step, carry, None, length=every)
        return carry, carry[0]

    _, snaps = jax.lax.scan(block, (u0, u1), None, length=steps // every)
    return jnp.concatenate([u0[None], snaps])


def classical_wave1d(refine: int = 4, courant: float = 0.5) -> dict:
    p = problems.Wave1D()
    ref = p.reference()
    (_, t_axis), (_, x_axis) = ref.axes
    c = p.parameters["c"].value
    nx = (len(x_axis) - 1) * refine
    h = 1.0 / nx
    dt = courant * h / c
    dt_out = float(t_axis[1] - t_axis[0])
    every = round(dt_out / dt)
    if not math.isclose(every * dt, dt_out):
        raise ValueError("the time step must divide the reference spacing")
    x = jnp.linspace(0.0, 1.0, nx + 1)
    u0 = jnp.sin(jnp.pi * x) + 0.5 * jnp.sin(3 * jnp.pi * x)
    steps = every * (len(t_axis) - 1)
    u, seconds = _timed(lambda: _leapfrog(u0, c, courant, steps, every))
    u = np.asarray(u)[:, ::refine]
    return {
        "rel_l2": _rel(u, ref.values),
        "time_s": seconds,
        "grid": f"FD2 leapfrog, {nx} intervals, Courant {courant:g} ({steps} steps)",
    }


# ----------------------------------------------------------------------------- poisson / helmholtz
def _elliptic_case(problem, refine: int) -> dict:
    ref = problem.reference()
    (_, x_axis), (_, y_axis) = ref.axes
    nx, ny = (len(x_axis) - 1) * refine, (len(y_axis) - 1) * refine
    k = float(problem.parameters["k"].value)
    a1, a2 = problem.a1, problem.a2
    factor = k**2 - (a1 * np.pi) ** 2 - (a2 * np.pi) ** 2
    f = lambda x, y: factor * jnp.sin(a1 * jnp.pi * x) * jnp.sin(a2 * jnp.pi * y)
    lo, hi = tuple(problem.domain.lo), tuple(problem.domain.hi)
    solve = jax.jit(lambda: helmholtz_fd(f, (nx, ny), lo, hi, k=k, dtype=jnp.float64)[2])
    u, seconds = _timed(solve)
    u = np.asarray(u)[::refine, ::refine]
    return {
        "rel_l2": _rel(u, ref.values),
        "time_s": seconds,
        "grid": f"FD 5-point, {nx} x {ny} intervals",
    }


def classical_poisson2d() -> dict:
    return _elliptic_case(problems.Poisson2D(), 4)


def classical_helmholtz2d() -> dict:
    return _elliptic_case(problems.Helmholtz2D(), 4)


CLASSICAL = {
    "allen-cahn": classical_allen_cahn,
    "nls": classical_nls,
    "kdv": classical_kdv,
    "advection": classical_advection,
    "wave1d": classical_wave1d,
    "poisson2d": classical_poisson2d,
    "helmholtz2d": classical_helmholtz2d,
}


# ----------------------------------------------------------------------------- PINN runs
def run_pinn(name: str, out: Path, extra: list[str]) -> None:
    """``physax run NAME --out OUT`` and copy its metrics/history into benchmarks/results."""
    exe = Path(sys.executable).parent / "physax"
    cmd = [str(exe) if exe.is_file() else "physax", "run", name, "--out", str(out), "--quiet", *extra]
    print("$", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True)
    for f in ("metrics.json", "history.csv"):
        shutil.copy(out / f, RESULTS / f"{name}.{f}")


def pinn_figures(name: str) -> dict:
    path = RESULTS / f"{name}.metrics.json"
    if path.is_file():
        m = json.loads(path.read_text())
        out = {"rel_l2": m.get("rel_l2"), "time_s": m.get("wall_time_s"), "source": path.name}
        if "parameters" in m:
            out["parameters"] = {k: v["rel_error"] for k, v in m["parameters"].items()}
        return out
    if name in README_FIGURES:
        e, t = README_FIGURES[name]
        return {"rel_l2": e, "time_s": t, "source": "benchmarks/README.md"}
    return {"rel_l2": None, "time_s": None, "source": "not run"}


# ----------------------------------------------------------------------------- table
def _fmt(x, spec=".2e") -> str:
    return "–" if x is None else format(x, spec)


def _time(s) -> str:
    if s is None:
        return "–"
    return f"{s:.0f} s" if s >= 10 else (f"{s:.2f} s" if s >= 0.1 else f"{s * 1e3:.2g} ms")


def table(rows: list[dict], markdown: bool) -> str:
    head = [
        "problem",
        "physax PINN rel. L2",
        "PINN wall time",
        "published best (source)",
        "classical rel. L2",
        "classical time",
        "classical grid",
    ]
    body = []
    for r in rows:
        pinn, cl = r["pinn"], r["classical"]
        err = _fmt(pinn["rel_l2"])
        if "parameters" in pinn:
            err += " (" + ", ".join(f"{k} {100 * v:.2g} %" for k, v in pinn["parameters"].items()) + ")"
        pub = PUBLISHED.get(r["name"])
        body.append(
            [
                r["name"],
                err,
                _time(pinn["time_s"]) + (" †" if pinn["source"] == "benchmarks/README.md" else ""),
                "–" if pub is None else f"{pub[0]:.2e} ({pub[1]})",
                _fmt(cl["rel_l2"]),
                _time(cl["time_s"]),
                cl["grid"],
            ]
        )
    if markdown:
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        lines += ["| " + " | ".join(c.replace("|", "\\|") for c in b) + " |" for b in body]
        return "\n".join(lines)
    widths = [max(len(h), *(len(b[i]) for b in body)) for i, h in enumerate(head)]
    fmt = lambda cells: "  ".join(c.ljust(w) for c, w in zip(cells, widths))
    return "\n".join([fmt(head), fmt(["-" * w for w in widths]), *map(fmt, body)])


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--run", nargs="*", metavar="NAME", help="re-run these PINNs first (no names: all)")
    ap.add_argument("--runs-dir", type=Path, default=RESULTS / "runs", help="where --run writes run dirs")
    ap.add_argument("--set", action="append", default=[], help="passed to physax run as --set")
    ap.add_argument("--only", nargs="*", choices=NAMES, help="problems in the table (default: all)")
    ap.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    ap.add_argument("--json", type=Path, help="also write all figures to this file")
    args = ap.parse_args(argv)
    names = args.only or NAMES
    if args.run is not None:
        extra = [a for s in args.set for a in ("--set", s)]
        for name in args.run or names:
            if name not in NAMES:
                ap.error(f"unknown problem {name!r}; choose from {NAMES}")
            run_pinn(name, args.runs_dir / name, extra)
    rows = []
    for name in names:
        rows.append({"name": name, "pinn": pinn_figures(name), "classical": CLASSICAL[name]()})
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(table(rows, args.markdown))
    print(
        f"\nclassical: float64, median of 5 calls after compilation; {jax.devices()[0].platform}, "
        f"{os.cpu_count()} cores, load average {load:.1f}; PINN figures from benchmarks/results/*.metrics.json"
        "\n† no metrics.json kept: the quiet-machine figure recorded in benchmarks/README.md"
    )
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
