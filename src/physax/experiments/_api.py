"""Run, resume and load experiments from Python: the layer the CLI is a shell over."""

from __future__ import annotations

import contextlib
import csv
import json
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jax
import numpy as np

from .. import distributed
from .._train import CheckpointError, Diverged, History
from ._common import forced
from ._config import ConfigError
from ._registry import loader, runner
from ._rundir import LOCK, RunDirectory, default_out
from ._spec import Spec, load


@dataclass
class RunResult:
    """A finished (or loaded) run directory.

    `model` is the trained field network / FBPINN / emulator / operator(s) / inverted
    velocity model, loaded from the run's checkpoint on first use; `predict(x)` evaluates
    it: the field at points `(n, d)` for PINN-type runs, `n` autoregressive steps from
    a state for emulators, the operator on input functions, the velocity at `(x, z)`
    points for FWI.

    **Fields:**

    - `directory`: the run directory.
    - `spec`: the resolved `Spec`.
    - `metrics`: the content of `metrics.json`.
    - `history`: a `physax._train.History` read from `history.csv` (empty for a single solve).

    **Example:**

    >>> # an ELM-FBPINN solve of the damped oscillator, u(0) = 1
    >>> spec = load("elm-oscillator", {"decomposition.subdomains": [8], "elm.features": 16,
    ...                                 "collocation.n_interior": 200})
    >>> result = run(spec, out="elm", progress=False)
    >>> result.directory.name, type(result.spec).__name__, type(result.model).__name__
    ('elm', 'ELMSpec', 'ELMFBPINN')
    >>> bool(result.metrics["rel_l2"] < 1e-2), result.predict([[0.0]]).round(4).tolist()
    (True, [1.0])
    """

    directory: Path
    spec: Spec
    metrics: dict
    history: History
    _loaded: Any = field(default=None, repr=False)

    def _load(self):
        if self._loaded is None:
            with jax.enable_x64(True):
                self._loaded = loader(self.spec.config)(self.spec.config, self.directory)
        return self._loaded

    @property
    def model(self) -> Any:
        return self._load()[0]

    def predict(self, x, **kwargs) -> np.ndarray:
        predict: Callable = self._load()[1]
        with jax.enable_x64(True):
            return np.asarray(predict(np.asarray(x), **kwargs))


def _read_history(path: Path) -> History:
    if not path.is_file():
        return History()
    rows = []
    with path.open(newline="") as f:
        for row in csv.DictReader(f):
            rows.append({k: _number(v) for k, v in row.items() if v not in ("", None)})
    return History(rows)


def _number(text: str):
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    return {"True": True, "False": False}.get(text, text)


def _execute(spec: Spec, out: Path, *, resume: bool, progress: bool) -> dict:
    try:
        with jax.enable_x64(True):  # float64 where references and L-BFGS polish need it; scoped
            return runner(spec.config)(spec.config, out, resume=resume, quiet=not progress)
    except Diverged as e:
        ckpt = sorted((out / "checkpoint").glob("*.eqx")) if (out / "checkpoint").is_dir() else []
        e.checkpoint = ckpt[-1] if ckpt else None
        raise


