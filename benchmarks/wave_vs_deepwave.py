"""physax vs deepwave 0.1 on the same 2-D acoustic forward problem (CPU, receivers only).

Both codes solve the constant-density scalar wave equation with the same second-order
leapfrog in time, the same spatial accuracy order and a CPML of the same width, on the
same grid, for the same number of time steps, and return only the receiver traces
(deepwave's C kernels; physax's default time loop, its native C++ loop called through
XLA's FFI, and its XLA `lax.scan` loop, the one every derivative runs on, with one and
two steps per loop iteration; no gradient checkpointing).
Both are timed warm (after a first call that compiles / allocates), alternating one call
of each per repeat so that load changes on a shared machine hit both; the table gives the
median and the best of the repeats and the ratio physax / deepwave. The traces are
compared after a least-squares amplitude fit (the codes scale the source term
differently) and differ a little because the PMLs are not identical (deepwave's profile
and its own CFL/PML conventions vs physax's Komatitsch & Martin CPML).

Run in the benchmark's own venv (torch 2.13.0 CPU, deepwave 0.1.0, JAX 0.10.2, physax
editable), from the repository root:

    python3.11 -m venv benchmarks/.venv-deepwave
    benchmarks/.venv-deepwave/bin/pip install -r benchmarks/requirements-deepwave.txt
    benchmarks/.venv-deepwave/bin/pip install -e .
    benchmarks/.venv-deepwave/bin/pip install -r benchmarks/requirements-deepwave.txt  # keep the pins
    benchmarks/.venv-deepwave/bin/python benchmarks/wave_vs_deepwave.py [--shots 4] [--order 8]
"""

import argparse
import os
import platform
import statistics
import sys
import time

import numpy as np


def machine() -> str:
    cpu = platform.processor() or "cpu"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "n/a"
    return f"{cpu}, {os.cpu_count()} logical cores, {platform.system()} {platform.release()}, load avg {load}"


