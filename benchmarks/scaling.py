"""Weak scaling of physax's sharded families on 1, 2 and 4 (forced host) devices (issue 19).

Each device count runs in its own process (``XLA_FLAGS=--xla_force_host_platform_device_count=D``
must be set before JAX starts), with the problem grown in proportion to the device count:

- PINN: collocation points split over devices (``fit(..., devices=D)``), 512 x D points;
- FWI: shot-parallel gradient steps (``fwi(..., devices=D)``), 2 x D shots;
- wave grid: one forward shot on a grid split along x (``ShardedLoop(devices=D)``), 64 x (64 D) cells;
- ensemble: ``fit_ensemble`` with 2 x D members over D devices;
- FBPINN: subdomains split over devices (``fbpinn.fit(..., devices=D)``), 8 x D subdomains
  and 400 x D points on the cosine problem (each point lies in ~2 subdomains at any count,
  so the pairs per device stay fixed).

Reported: wall time per step after compilation (median of the chunks/iterations). Perfect weak
scaling keeps it constant. On a CPU the forced "devices" share the same cores, so on a
2-core machine the figures measure the cost of partitioning and communication (collectives,
halo exchanges), not a speed-up; on a machine with D real devices (GPUs) the same script
measures real weak scaling.

Usage::

    python benchmarks/scaling.py                # all families, 1 2 4 devices
    python benchmarks/scaling.py --devices 1 2 --families pinn wave
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

FAMILIES = ("pinn", "fwi", "wave", "ensemble", "fbpinn")


def _pinn(d: int) -> tuple[float, str]:
    import jax

    from physax.nn import MLP
    from physax.optim import Adam
    from physax.pinn import Collocation, fit
    from physax.problems import Heat1D

    col = Collocation(n_interior=512 * d, n_boundary=64 * d, n_initial=64 * d)
    net = MLP(2, "scalar", width=32, depth=3, key=jax.random.key(0))
    r = fit(
        Heat1D(),
        net,
        key=jax.random.key(1),
        collocation=col,
        adam=Adam(250, 1e-3),
        lbfgs=None,
        chunk=50,
        progress=False,
        track_error=False,
        devices=d,
    )
    return _per_step(r.history, 50), f"{512 * d} points"


def _fwi(d: int) -> tuple[float, str]:
    import jax.numpy as jnp
    import optax

    from physax.inverse import fwi, surface_shots
    from physax.solvers.wave import (
        CPML,
        AcousticModel,
        XLALoop,
        simulate_shots,
        smooth_model,
        synthetic_model,
    )

    true = synthetic_model(40, 20, 20.0, dtype=jnp.float32)
    start = AcousticModel(smooth_model(true.velocity, 3.0), dx=20.0)
    shots = surface_shots(40, n_shots=2 * d, f0=8.0, dt=2e-3, n_steps=200, receiver_spacing=2)
    pml = CPML((0, 8, 8, 8), f0=8.0, free_surface=True, velocity_max=3500.0)
    observed = simulate_shots(true, shots, dt=2e-3, order=4, boundary=pml).traces
    r = fwi(
        start,
        shots,
        observed,
        dt=2e-3,
        bounds=(1500.0, 3500.0),
        iterations=6,
        optimizer=optax.adam(0.05),
        boundary=pml,
        loop=XLALoop(),
        devices=d,
    )
    return _per_step(r.history, 1), f"{2 * d} shots (XLA loop)"


def _wave(d: int) -> tuple[float, str]:
    import jax
    import jax.numpy as jnp

    from physax.solvers.wave import CPML, AcousticModel, ShardedLoop, Shot, XLALoop, ricker, simulate

    nx, steps = 64 * d - 16, 400  # padded grid: 64 x 64 d cells with 8-cell layers
    model = AcousticModel(jnp.full((48, nx), 2000.0, jnp.float32), dx=10.0)
    shot = Shot([[10, nx // 2]], [[2, k] for k in range(0, nx, 4)], ricker(15.0, 1e-3, steps))
    loop = XLALoop() if d == 1 else ShardedLoop(devices=d)
    run = lambda: simulate(model, shot, dt=1e-3, order=4, boundary=CPML(8, f0=15.0), loop=loop)  # noqa: E731
    jax.block_until_ready(run().traces)
    times = []
    for _ in range(3):
        t = time.perf_counter()
        jax.block_until_ready(run().traces)
        times.append((time.perf_counter() - t) / steps)
    return statistics.median(times), f"64 x {64 * d} cells"


def _ensemble(d: int) -> tuple[float, str]:
    import jax

    from physax.nn import MLP
    from physax.optim import Adam
    from physax.pinn import Collocation, fit_ensemble
    from physax.problems import Heat1D

    col = Collocation(n_interior=512, n_boundary=64, n_initial=64)
    keys = jax.random.split(jax.random.key(0), 2 * d)
    r = fit_ensemble(
        Heat1D(),
        lambda k: MLP(2, "scalar", width=32, depth=3, key=k),
        keys,
        collocation=col,
        adam=Adam(250, 1e-3),
        chunk=50,
        track_error=False,
        devices=d,
    )
    return _per_step(r.history, 50), f"{2 * d} members"


def _fbpinn(d: int) -> tuple[float, str]:
    import jax

    from physax import nn
    from physax.fbpinn import FBPINN, fit, uniform
    from physax.optim import Adam
    from physax.pinn import Collocation
    from physax.problems import CosineODE

    problem = CosineODE(omega=15.0)
    model = FBPINN(
        uniform(problem.domain, 8 * d, overlap=1.9),
        lambda k: nn.MLP(1, "scalar", 16, 2, key=k),
        key=jax.random.key(0),
    )
    r = fit(
        problem,
        model,
        key=jax.random.key(1),
        collocation=Collocation(n_interior=400 * d),
        adam=Adam(250, 1e-3),
        chunk=50,
        progress=False,
        track_error=False,
        devices=d,
    )
    return _per_step(r.history, 50), f"{8 * d} subdomains"


def _per_step(history, steps_per_record: int) -> float:
    """Median wall time per step over the records after the first (which includes compilation)."""
    t = [row["wall_time_s"] for row in history]
    return statistics.median((b - a) / steps_per_record for a, b in zip(t[:-1], t[1:], strict=False))


def worker(d: int, families: list[str]) -> None:
    import jax

    assert jax.device_count() == d, jax.devices()
    out = {}
    for name in families:
        per_step, size = globals()[f"_{name}"](d)
        out[name] = {"ms_per_step": 1e3 * per_step, "size": size}
    print("RESULT " + json.dumps(out))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--devices", type=int, nargs="+", default=[1, 2, 4])
    p.add_argument("--families", nargs="+", default=list(FAMILIES), choices=FAMILIES)
    p.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.worker:
        return worker(args.worker, args.families)
    import jax

    print(
        f"JAX {jax.__version__}, {os.cpu_count()} CPU cores. Forced host devices share these cores: "
        "the figures show partitioning and communication overhead, not speed-up."
    )
    rows = {}
    for d in args.devices:
        env = dict(os.environ, XLA_FLAGS=f"--xla_force_host_platform_device_count={d}", JAX_PLATFORMS="cpu")
        t = time.perf_counter()
        r = subprocess.run(
            [sys.executable, __file__, "--worker", str(d), "--families", *args.families],
            env=env,
            capture_output=True,
            text=True,
        )
        if r.returncode:
            sys.exit(f"{d} devices failed:\n{r.stderr[-3000:]}")
        rows[d] = json.loads(r.stdout.split("RESULT ", 1)[1])
        print(f"  {d} device(s) done in {time.perf_counter() - t:.0f} s", flush=True)
    print(
        "\n| family | problem per device count | "
        + " | ".join(f"{d} dev (ms/step)" for d in args.devices)
        + " | overhead at max |"
    )
    print("|---|---|" + "---:|" * (len(args.devices) + 1))
    for name in args.families:
        ms = [rows[d][name]["ms_per_step"] for d in args.devices]
        sizes = " / ".join(rows[d][name]["size"] for d in args.devices)
        print(f"| {name} | {sizes} | " + " | ".join(f"{m:.2f}" for m in ms) + f" | {ms[-1] / ms[0]:.2f}x |")


if __name__ == "__main__":
    main()