def run(spec: Spec, *, out: str | Path | None = None, progress: bool = True) -> RunResult:
    """Run an experiment into a fresh run directory and return it loaded.

    The run directory holds `config.toml` (re-runnable as is), `metrics.json`,
    `history.csv`, `checkpoint/`, the figures and `summary.md`.

    **Arguments:**

    - `spec`: from `load`.
    - `out`: the directory (must not exist or be empty; default `runs/<experiment>-<time>`).
    - `progress`: draw progress bars.

    **Returns:** a `RunResult`.

    **Raises:** `ConfigError` for bad input (nothing written), a `physax._train.Diverged`
    subclass if training diverged (its `checkpoint` attribute names the last good
    checkpoint, or is `None`).

    **Example:**

    >>> # a PINN on the heat equation, at toy size
    >>> spec = load("heat-forward", {"train.adam_steps": 20, "train.lbfgs_steps": 0, "chunk": 10,
    ...                              "model.width": 8, "model.depth": 2, "collocation.n_interior": 64})
    >>> r = run(spec, out="heat", progress=False)
    >>> r.metrics["steps"], r.history["step"].tolist(), r.predict([[0.5, 0.5]]).shape
    (20, [10.0, 20.0], (1,))
    >>> sorted(p.name for p in r.directory.iterdir() if not p.name.startswith("."))
    ['checkpoint', 'config.toml', 'error.png', 'history.csv', 'loss.png', 'metrics.json', 'reference.png',
     'slices.png', 'solution.png', 'summary.md']
    """
    if not isinstance(spec, Spec):
        raise ConfigError("run() takes a Spec from physax.experiments.load(...).")
    if start_processes() and out is None:
        raise ConfigError("a multi-process run needs --out (every process must name the same run directory).")
    out = Path(out) if out is not None else default_out(spec.experiment)
    if not distributed.is_writer():
        return _follow(spec, out, resume=False)
    distributed.barrier("physax-run-start")
    _fresh(out, lambda: _execute(spec, out, resume=False, progress=progress))
    distributed.barrier("physax-run-done")
    return load_run(out)


def start_processes() -> bool:
    """Join the multi-process run the environment describes (see `physax.distributed.initialize`)."""
    try:
        return distributed.initialize()
    except distributed.DistributedConfigError as e:
        raise ConfigError(str(e)) from None


def _follow(spec: Spec, out: Path, *, resume: bool) -> RunResult:
    """Processes other than 0 run the same computation into a scratch directory; process 0 writes `out`."""
    if not resume and out.is_dir() and any(p.name != LOCK for p in out.iterdir()):
        raise ConfigError(f"{out} is not empty; pick another --out.")
    scratch = Path(tempfile.mkdtemp(prefix=f"physax-process{jax.process_index()}-"))
    try:
        if resume:  # every process resumes from the checkpoint process 0 wrote
            for name in ("config.toml", "history.csv", "checkpoint"):
                src = out / name
                if src.is_dir():
                    shutil.copytree(src, scratch / name)
                elif src.is_file():
                    shutil.copy2(src, scratch / name)
        distributed.barrier("physax-resume-start" if resume else "physax-run-start")
        _execute(spec, scratch, resume=resume, progress=False)
        distributed.barrier("physax-resume-done" if resume else "physax-run-done")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return load_run(out)


def _fresh(out: Path, work: Callable[[], Any], discard_on=(ConfigError, CheckpointError)) -> Any:
    """Claim an empty `out`, do `work`; on bad input remove whatever it wrote."""
    try:
        created = not out.exists()
    except OSError as e:
        raise ConfigError(f"cannot use {out} as a run directory: {e.strerror}; pick another --out.") from None
    with RunDirectory(out, fresh=True):
        try:
            return work()
        except discard_on:
            _discard(out, remove_dir=created)
            raise


def _discard(out: Path, *, remove_dir: bool) -> None:
    """Remove what a refused fresh run wrote into its (previously empty) directory."""
    for p in out.iterdir():
        if p.name == LOCK:
            continue
        if p.is_dir() and not p.is_symlink():
            shutil.rmtree(p)
        else:
            p.unlink()
    if remove_dir:
        (out / LOCK).unlink(missing_ok=True)
        try:
            out.rmdir()
        except OSError:
            pass


def resume(run_dir: str | Path, *, progress: bool = True, force: bool = False) -> RunResult:
    """Continue an interrupted run from its last checkpoint, exactly as configured.

    The run ends at the same result as an uninterrupted run with the same seed. A checkpoint
    written by another experiment, seed or configuration (an edited `config.toml`) is
    refused with `physax._train.CheckpointError` naming the key, unless `force` (then one
    warning line on stderr names it and the run continues with the current configuration).

    **Arguments:**

    - `run_dir`: the run directory of an interrupted `run` (or `physax run`).
    - `progress`: draw progress bars.
    - `force`: continue even if the checkpoint does not match the configuration.

    **Returns:** the finished run as a `RunResult`.

    **Raises:** `ConfigError` if `run_dir` is not a run directory or its run cannot be
    continued (a single least-squares solve has nothing to resume).

    **Example:**

    >>> resume("not-a-run", progress=False)
    Traceback (most recent call last):
        ...
    physax.experiments._config.ConfigError: not-a-run is not a run directory (no config.toml).

    After Ctrl-C or a lost job:

    ```python
    result = resume("runs/burgers-inverse-20260101-120000")
    ```
    """
    start_processes()
    out = Path(run_dir)
    spec = _spec_of(out)
    with forced() if force else contextlib.nullcontext():
        if not distributed.is_writer():
            return _follow(spec, out, resume=True)
        distributed.barrier("physax-resume-start")
        with RunDirectory(out, fresh=False):
            _execute(spec, out, resume=True, progress=progress)
    distributed.barrier("physax-resume-done")
    return load_run(out)


