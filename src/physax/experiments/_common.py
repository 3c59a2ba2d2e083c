"""Pieces every experiment runner shares: the run header, the device line, the config file,
the checkpoint and history of a run that resumes, and the metrics of a solution field."""

from __future__ import annotations

import contextlib
import hashlib
import os
import platform
import sys
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from pathlib import Path

import jax
import numpy as np

from .. import __version__, report
from .._train import CheckpointError
from .._train.checkpoint import read_header, save
from ._config import ConfigError, dumps

CHECKPOINT = Path("checkpoint") / "state.eqx"


def config_hash(cfg: dict) -> str:
    return hashlib.sha256(dumps(cfg).encode()).hexdigest()


def tie(cfg: dict) -> dict:
    """Header entries that tie a checkpoint to its run: experiment, seed, configuration."""
    return {
        "experiment": cfg["experiment"],
        "seed": cfg["seed"],
        "config_hash": config_hash(cfg),
        "config": cfg,
    }


# set (to the warnings already printed) while `forced()` is active: a resume with --force
_FORCED: ContextVar[set[str] | None] = ContextVar("physax_forced_resume", default=None)


@contextlib.contextmanager
def forced() -> Iterator[None]:
    """Within this block a checkpoint tied to another experiment, seed or configuration is
    resumed anyway, with one warning line on stderr naming what differs (``--force``)."""
    token = _FORCED.set(set())
    try:
        yield
    finally:
        _FORCED.reset(token)


def expect(cfg: dict) -> dict:
    if _FORCED.get() is not None:
        return {}  # check_tie reports the difference as a warning
    return {"experiment": cfg["experiment"], "seed": cfg["seed"]}


def check_tie(path: Path, header: dict, cfg: dict) -> None:
    """Refuse a checkpoint written by another configuration, naming the first key that differs
    (under `forced`, warn once instead)."""
    if header.get("config_hash") == config_hash(cfg):
        return
    old = header.get("config")
    changed = _first_difference(old, cfg) if isinstance(old, dict) else None
    warned = _FORCED.get()
    if warned is not None:
        what = f"key '{changed}' differs" if changed else "its configuration differs"
        line = f"physax: warning: --force: resuming although {what} from the checkpoint's run."
        if line not in warned:
            warned.add(line)
            print(line, file=sys.stderr)
        return
    what = f" (key '{changed}' changed)" if changed else ""
    raise CheckpointError(
        f"checkpoint {path} was written with another configuration{what}; resume with the "
        "config.toml the run was started with, or pass --force to resume anyway."
    )


def _first_difference(a: dict, b: dict, prefix: str = "") -> str | None:
    for key in sorted(set(a) | set(b)):
        va, vb = a.get(key), b.get(key)
        if isinstance(va, dict) and isinstance(vb, dict):
            found = _first_difference(va, vb, f"{prefix}{key}.")
            if found:
                return found
        elif va != vb:
            return f"{prefix}{key}"
    return None


def check_memory(what: str, nbytes: float, fix: str) -> None:
    """Refuse (one line) a result array larger than this machine's physical memory."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return
    if nbytes > total:
        raise ConfigError(
            f"{what} would need {nbytes / 2**30:.3g} GiB, more than this machine's "
            f"{total / 2**30:.3g} GiB; {fix}."
        )


def write_config(out: Path, cfg: dict) -> None:
    report.atomic_write_text(out / "config.toml", dumps(cfg))


def device_description() -> str:
    dev = jax.devices()[0]
    cpu = ""
    if dev.platform == "cpu" and Path("/proc/cpuinfo").is_file():
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = " (" + line.split(":", 1)[1].strip() + f", {os.cpu_count()} cores)"
                break
    return f"{dev.platform}:{dev.device_kind}{cpu}"


def provenance(cfg: dict) -> dict:
    """The metrics entries every run records: where and with what it ran."""
    several = (
        {"processes": jax.process_count(), "devices": jax.device_count()} if jax.process_count() > 1 else {}
    )
    return {
        "device": device_description(),
        **several,
        "physax": __version__,
        "jax": jax.__version__,
        "python": platform.python_version(),
        "seed": cfg["seed"],
    }


def write_results(out: Path, cfg: dict, metrics: dict, figures) -> dict:
    """Write ``metrics.json`` and ``summary.md`` (listing `figures`); returns `metrics`."""
    report.write_json(out / "metrics.json", metrics)
    report.write_summary(
        out / "summary.md",
        experiment=cfg["experiment"],
        description=cfg["description"],
        config=cfg,
        metrics=metrics,
        figures=[Path(f).name for f in figures],
    )
    return metrics


def save_checkpoint(out: Path, cfg: dict, state, wall_time: float, **progress) -> None:
    """Write `state` to the run's checkpoint; its header ties it to `cfg` (`tie`), then holds
    `progress` (step, phase, ...), the wall time so far and the physax version."""
    header = {**tie(cfg), **progress, "wall_time_s": wall_time, "physax": __version__}
    save(out / CHECKPOINT, state, header)


def read_tied_header(out: Path, cfg: dict) -> dict:
    """The header of the run's checkpoint, refused unless `cfg` wrote it (see `check_tie`)."""
    header = read_header(out / CHECKPOINT, expect=expect(cfg))
    check_tie(out / CHECKPOINT, header, cfg)
    return header


def start_or_resume(out: Path, cfg: dict, resume: bool, load_state: Callable, fresh: Callable = lambda: None):
    """`(state, wall-time offset, history writer)` of a run in `out`.

    Resuming, `load_state()` gives `(state, header)` and the history is kept up to the
    state's step; else the configuration is written, the state is `fresh()` and the
    history starts empty.
    """
    if resume:
        state, header = load_state()
        history = report.HistoryWriter.load(out / "history.csv", upto_step=state.step)
        return state, float(header["wall_time_s"]), history
    write_config(out, cfg)
    state = fresh()
    return state, 0.0, report.HistoryWriter(out / "history.csv")


def write_diverged(out: Path, cfg: dict, message: str, step: int) -> None:
    """The ``metrics.json`` of a run stopped by a non-finite loss at `step`."""
    metrics = {"experiment": cfg["experiment"], "status": "diverged", "message": message, "steps": step}
    report.write_json(out / "metrics.json", metrics)


def field_errors(pred, values, rel_l2: float, source: str) -> dict:
    """The error entries of a solution `pred` against the reference `values` (from `source`)."""
    err = pred - values
    return {
        "rel_l2": rel_l2,
        "max_abs_error": float(np.max(np.abs(err))),
        "mean_abs_error": float(np.mean(np.abs(err))),
        "reference": source,
    }


def final_loss(history: list[dict]) -> dict:
    """The loss terms of the last history row (empty without one)."""
    last = history[-1] if history else {}
    return {k: v for k, v in last.items() if k not in ("step", "phase", "wall_time_s")}


def add_inverse_metrics(metrics: dict, cfg: dict, true: dict, found: dict, observations) -> None:
    """Add the identified parameters (`found` against `true`) and the observations used."""
    if true:
        metrics["parameters"] = {
            k: {"estimate": found[k], "true": v, "rel_error": abs(found[k] - v) / abs(v)}
            for k, v in true.items()
        }
    if observations is not None:
        d = cfg["data"]
        metrics["observations"] = {"n": len(observations), "noise": d["noise"], "file": d["file"]}
