"""Training speed of physax.emulators vs Trainax 0.0.2, side by side in one run.

Cases (same data, same network and initial weights, same batch size, optimiser and steps):

- ``quickstart``: Trainax's README quickstart, a kernel-2 linear convolution (no bias) on 1-d
  periodic advection (CFL -0.75, 30 points, 20 trajectories of 100 snapshots), supervised
  rollout 5, Adam 1e-2, batch 32.
- ``burgers-convnet``: a physax ConvNet (width 32, depth 4, kernel 5) on 1-d Burgers data
  (64 points, 30 trajectories of 61 snapshots), supervised rollout 5, Adam 1e-3, batch 32. The
  *same network object* on both sides: this measures the trainers alone.
- ``burgers-convnet-stack``: the same problem, each side with its own library's ConvNet of the
  same architecture and initial weights: ``physax.nn.ConvNet`` vs ``pdequinox.arch.ConvNet``
  (0.1.2, PyPI, the network library Trainax's authors pair it with; periodic ``PhysicsConv``
  layers). This is what a user of either stack runs.

The driver (run with the physax venv) writes the data to ``.npz``, then for each case alternates
subprocesses of both sides (``--side physax`` in this interpreter, ``--side trainax`` in
``benchmarks/.venv-trainax``), `--repeats` times, so both see the same machine load. Each side
trains `n2` steps and times steps `n1`..`n2` (after a host sync at step `n1`, so compilation
and set-up are excluded on both sides); the rate is ``(n2 - n1) / seconds``. Prints a table of median steps/s and the ratio physax / Trainax.

Usage: ``bash benchmarks/run_emulator_vs_trainax.sh`` (creates the Trainax venv if missing).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
TRAINAX_PY = HERE / ".venv-trainax" / "bin" / "python"
CASES = {
    "quickstart": {"file": "advection.npz", "net": "linear", "rollout": 5, "lr": 1e-2, "batch": 32},
    "burgers-convnet": {"file": "burgers.npz", "net": "convnet", "rollout": 5, "lr": 1e-3, "batch": 32},
    "burgers-convnet-stack": {"file": "burgers.npz", "net": "stack", "rollout": 5, "lr": 1e-3, "batch": 32},
}


def make_data(folder: Path) -> None:
    import functools

    import jax
    import jax.numpy as jnp

    from physax import emulators as em
    from physax.solvers import spectral as sp

    grid = sp.PeriodicGrid(1, 30, extent=1.0)
    ref = sp.Stepper(sp.Advection(velocity=-0.75 / 30), grid, dt=1.0, order=1)
    ic = functools.partial(em.sine_cosine_series, grid, max_mode=5, dtype=jnp.float32)
    adv = em.generate_trajectories(ref, ic, num_trajectories=20, num_steps=99, key=jax.random.key(0))
    em.save_trajectories(folder / "advection.npz", adv, pde="advection", cfl=-0.75)
    grid = sp.PeriodicGrid(1, 64, extent=1.0)
    ref = sp.Stepper(sp.Burgers(nu=0.01), grid, dt=0.01, order=4, substeps=4)
    ic = functools.partial(sp.random_fourier_series, grid, max_mode=4, dtype=jnp.float32)
    bur = em.generate_trajectories(ref, ic, num_trajectories=30, num_steps=60, key=jax.random.key(1))
    em.save_trajectories(folder / "burgers.npz", bur, pde="burgers", nu=0.01)


def network(kind: str, side: str = "physax"):
    import jax

    from physax import nn

    if kind == "linear":
        import equinox as eqx  # the quickstart's own layer on both sides

        return eqx.nn.Conv1d(
            1, 1, 2, padding="SAME", padding_mode="CIRCULAR", use_bias=False, key=jax.random.PRNGKey(73)
        )
    net = nn.ConvNet(1, 1, 1, width=32, depth=4, kernel_size=5, key=jax.random.PRNGKey(0))
    if kind == "stack" and side == "trainax":
        import equinox as eqx
        import pdequinox as pdeqx

        own = pdeqx.arch.ConvNet(
            1,
            1,
            1,
            hidden_channels=32,
            depth=4,
            kernel_size=5,
            activation=jax.nn.relu,
            key=jax.random.PRNGKey(0),
        )
        weights = lambda m: [x for layer in m.layers for x in (layer.weight, layer.bias)]
        ours = [x for layer in net.layers for x in (layer.conv.weight, layer.conv.bias)]
        return eqx.tree_at(weights, own, ours)  # same initial weights as the physax side
    return net


def side(name: str, case: str, folder: Path, n1: int, n2: int) -> dict:
    import equinox as eqx
    import jax
    import numpy as np
    import optax

    c = CASES[case]
    with np.load(folder / c["file"]) as f:
        data = jax.numpy.asarray(f["trajectories"])
    net = network(c["net"], name)

    marks = []  # wall clock when step n1 is reached and at the end: compilation is excluded

    if name == "physax":
        from physax import emulators as em

        tr = em.Trainer(em.Supervised(c["rollout"]), optax.adam(c["lr"]), n2, c["batch"])

        def mark(record, state):  # records are written after a host sync
            if record["step"] == n1:
                marks.append(time.perf_counter())

        out = tr(net, data, key=jax.random.key(42), chunk=n1, progress=False, callbacks=[mark]).model
    else:
        import trainax as tx

        class Mark(tx.callback.BaseCallback):
            def callback(self, update_i, stepper, data):
                if update_i == n1:
                    jax.block_until_ready(jax.tree.leaves(eqx.filter(stepper, eqx.is_array)))
                    marks.append(time.perf_counter())

        tr = tx.trainer.SupervisedTrainer(
            data,
            num_rollout_steps=c["rollout"],
            optimizer=optax.adam(c["lr"]),
            num_training_steps=n2,
            batch_size=c["batch"],
            callback_fn=Mark(every=n1, name="mark"),
        )
        out = tr(net, key=jax.random.PRNGKey(42))[0]
    jax.block_until_ready(jax.tree.leaves(eqx.filter(out, eqx.is_array)))
    times = [marks[0], time.perf_counter()]
    return {
        "side": name,
        "case": case,
        "seconds": times[1] - times[0],
        "steps_per_s": (n2 - n1) / (times[1] - times[0]),
        "jax": jax.__version__,
    }


def run_side(name: str, case: str, folder: Path, n1: int, n2: int) -> dict:
    py = sys.executable if name == "physax" else str(TRAINAX_PY)
    env = {**os.environ, "PYTHONPATH": str(HERE.parent / "src")}  # physax.nn for the Trainax side
    cmd = [
        py,
        __file__,
        "--side",
        name,
        "--case",
        case,
        "--data",
        str(folder),
        "--n1",
        str(n1),
        "--n2",
        str(n2),
    ]
    res = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if res.returncode != 0:
        raise RuntimeError(f"{name} side failed:\n{res.stderr[-3000:]}")
    return json.loads(res.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--side", choices=["physax", "trainax"])
    ap.add_argument("--case", choices=list(CASES))
    ap.add_argument("--data", default="", help="folder for the shared .npz data (default: a temp dir)")
    ap.add_argument("--n1", type=int, default=200)
    ap.add_argument("--n2", type=int, default=1000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--cases", default=",".join(CASES))
    a = ap.parse_args()
    folder = Path(a.data or tempfile.mkdtemp(prefix="physax-emulator-bench-"))
    if a.side:
        print(json.dumps(side(a.side, a.case, folder, a.n1, a.n2)))
        return
    if not TRAINAX_PY.exists():
        sys.exit(f"missing {TRAINAX_PY}; run benchmarks/run_emulator_vs_trainax.sh to create it.")
    folder.mkdir(parents=True, exist_ok=True)
    make_data(folder)
    print(f"load before: {os.getloadavg()[0]:.2f}", flush=True)
    rows = []
    for case in a.cases.split(","):
        rates = {"physax": [], "trainax": []}
        for _ in range(a.repeats):
            for name in ("physax", "trainax"):
                r = run_side(name, case, folder, a.n1, a.n2)
                rates[name].append(r["steps_per_s"])
                print(
                    f"  {case:16s} {name:8s} {r['steps_per_s']:10.1f} steps/s  "
                    f"(steps {a.n1}..{a.n2} in {r['seconds']:.2f} s)",
                    flush=True,
                )
        p, t = statistics.median(rates["physax"]), statistics.median(rates["trainax"])
        rows.append((case, p, t, p / t))
    print(f"load after: {os.getloadavg()[0]:.2f}")
    print("\n| case | physax steps/s | Trainax 0.0.2 steps/s | physax / Trainax |\n|---|---|---|---|")
    for case, p, t, ratio in rows:
        print(f"| {case} | {p:.0f} | {t:.0f} | {ratio:.1f}x |")


if __name__ == "__main__":
    main()
