"""FBPINN cost per training step against the number of subdomains (issue 4).

2-d Poisson-type problem (``MultiscaleLaplace``, n = 2) on [0, 1]^2, one level of
``n x n`` subdomains (16 .. 4096), ``--per-subdomain`` collocation points per subdomain
(so points grow with subdomains), 2 x 16 tanh networks, Adam. Each row times compiled
chunks of steps after a warm-up (compile excluded). With pair evaluation the cost per
step must grow with the number of (point, subdomain) pairs, i.e. linearly in points,
not points x subdomains; the last column (time per pair) should stay roughly flat. A
dense evaluation (every point through every subdomain network) is timed for the small
cases to show the points x subdomains growth that the pair list avoids.

    python benchmarks/fbpinn_scaling.py [--per-subdomain 16] [--max 4096] [--steps 20]

``--lstsq-threads`` instead times the ELM's dense least-squares solve (pivoted QR of the
540 x 660 elm-oscillator system size, random data) with OpenBLAS at its default thread
count and inside ``fbpinn._blas.blas_threads(1)``, interleaved, to check whether the
single-thread switch still pays off on the machine at hand.
"""

from __future__ import annotations

import argparse
import time

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from physax import fbpinn, nn, problems
from physax.fbpinn._trainer import FBPINNTrainer, _adam_chunk, _gather, stage_data
from physax.optim import Adam


def setup(n: int, per: int):
    problem = problems.MultiscaleLaplace(n=2)
    dec = fbpinn.uniform(problem.domain, (n, n), overlap=1.9)
    model = fbpinn.FBPINN(
        dec,
        lambda k: nn.MLP(2, "scalar", 16, 2, key=k),
        key=jax.random.key(0),
        constraint=problem.hard_constraint(),
    )
    pts = np.asarray(problem.domain.sample_interior(jax.random.key(1), per * n * n), np.float32)
    stage = fbpinn.AllActive().stages(dec, 1)[0]
    data = stage_data(model, stage, {"interior": pts})
    trainer = FBPINNTrainer(problem, Adam(0, 1e-3), {}, frozenset(problem.conditions()))
    train = (_gather(model, data.active), {})
    opt_state = trainer.adam.build().init(train)
    return problem, model, trainer, data, train, opt_state, pts


def time_pairs(n: int, per: int, steps: int, repeats: int = 3):
    problem, model, trainer, data, train, opt_state, pts = setup(n, per)
    run = lambda: _adam_chunk(
        trainer, train, model, opt_state, data.batch, data.pairs, data.active, jnp.asarray(steps)
    )
    jax.block_until_ready(run())
    best = min(_timed(run) for _ in range(repeats))
    return len(pts), len(data.pairs["interior"]), best / steps


def time_dense(n: int, per: int, steps: int, repeats: int = 3):
    problem, model, trainer, data, train, opt_state, pts = setup(n, per)
    pts = jnp.asarray(pts)
    from physax.pinn import loss_terms

    @eqx.filter_jit
    def loss_grad(m):
        return eqx.filter_grad(
            lambda m: loss_terms(problem, m, {}, {"interior": pts}, skip=frozenset(["bc"]))["pde"]
        )(m)

    jax.block_until_ready(loss_grad(model))
    best = min(_timed(lambda: loss_grad(model)) for _ in range(repeats))
    return best


def _timed(fn) -> float:
    t0 = time.perf_counter()
    jax.block_until_ready(fn())
    return time.perf_counter() - t0


def lstsq_threads(repeats: int = 8, shape=(540, 660)) -> None:
    import os
    import statistics

    from physax.fbpinn._blas import blas_threads
    from physax.fbpinn._lstsq import _pivoted_qr_lstsq

    rng = np.random.default_rng(0)
    M, b = rng.standard_normal(shape), rng.standard_normal(shape[0])
    _pivoted_qr_lstsq(M, b)
    times = {"default threads": [], "1 thread": []}
    for _ in range(repeats):
        for name, ctx in (("default threads", None), ("1 thread", blas_threads(1))):
            t0 = time.perf_counter()
            if ctx is None:
                _pivoted_qr_lstsq(M, b)
            else:
                with ctx:
                    _pivoted_qr_lstsq(M, b)
            times[name].append(time.perf_counter() - t0)
    print(
        f"pivoted-QR lstsq {shape[0]} x {shape[1]}, {repeats} interleaved repeats, load {os.getloadavg()[0]:.1f}"
    )
    for name, v in times.items():
        print(f"{name:>16}: median {statistics.median(v):.3f} s  (min {min(v):.3f}, max {max(v):.3f})")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--lstsq-threads", action="store_true", help="time the ELM solve with 1 vs default BLAS threads"
    )
    ap.add_argument("--per-subdomain", type=int, default=16)
    ap.add_argument("--max", type=int, default=4096)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--dense-max", type=int, default=256)
    args = ap.parse_args()
    if args.lstsq_threads:
        return lstsq_threads()
    print(
        f"jax {jax.__version__} on {jax.devices()[0].device_kind}; {args.per_subdomain} points per subdomain"
    )
    print(
        f"{'subdomains':>10} {'points':>8} {'pairs':>8} {'ms/step':>9} {'ns/pair':>9} {'dense ms/grad':>14}"
    )
    n = 4
    while n * n <= args.max:
        pts, pairs, t = time_pairs(n, args.per_subdomain, args.steps)
        dense = (
            f"{1e3 * time_dense(n, args.per_subdomain, 1):14.1f}" if n * n <= args.dense_max else f"{'-':>14}"
        )
        print(f"{n * n:>10} {pts:>8} {pairs:>8} {1e3 * t:>9.2f} {1e9 * t / pairs:>9.0f} {dense}", flush=True)
        n *= 2


if __name__ == "__main__":
    main()
