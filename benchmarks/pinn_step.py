"""Time per PINN training step: physax (JAX) vs DeepXDE (PyTorch backend), both on CPU.

Burgers, u_t + u u_x - (0.01/pi) u_xx = 0 on x in [-1, 1], t in [0, 1],
u(0, x) = -sin(pi x), u(t, +-1) = 0. Both sides: an MLP 2 -> 8 x 20 tanh -> 1,
10,000 interior + 256 boundary + 256 initial collocation points, fixed (no resampling),
Adam with lr 1e-3, float32, all cores (no thread limits are set).

After a warm-up (physax: the first compiled chunk, compilation included; DeepXDE:
``model.train(iterations=50)`` after ``compile``), the two are timed in turn,
physax, DeepXDE, physax, DeepXDE, ... so that load from other work on the machine hits
both alike; each repetition is ``--steps`` Adam steps. Prints ms/step (median and min
over the repetitions) for each and the ratio DeepXDE/physax, with the machine's info.

Needs DeepXDE and torch, which are not physax dependencies; the wrapper makes a venv:

    bash benchmarks/run_pinn_step.sh [--steps 200] [--repeats 5] [--json PATH]

which ends in ``DDE_BACKEND=pytorch python benchmarks/pinn_step.py ...``.

Contention does not hit both alike: torch's OpenMP pool (one thread per core) stalls at
every parallel region when another process holds a core, so on a busy 2-core machine
DeepXDE steps can take ~100x longer (seconds) while XLA's pool degrades gently. The
"cpu pressure" line (Linux PSI) flags such repetitions; trust the ones near 0%.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import statistics
import sys
import time

os.environ.setdefault("DDE_BACKEND", "pytorch")

WIDTH, DEPTH = 20, 8
N_INTERIOR, N_BOUNDARY, N_INITIAL = 10_000, 256, 256
LR = 1e-3
WARMUP_STEPS = 50


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine_info() -> dict:
    import deepxde
    import jax
    import jaxlib
    import torch

    import physax

    try:
        affinity = len(os.sched_getaffinity(0))
    except AttributeError:
        affinity = None
    return {
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "cores_usable": affinity,
        "loadavg": os.getloadavg() if hasattr(os, "getloadavg") else None,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "jax": jax.__version__,
        "jaxlib": jaxlib.__version__,
        "jax_backend": jax.default_backend(),
        "physax": getattr(physax, "__version__", "?"),
        "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(),
        "torch_interop_threads": torch.get_num_interop_threads(),
        "deepxde": deepxde.__version__,
        "deepxde_backend": deepxde.backend.backend_name,
    }


class PhysaxRun:
    """physax's own training path: a trainer, its state, compiled chunks of Adam steps."""

    name = "physax"

    def __init__(self):
        import equinox as eqx
        import jax

        from physax.nn import MLP, Normalize
        from physax.optim import Adam
        from physax.pinn import Collocation, make_trainer
        from physax.pinn._trainer import TrainState, adam_chunk
        from physax.problems import Burgers

        self._jax, self._adam_chunk, self._TrainState = jax, adam_chunk, TrainState
        problem = Burgers()
        net = eqx.nn.Sequential(
            [
                Normalize(problem.domain.lo, problem.domain.hi),
                MLP(2, "scalar", width=WIDTH, depth=DEPTH, key=jax.random.key(0)),
            ]
        )
        self.trainer = make_trainer(
            problem,
            net,
            collocation=Collocation(n_interior=N_INTERIOR, n_boundary=N_BOUNDARY, n_initial=N_INITIAL),
            adam=Adam(steps=10**6, learning_rate=LR),
            lbfgs=None,
        )
        self.state = self.trainer.init(net, key=jax.random.key(1), observations=None)
        self._loss = eqx.filter_jit(self.trainer.terms)
        self.points = {k: tuple(v.shape) for k, v in self.state.batch.items()}
        # the MLP's weights and biases (Normalize's 4 constants are not trained: zero gradient)
        mlp = eqx.filter(net.layers[1], eqx.is_inexact_array)
        self.n_params = sum(x.size for x in jax.tree.leaves(mlp))

    def train(self, n: int) -> float:
        t = time.perf_counter()
        params, opt_state, _ = self._adam_chunk(self.trainer, self.state, n)
        self._jax.block_until_ready((params, opt_state))
        dt = time.perf_counter() - t
        s = self.state
        self.state = self._TrainState(params, opt_state, s.batch, s.data, s.key, s.step + n, s.phase)
        return dt

    def losses(self) -> dict[str, float]:
        s = self.state
        return {k: float(v) for k, v in self._loss(s.params, s.batch, s.data).items()}