def timed(fn, sync):
    t0, c0 = time.perf_counter(), time.process_time()
    out = sync(fn())
    return out, time.perf_counter() - t0, time.process_time() - c0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--nx", type=int, default=300)
    ap.add_argument("--nz", type=int, default=300)
    ap.add_argument("--dx", type=float, default=10.0)
    ap.add_argument("--dt", type=float, default=1e-3)
    ap.add_argument("--steps", type=int, default=1000)
    ap.add_argument("--order", type=int, default=4, choices=(2, 4, 6, 8))
    ap.add_argument("--pml", type=int, default=20)
    ap.add_argument("--f0", type=float, default=15.0)
    ap.add_argument("--shots", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's own)")
    args = ap.parse_args()

    import deepwave
    import jax
    import jax.numpy as jnp
    import torch

    import physax
    from physax.solvers.wave import (
        CPML,
        AcousticModel,
        Shot,
        XLALoop,
        ricker,
        simulate_shots,
        stack_shots,
        synthetic_model,
    )

    if args.threads is not None:
        torch.set_num_threads(args.threads)
    nx, nz, n = args.nx, args.nz, args.steps
    model = synthetic_model(nx, nz, args.dx, dtype=jnp.float32)  # layers, dipping interface, lens
    vmax = float(jnp.max(model.velocity))
    wavelet = np.asarray(ricker(args.f0, args.dt, n), np.float32)
    src_x = np.linspace(args.pml // 2 + 5, nx - 1 - args.pml // 2 - 5, args.shots).round().astype(int)
    if args.shots == 1:
        src_x = np.array([nx // 2])
    src_z, rec_z = 2, 2
    rec = [[rec_z, ix] for ix in range(nx)]

    print("command:", " ".join([os.path.basename(sys.executable), *sys.argv]))
    print("machine:", machine())
    print(
        f"versions: python {platform.python_version()}, torch {torch.__version__} "
        f"({torch.get_num_threads()} threads), deepwave {deepwave.__version__}, "
        f"jax {jax.__version__} ({jax.devices()[0].platform}), physax {physax.__version__}"
    )
    print(
        f"problem: {nz} x {nx} cells, dx = {args.dx:g} m, dt = {args.dt:g} s, {n} steps, order {args.order}, "
        f"CPML {args.pml} cells on all four sides, {args.shots} shot(s) x {nx} receivers, Ricker "
        f"{args.f0:g} Hz, float32, velocity {float(jnp.min(model.velocity)):.0f}-{vmax:.0f} m/s"
    )

    # ---- physax: forward only, traces only, no checkpointing
    shots = stack_shots([Shot([[src_z, int(ix)]], rec, jnp.asarray(wavelet)) for ix in src_x])
    pml = CPML(args.pml, f0=args.f0, velocity_max=vmax)

    def physax_runner(unroll, loop):
        return jax.jit(
            lambda v: (
                simulate_shots(
                    AcousticModel(v, dx=args.dx),
                    shots,
                    dt=args.dt,
                    order=args.order,
                    boundary=pml,
                    checkpoint=False,
                    unroll=unroll,
                    loop=loop,
                ).traces
            )
        )

    # the library default (loop=None: the native loop for a traces-only forward run),
    # and the XLA loop with one step per iteration and with two, which saves XLA's copies
    # of the swapped wavefields on large grids (it is slower on small ones)
    run_physax = physax_runner(None, None)
    run_xla, run_xla2 = physax_runner(None, XLALoop()), physax_runner(2, XLALoop())
    print(f"physax native loop: {'built' if physax.solvers.wave.native_available() else 'NOT available'}")
    v_jax = model.velocity

    # ---- deepwave: same grid, order, PML width, dt (internal step ratio checked = 1)
    v_t = torch.from_numpy(np.array(model.velocity))
    amp = torch.from_numpy(np.tile(wavelet, (args.shots, 1, 1)))
    src_loc = torch.tensor([[[src_z, int(ix)]] for ix in src_x], dtype=torch.long)
    rec_loc = torch.tensor(np.tile(np.asarray(rec)[None], (args.shots, 1, 1)), dtype=torch.long)

    def run_deepwave():
        with torch.no_grad():
            return deepwave.scalar(
                v_t,
                args.dx,
                args.dt,
                source_amplitudes=amp,
                source_locations=src_loc,
                receiver_locations=rec_loc,
                accuracy=args.order,
                pml_width=args.pml,
                pml_freq=args.f0,
                max_vel=vmax,
            )

    t0 = time.perf_counter()
    out_dw = run_deepwave()
    first_dw = time.perf_counter() - t0
    step_ratio = getattr(out_dw.info, "step_ratio", 1)
    print(f"deepwave backend: {getattr(out_dw.info, 'backend', '?')}, internal step ratio {step_ratio}")
    if step_ratio != 1:
        sys.exit(
            f"deepwave sub-steps dt (step_ratio {step_ratio}); choose a smaller --dt for a fair comparison."
        )
    t0 = time.perf_counter()
    traces_px = np.asarray(jax.block_until_ready(run_physax(v_jax)))
    first_px = time.perf_counter() - t0
    jax.block_until_ready(run_xla(v_jax))
    jax.block_until_ready(run_xla2(v_jax))

    threads = torch.get_num_threads()
    one = f"deepwave, 1 thread (of {threads})"
    xla, xla2 = "physax, XLA loop", "physax, XLA loop, unroll=2"
    times = {"deepwave": [], one: [], "physax": [], xla: [], xla2: []}
    for _ in range(args.repeats):
        out_dw, wall, cpu = timed(run_deepwave, lambda o: o)
        times["deepwave"].append((wall, cpu))
        if threads > 1:
            # XLA runs the physax time loop on one core: also show deepwave on one core
            torch.set_num_threads(1)
            _, wall, cpu = timed(run_deepwave, lambda o: o)
            times[one].append((wall, cpu))
            torch.set_num_threads(threads)
        traces, wall, cpu = timed(lambda: run_physax(v_jax), jax.block_until_ready)
        times["physax"].append((wall, cpu))
        _, wall, cpu = timed(lambda: run_xla(v_jax), jax.block_until_ready)
        times[xla].append((wall, cpu))
        _, wall, cpu = timed(lambda: run_xla2(v_jax), jax.block_until_ready)
        times[xla2].append((wall, cpu))
    if threads == 1:
        del times[one]

    # ---- agreement: deepwave gives [shot, receiver, time], physax [shot, time, receiver]
    a = out_dw.receiver_amplitudes.numpy().transpose(0, 2, 1).astype(np.float64)
    b = traces_px.astype(np.float64)
    scale = float(np.vdot(a, b) / np.vdot(b, b))
    rel = float(np.linalg.norm(a - scale * b) / np.linalg.norm(a))
    # lag > 0: deepwave's trace is late by `lag` steps
    lags = {
        lag: abs(np.vdot(a[:, max(lag, 0) : n + min(lag, 0)], b[:, max(-lag, 0) : n - max(lag, 0)]))
        for lag in range(-3, 4)
    }
    best_lag = max(lags, key=lambda k: lags[k])
    near = slice(max(nx // 2 - 50, 0), nx // 2 + 50)  # receivers within 500 m of a central shot
    rel_near = float(np.linalg.norm(a[..., near] - scale * b[..., near]) / np.linalg.norm(a[..., near]))
    print(
        f"traces: amplitude scale deepwave/physax = {scale:.4g}, best time lag {best_lag} steps, "
        f"rel. L2 difference after scaling {rel:.2e} (all receivers), {rel_near:.2e} (within 500 m of x = {nx // 2})"
    )

    print(f"first call (compile/allocate): deepwave {first_dw:.2f} s, physax {first_px:.2f} s")
    print(f"\nwarm, {args.repeats} alternating repeats\n")
    print("| code | median wall (s) | best wall (s) | median CPU (s) | ns / cell / step (best) |")
    print("|---|---:|---:|---:|---:|")
    cells = (nx + 2 * args.pml) * (nz + 2 * args.pml) * n * args.shots
    stats = {}
    for name, rows in times.items():
        walls, cpus = [r[0] for r in rows], [r[1] for r in rows]
        stats[name] = (statistics.median(walls), min(walls), statistics.median(cpus))
        med, best, cpu = stats[name]
        print(f"| {name} | {med:.3f} | {best:.3f} | {cpu:.3f} | {1e9 * best / cells:.2f} |")
    print()
    for px in [name for name in times if name.startswith("physax")]:
        for ref in [name for name in times if name.startswith("deepwave")]:
            r_med = stats[px][0] / stats[ref][0]
            r_best = stats[px][1] / stats[ref][1]
            r_cpu = stats[px][2] / stats[ref][2]
            print(
                f"ratio {px} / {ref}: {r_med:.2f}x (median wall), {r_best:.2f}x (best wall), "
                f"{r_cpu:.2f}x (median CPU); target <= 2x (best wall): {'met' if r_best <= 2.0 else 'NOT met'}"
            )
    print("(on a loaded machine the best wall time and the CPU time are the steadier figures)")


if __name__ == "__main__":
    main()
