"""PINN optimisers side by side (issue 17): the same network trained by Adam, Adam -> L-BFGS,
Adam -> SSBroyden and Adam -> Levenberg-Marquardt on Burgers (forward), Poisson 2-D and
Allen-Cahn, in one run; optionally Adam -> L-BFGS -> Newton-CG, plain or Nyström-preconditioned
(NNCG, Rathore et al. 2024).

Each (problem, method) pair is one ``physax.experiments`` run of the catalogue experiment with
the same network, points and seed; only ``train.phases`` differs. Every phase runs in float64.
The script records the relative L2 error against the reference after every chunk, plots error
against wall time (``benchmarks/results/pinn_optimisers.png``), writes the figures to
``benchmarks/results/pinn_optimisers.json`` and prints a Markdown table.

    python benchmarks/pinn_optimisers.py            # full: ~30 min on a quiet 2-core CPU
    python benchmarks/pinn_optimisers.py --quick    # a few minutes: small nets, few steps
    python benchmarks/pinn_optimisers.py --problems poisson2d --methods newton-cg nncg

Wall times include compilation (one per phase); they are for comparing methods on the same
machine in the same run, not absolute figures.
"""

from __future__ import annotations

import argparse
import csv
import json
import tempfile
import time
from pathlib import Path

import physax.experiments as ex

RESULTS = Path(__file__).resolve().parent / "results"
PROBLEMS = {"burgers": "burgers-forward", "poisson2d": "poisson2d", "allen-cahn": "allen-cahn"}
SETTINGS = {  # steps of the warm-up, of the quasi-Newton phases, of LM and of Newton-CG; network; points
    "full": dict(adam=2000, qn=3000, lm=300, ncg=300, width=20, depth=3, n_interior=2000, chunk=250),
    "quick": dict(adam=200, qn=200, lm=20, ncg=20, width=12, depth=2, n_interior=300, chunk=50),
}
DEFAULT_METHODS = ("adam", "lbfgs", "ssbroyden", "lm")


def methods(s: dict) -> dict[str, tuple[str, list[dict]]]:
    """Every method by key: (label, phases). The Newton-CG pair follows Rathore et al. (ICML
    2024): Adam, then L-BFGS for half the quasi-Newton budget, then Newton-CG, plain or
    Nyström-preconditioned (NNCG, rank 60, rebuilt every 20 steps)."""
    adam = {"kind": "adam", "steps": s["adam"], "float64": True}
    half_lbfgs = {"kind": "lbfgs", "steps": s["qn"] // 2}
    newton = {"kind": "newton-cg", "steps": s["ncg"], "cg_steps": 50, "damping": 1e-6}
    return {
        "adam": ("Adam", [{**adam, "steps": s["adam"] + s["qn"]}]),
        "lbfgs": ("Adam -> L-BFGS", [adam, {"kind": "lbfgs", "steps": s["qn"]}]),
        "ssbroyden": (
            "Adam -> SSBroyden",
            [adam, {"kind": "ssbroyden", "steps": s["qn"], "transform": "sqrt"}],
        ),
        "lm": ("Adam -> LM", [adam, {"kind": "lm", "steps": s["lm"]}]),
        "newton-cg": ("Adam -> L-BFGS -> Newton-CG", [adam, half_lbfgs, newton]),
        "nncg": (
            "Adam -> L-BFGS -> NNCG",
            [adam, half_lbfgs, {**newton, "rank": 60, "precondition_every": 20}],
        ),
    }


def run_one(experiment: str, phases: list[dict], s: dict, out: Path) -> list[dict]:
    overrides = {
        "train.phases": phases,
        "model.width": s["width"],
        "model.depth": s["depth"],
        "collocation.n_interior": s["n_interior"],
        "collocation.resample_every": 0,
        "collocation.adaptive": False,
        "chunk": s["chunk"],
    }
    try:  # LM needs a least-squares loss: no causal weighting, where a row has it
        ex.load(experiment)["train.causal_epsilon"]
        overrides["train.causal_epsilon"] = 0.0
    except KeyError:
        pass
    spec = ex.load(experiment, overrides)
    ex.run(spec, out=out, progress=False)
    with (out / "history.csv").open() as f:
        return [
            {"step": int(r["step"]), "wall_time_s": float(r["wall_time_s"]), "rel_l2": float(r["rel_l2"])}
            for r in csv.DictReader(f)
        ]


def plot(results: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(results), figsize=(5 * len(results), 4), squeeze=False)
    for ax, (problem, by_method) in zip(axes[0], results.items()):
        for method, rows in by_method.items():
            ax.semilogy([r["wall_time_s"] for r in rows], [r["rel_l2"] for r in rows], label=method)
        ax.set_title(problem)
        ax.set_xlabel("wall time (s)")
        ax.set_ylabel("relative L2 error")
        ax.grid(True, which="both", alpha=0.3)
    axes[0][0].legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def table(results: dict) -> str:
    lines = [
        "| problem | method | final rel. L2 | best rel. L2 | wall time (s) | steps |",
        "|---|---|---|---|---|---|",
    ]
    for problem, by_method in results.items():
        for method, rows in by_method.items():
            last = rows[-1]
            best = min(r["rel_l2"] for r in rows)
            lines.append(
                f"| {problem} | {method} | {last['rel_l2']:.2e} | {best:.2e} | {last['wall_time_s']:.0f} | {last['step']} |"
            )
    return "\n".join(lines)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="small networks and few steps (minutes)")
    ap.add_argument("--problems", nargs="*", default=list(PROBLEMS), choices=list(PROBLEMS))
    ap.add_argument(
        "--methods", nargs="*", default=list(DEFAULT_METHODS), choices=list(methods(SETTINGS["full"]))
    )
    args = ap.parse_args(argv)
    mode = "quick" if args.quick else "full"
    s = SETTINGS[mode]
    results: dict[str, dict[str, list[dict]]] = {}
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        for problem in args.problems:
            results[problem] = {}
            for i, key in enumerate(args.methods):
                method, phases = methods(s)[key]
                rows = run_one(PROBLEMS[problem], phases, s, Path(tmp) / f"{problem}-{i}")
                results[problem][method] = rows
                print(
                    f"{problem:10s} {method:28s} rel_l2 {rows[-1]['rel_l2']:.2e}  {rows[-1]['wall_time_s']:.0f} s",
                    flush=True,
                )
    RESULTS.mkdir(exist_ok=True)
    suffix = "" if mode == "full" else "_quick"
    saved = RESULTS / f"pinn_optimisers{suffix}.json"
    if saved.is_file():  # keep the curves of the problems and methods not re-run
        old = json.loads(saved.read_text())["results"]
        results = {p: {**old.get(p, {}), **results.get(p, {})} for p in {**old, **results}}
    plot(results, RESULTS / f"pinn_optimisers{suffix}.png")
    (RESULTS / f"pinn_optimisers{suffix}.json").write_text(
        json.dumps(
            {"mode": mode, "settings": s, "total_wall_s": time.perf_counter() - t0, "results": results},
            indent=1,
        )
    )
    print(table(results))
    print(f"total wall time {time.perf_counter() - t0:.0f} s ({mode})")


if __name__ == "__main__":
    main()