class DeepXDERun:
    """DeepXDE's documented Burgers setup with the sizes above; ``model.train`` is what is timed."""

    name = "deepxde"

    def __init__(self):
        import deepxde as dde
        import numpy as np
        import torch

        torch.manual_seed(0)
        np.random.seed(0)  # noqa: NPY002 (DeepXDE draws from the global NumPy state)
        geomtime = dde.geometry.GeometryXTime(dde.geometry.Interval(-1, 1), dde.geometry.TimeDomain(0, 1))

        def pde(x, y):  # x = (x, t)
            u_x = dde.grad.jacobian(y, x, i=0, j=0)
            u_t = dde.grad.jacobian(y, x, i=0, j=1)
            u_xx = dde.grad.hessian(y, x, i=0, j=0)
            return u_t + y * u_x - 0.01 / np.pi * u_xx

        bc = dde.icbc.DirichletBC(geomtime, lambda x: 0, lambda _, on_boundary: on_boundary)
        ic = dde.icbc.IC(geomtime, lambda x: -np.sin(np.pi * x[:, 0:1]), lambda _, on_initial: on_initial)
        # num_test: the losses are also evaluated on a test set at each display (once per
        # train() call here); keep that set small, it is not part of a training step.
        data = dde.data.TimePDE(
            geomtime,
            pde,
            [bc, ic],
            num_domain=N_INTERIOR,
            num_boundary=N_BOUNDARY,
            num_initial=N_INITIAL,
            num_test=100,
        )
        net = dde.nn.FNN([2] + [WIDTH] * DEPTH + [1], "tanh", "Glorot normal")
        self.model = dde.Model(data, net)
        self.model.compile("adam", lr=LR)
        self.points = {
            "train_x (PDE + BC/IC, as DeepXDE stacks them)": tuple(data.train_x.shape),
            "of which BC/IC": int(sum(data.num_bcs)),
        }
        self.n_params = sum(p.numel() for p in net.parameters())

    def train(self, n: int) -> float:
        t = time.perf_counter()
        self.model.train(iterations=n, display_every=n, verbose=0)
        return time.perf_counter() - t

    def losses(self) -> dict[str, float]:
        # the training losses DeepXDE evaluated after its last step
        loss = self.model.train_state.loss_train
        return {name: float(v) for name, v in zip(("pde", "bc", "ic"), loss)}


def cpu_pressure_us() -> int | None:
    """Linux PSI: total microseconds some task waited for a CPU (None where unavailable)."""
    try:
        with open("/proc/pressure/cpu") as f:
            return int(f.readline().split("total=")[1])
    except (OSError, IndexError, ValueError):
        return None


def timed(r, n: int) -> tuple[float, float | None]:
    """Seconds for ``n`` steps of run ``r`` and the share of that time some task waited for a CPU."""
    p0 = cpu_pressure_us()
    dt = r.train(n)
    p1 = cpu_pressure_us()
    return dt, (None if p0 is None or p1 is None else (p1 - p0) / 1e6 / dt)


