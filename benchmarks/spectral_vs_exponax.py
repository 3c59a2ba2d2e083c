"""physax spectral ETDRK vs Exponax (PyPI), side by side in one process.

Same PDE, resolution, ETDRK order, time step, number of steps, contour points and
precision; both rollouts are ``lax.scan`` loops, jit-warmed before timing. Reports the best
of ``--repeats`` timings for each and the relative L2 difference between the trajectories.

    python3 -m venv benchmarks/.venv-exponax
    benchmarks/.venv-exponax/bin/pip install -r benchmarks/requirements-exponax.txt -e .
    benchmarks/.venv-exponax/bin/python benchmarks/spectral_vs_exponax.py

Cases:
  ks          1-d Kuramoto-Sivashinsky (conservative form u_t + u u_x + u_xx + u_xxxx = 0),
              Kassam & Trefethen's case: L = 32 pi, u0 = cos(x/16)(1 + sin(x/16)), N = 256,
              dt = 0.25, 600 steps (t = 150).
  kolmogorov  2-d Navier-Stokes vorticity with Kolmogorov forcing (n_f = 4, nu = 1e-2, the
              value Exponax recommends for N = 128, drag 0.1), L = 2 pi, N = 128^2, dt = 0.01,
              200 steps, from a random Fourier series with modes |m| <= 10.
              Exponax writes the stream function as psi = inv(Laplacian) omega, which flips
              the sign of the advection relative to the standard u = (psi_y, -psi_x) with
              Laplacian psi = -omega that physax uses; ``convection_scale = -1`` in Exponax
              makes the two equations identical.
"""

from __future__ import annotations

import argparse
import functools
import json
import math
import platform
import time

import jax
import jax.numpy as jnp
import numpy as np


def _best_time(fn, arg, repeats: int) -> tuple[float, np.ndarray]:
    out = jax.block_until_ready(fn(arg))  # compile + warm
    best = math.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = jax.block_until_ready(fn(arg))
        best = min(best, time.perf_counter() - t0)
    return best, np.asarray(out)


def _cases(dtype, order: int, steps: dict[str, int]):
    import exponax as ex

    from physax.solvers import spectral as sp

    key = jax.random.key(0)
    # Both solvers agree to round-off per step (1e-16 for KS, 1e-13 for the forced flow); over
    # longer horizons chaos amplifies round-off, so the horizons stay within a few Lyapunov times.
    # --- Kuramoto-Sivashinsky, 1-d -------------------------------------------------------
    L, n, dt = 32 * math.pi, 256, 0.25
    grid = sp.PeriodicGrid(1, n, extent=L)
    u0 = sp.ks_classic(grid, dtype=dtype)
    ours = sp.Stepper(sp.KuramotoSivashinsky(), grid, dt, order=order, num_circle_points=16)
    theirs = ex.stepper.KuramotoSivashinskyConservative(1, L, n, dt, order=order, num_circle_points=16)
    yield "ks 1d N=256", ours, theirs, u0, steps["ks"], sp.rollout, ex.rollout
    # --- Kolmogorov flow, 2-d ------------------------------------------------------------
    L, n, dt = 2 * math.pi, 128, 0.01
    grid = sp.PeriodicGrid(2, n, extent=L)
    w0 = sp.random_fourier_series(grid, key=key, max_mode=10, dtype=dtype)
    ours = sp.Stepper(
        sp.NavierStokesVorticity(nu=1e-2, drag=0.1, forcing_wavenumber=4),
        grid,
        dt,
        order=order,
        num_circle_points=16,
    )
    theirs = ex.stepper.KolmogorovFlowVorticity(
        2,
        L,
        n,
        dt,
        diffusivity=1e-2,
        drag=-0.1,
        injection_mode=4,
        injection_scale=1.0,
        convection_scale=-1.0,
        order=order,
        num_circle_points=16,
    )
    yield "kolmogorov 2d N=128^2", ours, theirs, w0, steps["kolmogorov"], sp.rollout, ex.rollout


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--order", type=int, default=4)
    ap.add_argument("--ks-steps", type=int, default=600)
    ap.add_argument("--kolmogorov-steps", type=int, default=200)
    ap.add_argument("--float32", action="store_true", help="float32 instead of float64")
    ap.add_argument("--json", help="write the results here")
    args = ap.parse_args()
    if not args.float32:
        jax.config.update("jax_enable_x64", True)
    import exponax

    import physax

    dtype = jnp.float32 if args.float32 else jnp.float64
    steps = {"ks": args.ks_steps, "kolmogorov": args.kolmogorov_steps}
    rows = []
    for name, ours, theirs, u0, n, our_rollout, their_rollout in _cases(dtype, args.order, steps):
        ours_fn = jax.jit(functools.partial(our_rollout, ours, n=n))
        theirs_fn = jax.jit(their_rollout(theirs, n, include_init=True))
        t_ours, a = _best_time(ours_fn, u0, args.repeats)
        t_theirs, b = _best_time(theirs_fn, u0, args.repeats)
        diff = float(np.linalg.norm(a - b) / np.linalg.norm(b))
        rows.append(
            {
                "case": name,
                "steps": n,
                "physax_s": t_ours,
                "exponax_s": t_theirs,
                "ratio": t_ours / t_theirs,
                "rel_l2_difference": diff,
            }
        )
    print(
        f"\nETDRK{args.order}, {np.dtype(dtype).name}, best of {args.repeats}; physax {physax.__version__}, "
        f"Exponax {exponax.__version__ if hasattr(exponax, '__version__') else '?'}, jax {jax.__version__}, "
        f"{platform.processor() or platform.machine()}"
    )
    print(
        f"{'case':24s} {'steps':>6s} {'physax [s]':>11s} {'Exponax [s]':>12s} {'ratio':>7s} {'rel. diff':>10s}"
    )
    for r in rows:
        print(
            f"{r['case']:24s} {r['steps']:6d} {r['physax_s']:11.4f} {r['exponax_s']:12.4f} "
            f"{r['ratio']:7.3f} {r['rel_l2_difference']:10.2e}"
        )
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"order": args.order, "dtype": np.dtype(dtype).name, "rows": rows}, f, indent=2)


if __name__ == "__main__":
    main()