def _spec_of(out: Path) -> Spec:
    if not (out / "config.toml").is_file():
        raise ConfigError(f"{out} is not a run directory (no config.toml).")
    return load(str(out / "config.toml"))


def load_run(run_dir: str | Path) -> RunResult:
    """Load a finished run directory: its spec, metrics, history and (lazily) its model.

    **Arguments:** `run_dir`: the directory `run` (or `physax run`) wrote.

    **Returns:** a `RunResult`.

    **Raises:** `ConfigError` if `run_dir` is not a finished run directory.

    **Example:**

    >>> # the model comes back from the checkpoint and predicts as before
    >>> spec = load("elm-oscillator", {"decomposition.subdomains": [8], "elm.features": 16,
    ...                                 "collocation.n_interior": 200})
    >>> result = run(spec, out="elm", progress=False)
    >>> again = load_run("elm")
    >>> again.metrics == result.metrics, bool(np.allclose(again.predict([[0.3]]), result.predict([[0.3]])))
    (True, True)
    """
    out = Path(run_dir)
    spec = _spec_of(out)
    metrics_path = out / "metrics.json"
    if not metrics_path.is_file():
        raise ConfigError(f"{out} has no metrics.json: the run has not finished; resume it first.")
    try:
        metrics = json.loads(metrics_path.read_text())
    except ValueError:
        raise ConfigError(f"{metrics_path} is not valid JSON.") from None
    return RunResult(out, spec, metrics, _read_history(out / "history.csv"))


def solve(name: str, overrides: dict | None = None, *, out: str | Path | None = None) -> dict:
    """Run the classical solver of a catalogue problem (`physax solve NAME`); returns the metrics.

    The solve configurations (`solve_names()`) pick a problem of `physax.problems` or
    the wave solver and solve it with physax's own classical numerics (pseudo-spectral
    ETDRK4, finite differences), the trusted references the learned methods are compared to.

    **Arguments:**

    - `name`: one of `solve_names()`.
    - `overrides`: as in `load`.
    - `out`: the output directory (default `runs/solve-<problem>-<time>`).

    **Returns:** the metrics (also written to `out/metrics.json`), with `"directory"`.

    **Example:**

    >>> # two decaying Fourier modes, against their exact solution
    >>> metrics = solve("diffusion", out="diffusion")
    >>> metrics["method"], bool(metrics["rel_l2"] < 1e-12)
    ('pseudo-spectral ETDRK4, 2/3 dealiasing', True)
    """
    from ._config import SOLVE_PACKAGE, builtin, merge
    from ._registry import solver
    from ._spec import _nested

    cfg = merge(builtin(name, SOLVE_PACKAGE), _nested(overrides))
    out = Path(out) if out is not None else default_out(f"solve-{cfg['problem']}")

    def work():
        with jax.enable_x64(True):
            return solver(cfg)(cfg, out)

    metrics = _fresh(out, work, discard_on=Exception)  # a solve keeps no state worth keeping
    return {**metrics, "directory": str(out)}


def solve_names() -> list[str]:
    """The problems `physax solve` knows.

    **Returns:** a sorted list of names for `solve`.

    **Example:**

    >>> "burgers" in solve_names(), "wave" in solve_names()
    (True, True)
    """
    from ._config import SOLVE_PACKAGE, builtin_names

    return builtin_names(SOLVE_PACKAGE)
