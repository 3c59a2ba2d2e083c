"""Which code runs an experiment (``physax run``) or a classical solve (``physax solve``).

An experiment TOML picks its runner with the top-level key ``runner`` (default ``"pinn"``);
a solve TOML picks its solver with ``solver`` (default ``"spectral"``). Each entry names
``module:function`` inside ``physax.cli`` and is imported only when used, so ``physax list``
stays fast.

Runner signature: ``run(cfg: dict, out: Path, *, resume: bool, quiet: bool) -> dict`` (the
metrics written to ``out/metrics.json``). Solver signature: ``solve(cfg: dict, out: Path) -> dict``.
Both raise :class:`ConfigError` for anything the user can fix.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from ._config import ConfigError

RUNNERS: dict[str, str] = {
    "pinn": "_pinn_run:run_pinn",
    "fbpinn": "_fbpinn_run:run_fbpinn",
    "elm": "_fbpinn_run:run_elm",
    "fwi": "_fwi_run:run_fwi",
    "emulator": "_emulator_run:run_emulator",
    "operator": "_emulator_run:run_operator",
}

SOLVERS: dict[str, str] = {
    "spectral": "_solve:solve",
    "wave": "_wave_solve:solve_wave",
}


def _load(table: dict[str, str], name: str, what: str) -> Callable:
    if name not in table:
        raise ConfigError(f"unknown {what} '{name}'; choose one of {', '.join(sorted(table))}.")
    module, func = table[name].split(":")
    return getattr(importlib.import_module(f"physax.cli.{module}"), func)


def runner(cfg: dict) -> Callable:
    return _load(RUNNERS, cfg.get("runner", "pinn"), "runner")


def solver(cfg: dict) -> Callable:
    return _load(SOLVERS, cfg.get("solver", "spectral"), "solver")
