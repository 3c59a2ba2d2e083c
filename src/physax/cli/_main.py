"""``physax`` entry point: argument parsing and error reporting (one line, exit code 2)."""

from __future__ import annotations

import argparse
import datetime
import sys
from pathlib import Path

from .. import __version__
from ._config import SOLVE_PACKAGE, ConfigError, builtin, builtin_names, merge, parse_set, resolve


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="physax", description="Physics-informed and differentiable-physics ML in JAX."
    )
    p.add_argument("--version", action="version", version=f"physax {__version__}")
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="list the built-in experiments")
    r = sub.add_parser("run", help="run an experiment, or continue one with --resume")
    r.add_argument("target", help="experiment name, a config .toml, or a run directory (with --resume)")
    r.add_argument("--config", help="TOML file laid over the experiment's defaults")
    r.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override one key, e.g. train.adam_steps=500",
    )
    r.add_argument("--out", help="run directory (default runs/<experiment>-<time>)")
    r.add_argument(
        "--resume", action="store_true", help="continue the interrupted run in the directory TARGET"
    )
    r.add_argument("--quiet", action="store_true", help="no progress bar")
    s = sub.add_parser("solve", help="run the classical (spectral ETDRK) solver of a catalogue problem")
    s.add_argument("target", help="problem name (see `physax list`)")
    s.add_argument(
        "--set", action="append", default=[], metavar="KEY=VALUE", help="override one key, e.g. n=512"
    )
    s.add_argument("--out", help="run directory (default runs/solve-<problem>-<time>)")
    s.add_argument("--quiet", action="store_true", help="print nothing but errors")
    return p


def _out_dir(given: str | None, name: str) -> Path:
    """``--out`` if given, else ``runs/<name>-<time stamp>``."""
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    return Path(given) if given else Path("runs") / f"{name}-{stamp}"


def _list() -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="physax experiments", show_lines=False)
    table.add_column("name", style="bold")
    table.add_column("description")
    for name in builtin_names():
        table.add_row(name, builtin(name).get("description", ""))
    solvable = Table(title="physax solve: classical reference solvers")
    solvable.add_column("name", style="bold")
    solvable.add_column("description")
    for name in builtin_names(SOLVE_PACKAGE):
        solvable.add_row(name, builtin(name, SOLVE_PACKAGE).get("description", ""))
    Console().print(table)
    Console().print(solvable)


def _solve(args) -> int:
    import jax

    jax.config.update("jax_enable_x64", True)
    from ._runners import solver

    cfg = merge(builtin(args.target, SOLVE_PACKAGE), parse_set(args.set))
    out = _out_dir(args.out, f"solve-{cfg['problem']}")
    if (out / "metrics.json").exists():
        raise ConfigError(f"{out} already holds a run; pick another --out.")
    m = solver(cfg)(cfg, out)
    if not args.quiet:
        err = f"  rel_l2 = {m['rel_l2']:.3e}" if "rel_l2" in m else ""
        compiled = f" ({m['run_time_s']:.2f} s compiled)" if "run_time_s" in m else ""
        print(f"run directory: {out}\n{m['steps']} steps in {m['wall_time_s']:.2f} s{compiled}{err}")
    return 0


def _run(args) -> int:
    import jax

    jax.config.update("jax_enable_x64", True)  # float64 where references and L-BFGS polish need it
    from ..pinn import TrainingDiverged
    from ..pinn._checkpoint import CheckpointError
    from ._pinn_run import CHECKPOINT
    from ._runners import runner

    if args.resume:
        out = Path(args.target)
        if not (out / "config.toml").is_file():
            raise ConfigError(
                f"{out} is not a run directory (no config.toml); `--resume` takes the run's directory."
            )
        if args.config or args.set:
            raise ConfigError("--resume continues a run exactly as configured; drop --config/--set.")
        cfg = resolve(str(out / "config.toml"))
    else:
        if Path(args.target).is_dir():
            raise ConfigError(f"{args.target} is a directory; to continue that run pass --resume.")
        cfg = resolve(args.target, args.config, args.set)
        out = _out_dir(args.out, cfg["experiment"])
        if (out / CHECKPOINT).exists() or (out / "metrics.json").exists():
            raise ConfigError(
                f"{out} already holds a run; continue it with `physax run {out} --resume` or pick another --out."
            )
    try:
        metrics = runner(cfg)(cfg, out, resume=args.resume, quiet=args.quiet)
    except CheckpointError as e:
        raise ConfigError(str(e)) from None
    except TrainingDiverged as e:
        print(f"physax: {e} Checkpoint kept in {out / CHECKPOINT}.", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"\nphysax: interrupted; continue with `physax run {out} --resume`.", file=sys.stderr)
        return 130
    _print_result(out, metrics, args.quiet)
    return 0


def _print_result(out: Path, m: dict, quiet: bool) -> None:
    shown = [
        f"{k} = {m[k]:.3e}"
        for k in ("rel_l2", "test_l1", "model_rel_error_final", "gmean_nrmse_100")
        if isinstance(m.get(k), float)
    ]
    shown += [f"{k} = {m[k]:.1f} s" for k in ("wall_time_s",) if k in m]
    shown += [f"steps = {m['steps']}"] if "steps" in m else []
    lines = [f"run directory: {out}", "  ".join(shown)]
    for k, p in m.get("parameters", {}).items():
        lines.append(
            f"{k}: estimate {p['estimate']:.6g}  true {p['true']:.6g}  rel. error {100 * p['rel_error']:.4f}%"
        )
    print("\n".join(lines))


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "list":
            _list()
            return 0
        if args.command == "solve":
            return _solve(args)
        return _run(args)
    except ConfigError as e:
        print(f"physax: error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
