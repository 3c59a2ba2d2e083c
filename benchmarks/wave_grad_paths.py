"""Three ways to the same reverse-mode gradient: does `jax.grad` take the native adjoint?

Issue 15 measured, on one shot of 200 x 200 cells, 1000 steps: the forward 25 ms,
`velocity_gradient` 68 ms, and `jax.grad(lambda c: sum(simulate(c).traces ** 2))` 534 ms:
`jax.grad` of the traces differentiated the XLA loop while `velocity_gradient` ran the
native discrete adjoint. Since then `simulate`'s traces carry the native adjoint as the
transpose of their tangent (see `physax.solvers.wave._native_diff`), so any function of
them differentiates the same way. Problem: one shot on 200 x 200 cells + CPML 20 on all
sides (240 x 240 grid), order 4, 1000 steps, 200 receivers, float32, the default time loop
(`loop=None`: native on the CPU) and, for reference, the XLA loop. Timed, all compiled and
warm, called in turn `--repeats` times (median and best):

- forward: `simulate(...).traces`;
- `velocity_gradient`: L2 misfit and its velocity gradient;
- `jax.grad(lambda c: jnp.sum(simulate(c).traces ** 2))`.

    .venv/bin/python benchmarks/wave_grad_paths.py [--repeats 7] [--xla]
"""

import argparse
import os
import platform
import statistics
import time

import jax
import jax.numpy as jnp

import physax
from physax.solvers.wave import (
    CPML,
    AcousticModel,
    Shot,
    XLALoop,
    native_available,
    ricker,
    simulate,
    smooth_model,
    stack_shots,
    synthetic_model,
    velocity_gradient,
)

N, STEPS, DX, DT, F0 = 200, 1000, 10.0, 1e-3, 15.0


def functions(loop):
    true = synthetic_model(N, N, DX, dtype=jnp.float32)
    start = smooth_model(true.velocity, 10.0)
    shot = Shot([[2, N // 2]], [[2, ix] for ix in range(N)], ricker(F0, DT, STEPS, dtype=jnp.float32))
    pml = CPML(20, f0=F0, velocity_max=float(jnp.max(true.velocity)))
    sim = lambda c: simulate(AcousticModel(c, dx=DX), shot, dt=DT, order=4, boundary=pml, loop=loop).traces  # noqa: E731
    observed = sim(true.velocity)[None]
    shots = stack_shots([shot])
    forward = jax.jit(sim)
    vg = jax.jit(
        lambda c: velocity_gradient(
            AcousticModel(c, dx=DX), shots, observed, dt=DT, order=4, boundary=pml, loop=loop
        )[1]
    )
    grad = jax.jit(jax.grad(lambda c: jnp.sum(sim(c) ** 2)))
    return {"forward": forward, "velocity_gradient": vg, "jax.grad(sum(traces**2))": grad}, start


def timed(fns: dict, arg, repeats: int) -> dict:
    for fn in fns.values():
        jax.block_until_ready(fn(arg))
    times = {name: [] for name in fns}
    for _ in range(repeats):  # in turn: a shared machine's drift hits every path alike
        for name, fn in fns.items():
            t0 = time.perf_counter()
            jax.block_until_ready(fn(arg))
            times[name].append(time.perf_counter() - t0)
    return times


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--xla", action="store_true", help="also time the XLA loop")
    args = ap.parse_args()
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"machine: {platform.processor() or 'cpu'}, {os.cpu_count()} cores, load avg {load} (before)")
    print(
        f"versions: jax {jax.__version__}, physax {physax.__version__}; native loop built: {native_available()}"
    )
    print(f"problem: {N} x {N} + CPML 20, order 4, {STEPS} steps, 1 shot, {N} receivers, float32\n")
    print("| loop | path | median (ms) | best (ms) | median / velocity_gradient |")
    print("|---|---|---:|---:|---:|")
    loops = [("default (native)", None)] + ([("XLA", XLALoop())] if args.xla else [])
    for label, loop in loops:
        fns, start = functions(loop)
        times = timed(fns, start, args.repeats)
        ref = statistics.median(times["velocity_gradient"])
        for name, ts in times.items():
            med = statistics.median(ts)
            print(f"| {label} | {name} | {1e3 * med:.1f} | {1e3 * min(ts):.1f} | {med / ref:.2f}x |")
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"\nload avg {load} (after)")


if __name__ == "__main__":
    main()
