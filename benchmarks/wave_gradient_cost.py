"""Cost of the velocity gradient against a forward run, and its memory against the steps.

Issue 5 asks that the gradient of a misfit with respect to velocity cost at most 4x a
forward run's time and that its memory grow like the square root of the number of
steps (or slower). Two problems:

- `fwi`: the `physax run fwi` benchmark, 8 shots batched, 100 x 50 cells + CPML 15 and a
  free surface (130 x 65 grid), 600 steps, order 4, 96 receivers;
- `large`: one shot on 300 x 300 cells + CPML 20 (340 x 340), 1000 steps, order 4.

Times, for each time loop (the default: the native loop and its discrete adjoint; and the
XLA loop): the compiled forward (`simulate_shots(...).traces`, checkpointing off, as a
user simulates) and the compiled `velocity_gradient` (misfit and gradient, checkpoints
every ~sqrt(n) steps), all warm, called in turn `--repeats` times: best and median of each,
and the ratio as the median over the pairs of calls (robust to the machine's drift).
Memory for 4x, 16x the steps: XLA's own compile-time accounting
(`compiled.memory_analysis()`: temporaries + outputs), plus, for the native adjoint, the
workspace the kernel allocates itself; it does not depend on the machine's load.

    /work/venv/bin/python benchmarks/wave_gradient_cost.py [--repeats 15]
"""

import argparse
import math
import os
import platform
import statistics
import time

import jax
import jax.numpy as jnp

import physax
from physax.inverse import surface_shots
from physax.solvers.wave import (
    CPML,
    AcousticModel,
    NativeLoop,
    Shot,
    XLALoop,
    ricker,
    simulate_shots,
    smooth_model,
    stack_shots,
    synthetic_model,
    velocity_gradient,
)


def problem(name: str, n_steps: int | None = None):
    if name == "fwi":
        n = n_steps or 600
        true = synthetic_model(100, 50, 20.0, dtype=jnp.float32)
        shots = surface_shots(100, n_shots=8, f0=8.0, dt=0.002, n_steps=n)
        pml = CPML((0, 15, 15, 15), f0=8.0, free_surface=True, velocity_max=3500.0)
        return true, shots, pml, 0.002, smooth_model(true.velocity, 12.0)
    n = n_steps or 1000
    true = synthetic_model(300, 300, 10.0, dtype=jnp.float32)
    wavelet = ricker(15.0, 1e-3, n, dtype=jnp.float32)
    shots = stack_shots([Shot([[2, 150]], [[2, ix] for ix in range(300)], wavelet)])
    pml = CPML(20, f0=15.0, velocity_max=float(jnp.max(true.velocity)))
    return true, shots, pml, 1e-3, smooth_model(true.velocity, 10.0)


def timed_in_turn(forward, gradient, arg, repeats):
    """Seconds of each call, the two called in turn (this machine's speed drifts by tens of
    per cent over minutes: timing one after the other would compare phases)."""
    jax.block_until_ready(forward(arg))
    jax.block_until_ready(gradient(arg))
    times = {forward: [], gradient: []}
    for _ in range(repeats):
        for fn in (forward, gradient):
            t0 = time.perf_counter()
            jax.block_until_ready(fn(arg))
            times[fn].append(time.perf_counter() - t0)
    return times[forward], times[gradient]


def functions(name, n_steps=None, checkpoint=True, loop=None, gradient_loop=None):
    true, shots, pml, dt, start = problem(name, n_steps)
    observed = simulate_shots(true, shots, dt=dt, order=4, boundary=pml).traces
    forward = jax.jit(
        lambda v: (
            simulate_shots(
                AcousticModel(v, dx=true.dx),
                shots,
                dt=dt,
                order=4,
                boundary=pml,
                checkpoint=False,
                loop=loop,
            ).traces
        )
    )
    gradient = jax.jit(
        lambda v: velocity_gradient(
            AcousticModel(v, dx=true.dx),
            shots,
            observed,
            dt=dt,
            order=4,
            boundary=pml,
            checkpoint=checkpoint,
            loop=gradient_loop,
        )
    )
    return forward, gradient, start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeats", type=int, default=15)
    args = ap.parse_args()
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"machine: {platform.processor() or 'cpu'}, {os.cpu_count()} cores, load avg {load}")
    print(f"versions: jax {jax.__version__}, physax {physax.__version__}\n")
    print(
        "| problem | loop | forward best / median (s) | gradient best / median (s) "
        "| gradient / forward (median of the pairs) | best / best |"
    )
    print("|---|---|---:|---:|---:|---:|")
    for name in ("fwi", "large"):
        for label, loop in (("native (default)", None), ("XLA loop", XLALoop())):
            forward, gradient, start = functions(name, loop=loop, gradient_loop=loop)
            fs, gs = timed_in_turn(forward, gradient, start, args.repeats)
            pairs = statistics.median(g / f for f, g in zip(fs, gs, strict=True))
            fb, fm, gb, gm = min(fs), statistics.median(fs), min(gs), statistics.median(gs)
            print(
                f"| {name} | {label} | {fb:.3f} / {fm:.3f} | {gb:.3f} / {gm:.3f} "
                f"| **{pairs:.2f}x** | {gb / fb:.2f}x |"
            )
    print("\ngradient memory (MB), problem `fwi`: XLA loop from XLA's compile-time accounting")
    print("(temporaries + outputs); native adjoint: its checkpoints (an XLA output, same accounting)")
    print("plus the kernel's own workspace per shot in flight (15 haloed grids and the segment's fields p)\n")
    print(
        "| steps | XLA, checkpointed | growth | XLA, plain reverse mode | growth | native adjoint | growth |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|")
    prev = None
    for n in (150, 600, 2400):
        row = []
        for ckpt, loop in ((True, XLALoop()), (False, XLALoop()), (True, NativeLoop())):
            _, gradient, start = functions("fwi", n, ckpt, gradient_loop=loop)
            mem = gradient.lower(start).compile().memory_analysis()
            total = mem.temp_size_in_bytes + mem.output_size_in_bytes
            if isinstance(loop, NativeLoop):
                total += native_workspace(n)
            row.append(total / 2**20)
        grow = [""] * 3 if prev is None else [f"{a / b:.2f}x" for a, b in zip(row, prev)]
        print(f"| {n} | {row[0]:.1f} | {grow[0]} | {row[1]:.1f} | {grow[1]} | {row[2]:.1f} | {grow[2]} |")
        prev = row
    print("\n(4x the steps: sqrt growth is 2x, linear 4x)")


def native_workspace(n_steps: int) -> int:
    """Bytes the native adjoint allocates itself on problem `fwi` (float32, order 4)."""
    nz, nx, half = 65, 130, 2  # padded grid, order / 2
    segment = math.isqrt(n_steps - 1) + 1
    haloed = (nz + 2 * half) * (nx + 2 * half)
    # forward (6) and adjoint (9) fields, p of a segment, a thread's 3 x-slab rows
    per_shot = 4 * ((15 + segment + 1) * haloed + 3 * (nx + 2 * half))
    return min(8, os.cpu_count() or 1) * per_shot  # 8 shots, one per thread


if __name__ == "__main__":
    main()