def fmt_ms(x: float) -> str:
    return f"{x:9.2f}"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=200, help="Adam steps per timed repetition")
    parser.add_argument("--repeats", type=int, default=5, help="timed repetitions of each")
    parser.add_argument("--json", metavar="PATH", help="also write the results here")
    args = parser.parse_args(argv)
    if args.steps < 1 or args.repeats < 1:
        parser.error("--steps and --repeats must be >= 1")

    runs = [PhysaxRun(), DeepXDERun()]
    info = machine_info()

    loss0, warm = {}, {}
    for r in runs:
        loss0[r.name] = sum(r.losses().values()) if r.name == "physax" else None
        warm[r.name] = r.train(WARMUP_STEPS)  # physax: includes compilation
        print(f"  warm-up {r.name}: {warm[r.name]:.1f} s", file=sys.stderr)
        if r.name == "deepxde":  # DeepXDE evaluates the loss at the start of train()
            loss0[r.name] = float(sum(r.model.losshistory.loss_train[0]))

    times = {r.name: [] for r in runs}
    pressure = {r.name: [] for r in runs}
    for i in range(args.repeats):
        for r in runs:
            dt, psi = timed(r, args.steps)
            times[r.name].append(dt)
            pressure[r.name].append(psi)
            print(
                f"  [{i + 1}/{args.repeats}] {r.name}: {1e3 * dt / args.steps:.1f} ms/step", file=sys.stderr
            )
    final = {r.name: r.losses() for r in runs}

    ms = {k: [1e3 * t / args.steps for t in v] for k, v in times.items()}
    med = {k: statistics.median(v) for k, v in ms.items()}
    best = {k: min(v) for k, v in ms.items()}
    total_steps = WARMUP_STEPS + args.steps * args.repeats

    print("Burgers PINN, time per Adam step (CPU, float32)")
    print(
        f"  net 2 -> {DEPTH} x {WIDTH} tanh -> 1; points {N_INTERIOR} interior + {N_BOUNDARY} boundary"
        f" + {N_INITIAL} initial, fixed; Adam lr {LR}"
    )
    print(f"  {args.repeats} x {args.steps} steps each, interleaved, after {WARMUP_STEPS} warm-up steps")
    print(
        f"  cpu: {info['cpu']}, {info['cores']} cores ({info['cores_usable']} usable),"
        f" load avg {', '.join(f'{x:.2f}' for x in info['loadavg'])}"
    )
    print(
        f"  python {info['python']}; jax {info['jax']} (jaxlib {info['jaxlib']}, {info['jax_backend']});"
        f" torch {info['torch']} ({info['torch_threads']} threads, {info['torch_interop_threads']} interop);"
        f" deepxde {info['deepxde']} ({info['deepxde_backend']})"
    )
    for r in runs:
        print(f"  {r.name}: {r.n_params} parameters; points {r.points}")
    print()
    print(
        f"  {'':10s}{'median ms':>10s}{'min ms':>10s}   per-repetition ms/step{'':10s}"
        f"{'warm-up s':>10s}{'loss start':>12s}{'loss end':>12s}"
    )
    for r in runs:
        reps = " ".join(f"{x:.1f}" for x in ms[r.name])
        print(
            f"  {r.name:10s}{fmt_ms(med[r.name]):>10s}{fmt_ms(best[r.name]):>10s}   {reps:32s}"
            f"{warm[r.name]:10.2f}{loss0[r.name]:12.4g}{sum(final[r.name].values()):12.4g}"
        )
    ratio_med = med["deepxde"] / med["physax"]
    ratio_min = best["deepxde"] / best["physax"]
    print(f"  {'ratio':10s}{ratio_med:9.2f}x{ratio_min:9.2f}x   (deepxde / physax)")
    if all(p is not None for v in pressure.values() for p in v):
        print(
            "  cpu pressure per repetition (share of the time some task waited for a CPU;"
            " high = machine shared):"
        )
        for r in runs:
            print(f"  {r.name:10s}" + " ".join(f"{100 * p:.0f}%" for p in pressure[r.name]))
    print()
    for r in runs:
        terms = ", ".join(f"{k} {v:.3g}" for k, v in final[r.name].items())
        print(f"  {r.name} loss terms after {total_steps} steps: {terms}")

    if args.json:
        result = {
            "benchmark": "pinn_step",
            "problem": {
                "pde": "burgers",
                "width": WIDTH,
                "depth": DEPTH,
                "n_interior": N_INTERIOR,
                "n_boundary": N_BOUNDARY,
                "n_initial": N_INITIAL,
                "lr": LR,
                "dtype": "float32",
            },
            "steps": args.steps,
            "repeats": args.repeats,
            "warmup_steps": WARMUP_STEPS,
            "machine": info,
            "results": {
                r.name: {
                    "ms_per_step_median": med[r.name],
                    "ms_per_step_min": best[r.name],
                    "ms_per_step": ms[r.name],
                    "warmup_s": warm[r.name],
                    "n_params": r.n_params,
                    "points": {k: list(v) if isinstance(v, tuple) else v for k, v in r.points.items()},
                    "loss_start": loss0[r.name],
                    "loss_end_terms": final[r.name],
                }
                for r in runs
            },
            "ratio_deepxde_over_physax": {"median": ratio_med, "min": ratio_min},
        }
        with open(args.json, "w") as f:
            json.dump(result, f, indent=2)
        print(f"\n  wrote {args.json}")


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main())
