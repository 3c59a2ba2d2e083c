"""`physax` entry point: argument parsing, printing and exit codes (no experiment logic).

Exit codes: 0 done; 1 a run diverged (its last good checkpoint is kept); 2 bad input
(one line naming the fix; nothing written or overwritten); 130 interrupted.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .. import __version__


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="physax", description="Physics-informed and differentiable-physics ML in JAX."
    )
    p.add_argument("--version", action="version", version=f"physax {__version__}")
    p.add_argument("--debug", action="store_true", help="show tracebacks")
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="list the built-in experiments and solvable problems")
    sh = sub.add_parser("show", help="print an experiment's default TOML (a template for --config)")
    sh.add_argument("target", help="experiment name")
    r = sub.add_parser("run", help="run an experiment, or continue one with --resume")
    r.add_argument("target", help="experiment name, a config .toml, or a run directory (with --resume)")
    r.add_argument("--config", help="TOML file laid over the experiment's defaults")
    r.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="override one key")
    r.add_argument("--out", help="run directory (default runs/<experiment>-<time>)")
    r.add_argument("--resume", action="store_true", help="continue the interrupted run in directory TARGET")
    r.add_argument("--quiet", action="store_true", help="no progress bar")
    r.add_argument(
        "--force",
        action="store_true",
        help="with --resume: continue even if the checkpoint's run had another config/seed (warns)",
    )
    s = sub.add_parser("solve", help="run the classical solver of a catalogue problem")
    s.add_argument("target", help="problem name (see `physax list`)")
    s.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="override one key")
    s.add_argument("--out", help="run directory (default runs/solve-<problem>-<time>)")
    s.add_argument("--quiet", action="store_true", help="print nothing but errors")
    pr = sub.add_parser("predict", help="evaluate a trained run's field at points from a file")
    pr.add_argument("target", help="run directory of a finished PINN/FBPINN/ELM run")
    pr.add_argument("--points", required=True, help=".npz (array 'points') or .csv, one point per row")
    pr.add_argument("--out", help="write predictions here (.npz or .csv); default: print them")
    c = sub.add_parser("compare", help="run every applicable method on one problem, side by side")
    c.add_argument("target", help="a forward experiment (burgers-forward, poisson2d) or a problem name")
    c.add_argument("--methods", help="comma-separated subset of pinn,fbpinn,elm,odil,classical,fem")
    c.add_argument("--budget", type=float, help="wall-time budget in seconds per iterative method")
    c.add_argument("--out", help="run directory (default runs/compare-<problem>-<time>)")
    c.add_argument(
        "--set", action="append", default=[], metavar="METHOD.KEY=VALUE", help="override a method's setting"
    )
    c.add_argument("--quiet", action="store_true", help="no progress bars")
    return p


def _list(args) -> int:
    from rich.console import Console
    from rich.table import Table

    from .. import experiments as ex

    for title, names, solve in (
        ("physax experiments", ex.names(), False),
        ("physax solve: classical solvers", ex.solve_names(), True),
    ):
        table = Table(title=title)
        table.add_column("name", style="bold")
        table.add_column("description")
        for name in names:
            table.add_row(name, ex.describe(name, solve=solve))
        Console().print(table)
    return 0


def _run(args) -> int:
    from .. import distributed, experiments as ex

    try:  # several processes (PHYSAX_COORDINATOR/..., or SLURM): join them before any JAX use
        several = distributed.initialize()
    except distributed.DistributedConfigError as e:
        raise ex.ConfigError(str(e)) from None
    if several and not (args.out or args.resume):
        raise ex.ConfigError(
            "a multi-process run needs --out (every process must name the same run directory)."
        )
    if args.force and not args.resume:
        raise ex.ConfigError("--force only applies to --resume (a fresh run never reuses a checkpoint).")
    if args.resume:
        if args.config or args.set:
            raise ex.ConfigError("--resume continues a run exactly as configured; drop --config/--set.")
        out = Path(args.target)
        result = ex.resume(out, progress=not args.quiet, force=args.force)
    else:
        if Path(args.target).is_dir():
            raise ex.ConfigError(f"{args.target} is a directory; to continue that run pass --resume.")
        spec = ex.load(args.target, ex.parse_overrides(args.set), config_file=args.config)
        args.out = args.out or str(ex.default_out(spec.experiment))
        result = ex.run(spec, out=args.out, progress=not args.quiet)
    if distributed.is_writer():
        print(_summary(result.directory, result.metrics))
    return 0


def _summary(out: Path, m: dict) -> str:
    keys = ("rel_l2", "test_l1", "model_rel_error_final", "gmean_nrmse_100")
    shown = [f"{k} = {m[k]:.3e}" for k in keys if isinstance(m.get(k), float)]
    shown += [f"wall_time_s = {m['wall_time_s']:.1f} s"] if "wall_time_s" in m else []
    shown += [f"steps = {m['steps']}"] if "steps" in m else []
    lines = [f"run directory: {out}", "  ".join(shown)]
    for k, p in m.get("parameters", {}).items():
        lines.append(
            f"{k}: estimate {p['estimate']:.6g}  true {p['true']:.6g}  rel. error {100 * p['rel_error']:.4f}%"
        )
    return "\n".join(lines)


def _solve(args) -> int:
    from .. import experiments as ex

    m = ex.solve(args.target, ex.parse_overrides(args.set), out=args.out)
    if not args.quiet:
        err = f"  rel_l2 = {m['rel_l2']:.3e}" if "rel_l2" in m else ""
        compiled = f" ({m['run_time_s']:.2f} s compiled)" if "run_time_s" in m else ""
        print(
            f"run directory: {m['directory']}\n{m['steps']} steps in {m['wall_time_s']:.2f} s{compiled}{err}"
        )
    return 0


def _compare(args) -> int:
    from .. import experiments as ex

    result = ex.compare(
        args.target,
        methods=args.methods,
        budget=args.budget,
        out=args.out,
        overrides=ex.parse_overrides(args.set),
        progress=not args.quiet,
    )
    print(f"run directory: {result.directory}\n{result.table}")
    return 0


def _predict(args) -> int:
    from ..experiments import load_run, read_points, write_values

    result = load_run(args.target)
    values = result.predict(read_points(args.points))
    if args.out:
        write_values(args.out, values)
        print(f"{len(values)} values written to {args.out}")
    else:
        for v in values:
            print(_row(v))
    return 0


def _row(v) -> str:
    import numpy as np

    return " ".join(f"{x:.10g}" for x in np.ravel(v))


def _diverged(e, debug: bool) -> int:
    ckpt = getattr(e, "checkpoint", None)
    where = f"last good checkpoint: {ckpt}" if ckpt else "no checkpoint was written yet"
    print(f"physax: {e} ({where})", file=sys.stderr)
    return 1


def main(argv: list[str] | None = None) -> int:
    """The `physax` command: `list`, `show`, `run`, `solve`, `compare` and `predict`.

    The entry point of the `physax` script; the subcommands are shells over
    `physax.experiments`.

    **Arguments:** `argv`: the command-line arguments without the program name (default
    `sys.argv[1:]`).

    **Returns:** the exit status: 0 on success, 2 for a configuration error (one line on
    stderr naming the fix), 1 for any other error (the traceback with `--debug`).

    **Example:**

    >>> status = main(["list"])  # prints the tables of experiments and classical solvers
    >>> status
    0
    >>> main(["run", "heat-forwad"])  # a typo: stderr says "did you mean 'heat-forward'?"
    2
    """
    args = _parser().parse_args(argv)
    from .._train import CheckpointError, Diverged
    from ..experiments import ConfigError

    commands = {
        "list": _list,
        "show": _show,
        "run": _run,
        "solve": _solve,
        "predict": _predict,
        "compare": _compare,
    }
    try:
        return commands[args.command](args)
    except (ConfigError, CheckpointError) as e:
        if args.debug:
            raise
        print(f"physax: error: {e}", file=sys.stderr)
        return 2
    except Diverged as e:
        if args.debug:
            raise
        return _diverged(e, args.debug)
    except MemoryError:
        print(
            "physax: error: out of memory; make the problem smaller (grid, snapshots, batch).",
            file=sys.stderr,
        )
        return 2
    except KeyboardInterrupt:
        target = getattr(args, "out", None) or getattr(args, "target", "")
        print(f"\nphysax: interrupted; continue with `physax run {target} --resume`.", file=sys.stderr)
        return 130
    except Exception as e:  # a bug or an unforeseen input: one line, the traceback on request
        if args.debug:
            raise
        if "RESOURCE_EXHAUSTED" in str(e):
            print(
                "physax: error: out of memory; make the problem smaller (grid, snapshots, batch).",
                file=sys.stderr,
            )
            return 2
        line = str(e).strip().splitlines()[0] if str(e).strip() else ""
        print(
            f"physax: unexpected {type(e).__name__}: {line[:300]} (rerun with --debug for the traceback)",
            file=sys.stderr,
        )
        return 1


def _show(args) -> int:
    from .. import experiments as ex

    print(ex.show(args.target), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
