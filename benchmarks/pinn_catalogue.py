"""PINN versus classical numerics on every catalogue PINN problem (issue 3).

For each problem: the relative L2 error and wall time of ``physax run NAME`` with its default
config (read from ``benchmarks/results/NAME.metrics.json``, or re-run with ``--run``), the
best published PINN figure, and a classical solver on the same problem scored against the
same trusted reference on the same grid, with its (JIT-warmed) wall time.

    python benchmarks/pinn_catalogue.py                    # recorded PINN runs + classical solves
    python benchmarks/pinn_catalogue.py --run kdv nls      # re-run those PINNs first (minutes each)
    python benchmarks/pinn_catalogue.py --markdown         # the table as Markdown

Classical solvers (float64), each the problem's own ``classical`` hook from ``physax.problems``:
pseudo-spectral ETDRK4 (``physax.solvers.spectral``) for Allen-Cahn, NLS, KdV and advection;
second-order leapfrog finite differences for the 1-d wave equation; and the five-point
finite-difference solve ``physax.solvers.helmholtz_fd`` of the problem's own source term for
Poisson and Helmholtz. Times are the median of 5 calls after a warm-up call (compilation excluded).
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

import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402

from physax import problems  # noqa: E402
from physax.metrics import rel_l2_float64  # noqa: E402
from physax.solvers import helmholtz_fd  # noqa: E402

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


# ----------------------------------------------------------------------------- classical solves
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


def _time_classical(problem, n: int, dt: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """``problem.classical`` on the reference's time grid, and its median wall time."""
    _, t_axis = problem.reference().axes[0]
    nt = len(t_axis) - 1
    run = lambda: problem.classical(n=n, dt=dt, snapshots=nt, t_end=float(t_axis[-1]))
    (t, x, u), seconds = _timed(run)
    return t, x, u, seconds


def _steps(problem, dt: float) -> tuple[float, int]:
    _, t_axis = problem.reference().axes[0]
    nt = len(t_axis) - 1
    dt_out = float(t_axis[-1] - t_axis[0]) / nt
    sub = max(1, math.ceil(dt_out / dt - 1e-9))
    return dt_out / sub, nt * sub


def _spectral_case(problem, n: int, dt: float) -> dict:
    """The problem's classical solve (ETDRK4 on ``n`` points, step ``<= dt``), scored on its reference grid."""
    ref = problem.reference()
    (_, _), (_, x_axis) = ref.axes
    x_min, extent = float(problem.domain.lo[1]), float(problem.domain.hi[1] - problem.domain.lo[1])
    _, _, u, seconds = _time_classical(problem, n, dt)
    u = _trig_interp(u[:, 0], extent, np.asarray(x_axis) - x_min)
    if np.iscomplexobj(u):  # NLS: the reference holds (u, v)
        u = np.stack([u.real, u.imag], -1)
    step, steps = _steps(problem, dt)
    return {
        "rel_l2": rel_l2_float64(u, ref.values),
        "time_s": seconds,
        "grid": f"ETDRK4, N = {n}, dt = {step:.3g} ({steps} steps)",
    }


def classical_allen_cahn() -> dict:
    return _spectral_case(problems.AllenCahn(), 512, 5e-3)


def classical_nls() -> dict:
    return _spectral_case(problems.NonlinearSchroedinger(), 256, 5e-3)


def classical_kdv() -> dict:
    return _spectral_case(problems.KdV(), 128, 5e-3)


def classical_advection() -> dict:
    return _spectral_case(problems.Advection1D(), 32, 1e-2)


def classical_wave1d(refine: int = 4, courant: float = 0.5) -> dict:
    """``Wave1D.classical`` (leapfrog) on a grid ``refine`` times finer than the reference's."""
    p = problems.Wave1D()
    ref = p.reference()
    (_, _), (_, x_axis) = ref.axes
    nx = (len(x_axis) - 1) * refine
    dt = courant / (nx * p.parameters["c"].value)
    _, _, u, seconds = _time_classical(p, nx, dt)
    step, steps = _steps(p, dt)
    return {
        "rel_l2": rel_l2_float64(u[:, 0, ::refine], ref.values),
        "time_s": seconds,
        "grid": f"FD2 leapfrog, {nx} intervals, Courant {courant:g} ({steps} steps)",
    }


# ----------------------------------------------------------------------------- poisson / helmholtz
def _elliptic_case(problem, refine: int) -> dict:
    ref = problem.reference()
    (_, x_axis), (_, y_axis) = ref.axes
    nx, ny = (len(x_axis) - 1) * refine, (len(y_axis) - 1) * refine
    k = float(problem.parameters["k"].value)
    lo, hi = tuple(problem.domain.lo), tuple(problem.domain.hi)
    solve = jax.jit(lambda: helmholtz_fd(problem.source, (nx, ny), lo, hi, k=k, dtype=jnp.float64)[2])
    u, seconds = _timed(solve)
    u = np.asarray(u)[::refine, ::refine]
    return {
        "rel_l2": rel_l2_float64(u, ref.values),
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
