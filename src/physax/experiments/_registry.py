"""Which code runs an experiment (``physax run``) or a classical solve (``physax solve``).

An experiment TOML picks its runner with the top-level key ``runner`` (default ``"pinn"``);
a solve TOML picks its solver with ``solver`` (default ``"spectral"``). Each entry names
``module:function`` inside ``physax.experiments`` and is imported only when used, so ``physax list``
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
    "pinn": "_pinn:run_pinn",
    "fbpinn": "_fbpinn:run_fbpinn",
    "elm": "_fbpinn:run_elm",
    "fwi": "_fwi:run_fwi",
    "emulator": "_emulator:run_emulator",
    "operator": "_operator:run_operator",
    "odil": "_odil:run_odil",
}

# family -> function(cfg, out) -> (model, predict): the trained model of a finished run
LOADERS: dict[str, str] = {
    "pinn": "_pinn:load_pinn",
    "fbpinn": "_fbpinn:load_fbpinn",
    "elm": "_fbpinn:load_elm",
    "fwi": "_fwi:load_fwi",
    "emulator": "_emulator:load_emulator",
    "operator": "_operator:load_operator",
    "odil": "_odil:load_odil",
}

SOLVERS: dict[str, str] = {
    "spectral": "_solve_spectral:solve",
    "wave": "_solve_wave:solve_wave",
}


def _load(table: dict[str, str], name: str, what: str) -> Callable:
    if name not in table:
        raise ConfigError(f"unknown {what} '{name}'; choose one of {', '.join(sorted(table))}.")
    module, func = table[name].split(":")
    return getattr(importlib.import_module(f"physax.experiments.{module}"), func)


def runner(cfg: dict) -> Callable:
    return _load(RUNNERS, cfg.get("runner", "pinn"), "runner")


def loader(cfg: dict) -> Callable:
    return _load(LOADERS, cfg.get("runner", "pinn"), "runner")


def solver(cfg: dict) -> Callable:
    return _load(SOLVERS, cfg.get("solver", "spectral"), "solver")
