"""Pieces every experiment runner shares: the run header, the device line, the config file."""

from __future__ import annotations

import contextlib
import hashlib
import os
import platform
import sys
from collections.abc import Iterator
from contextvars import ContextVar
from pathlib import Path

import jax

from .. import __version__, report
from .._train import CheckpointError
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
