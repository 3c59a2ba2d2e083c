"""Checkpoints: one file, written atomically, authenticated by a checksum (no pickle).

Layout: ``MAGIC`` | 8-byte header length | JSON header | equinox-serialised leaves.
The header's ``sha256`` covers the rest of the header *and* the leaves, so an edited
step number or a truncated body is refused, not loaded. The header carries whatever the
caller ties the checkpoint to (step, phase, experiment, configuration hash, seed);
`load(..., expect=...)` refuses a checkpoint whose header disagrees.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import equinox as eqx

MAGIC = b"PHYSAX-CHECKPOINT-2\n"
_FIX = "delete the checkpoint directory to start over."


class CheckpointError(ValueError):
    """A checkpoint is missing, corrupt, or belongs to another run or configuration.

    A `ValueError` whose one-line message names the fix.

    **Example:** a checkpoint written with another seed is refused.

    >>> from physax._train import checkpoint
    >>> _ = checkpoint.save("run/state.eqx", {"w": jnp.ones(3)}, {"step": 700, "seed": 0})
    >>> try:
    ...     checkpoint.load("run/state.eqx", {"w": jnp.zeros(3)}, expect={"seed": 1})
    ... except CheckpointError as e:
    ...     print(e)
    checkpoint run/state.eqx was written with seed = 0, this run has 1: it belongs to another run or configuration.
    """


def _digest(header: dict, body: bytes) -> str:
    canon = json.dumps({k: v for k, v in header.items() if k != "sha256"}, sort_keys=True).encode()
    return hashlib.sha256(len(canon).to_bytes(8, "little") + canon + body).hexdigest()


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def save(path: str | os.PathLike, tree: Any, header: dict) -> Path:
    """Serialise the arrays of `tree` with `header` to `path`, atomically.

    The file is written to a temporary name in the same directory, fsync'ed and renamed
    over `path`, so a crash leaves either the old or the new checkpoint, never half of
    one; temporary files left by an earlier crash are removed. `header` must be
    JSON-serialisable.

    **Arguments:**

    - `path`: the file (parent folders are created).
    - `tree`: a pytree whose arrays are saved (equinox leaves).
    - `header`: JSON-serialisable metadata (step, seed, configuration hash, ...).

    **Returns:** the path as a `pathlib.Path`.

    **Example:**

    >>> from physax._train import checkpoint
    >>> _ = checkpoint.save("run/state.eqx", {"w": jnp.ones(3)}, {"step": 700, "seed": 0})
    >>> tree, header = checkpoint.load("run/state.eqx", {"w": jnp.zeros(3)}, expect={"seed": 0})
    >>> tree["w"], header["step"]
    (Array([1., 1., 1.], dtype=float32), 700)
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    for stale in path.parent.glob(f".tmp-*{path.suffix}"):
        stale.unlink(missing_ok=True)
    buf = io.BytesIO()
    eqx.tree_serialise_leaves(buf, tree)
    body = buf.getvalue()
    header = {k: v for k, v in header.items() if k != "sha256"}
    head = json.dumps({**header, "sha256": _digest(header, body)}).encode()
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    try:
        os.fchmod(fd, 0o666 & ~_umask())
        with os.fdopen(fd, "wb") as f:
            f.write(MAGIC + len(head).to_bytes(8, "little") + head + body)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def read_header(path: str | os.PathLike, *, expect: dict | None = None) -> dict:
    """The verified header of a checkpoint (see `load` for `expect`)."""
    header, _ = _read(path)
    _check(path, header, expect)
    return header


def load(path: str | os.PathLike, like: Any, *, expect: dict | None = None) -> tuple[Any, dict]:
    """Load a checkpoint into the structure of `like`; returns ``(tree, header)``.

    `expect`: header entries that must match (e.g. ``{"experiment": ..., "config_hash":
    ..., "seed": ...}``); a mismatch raises `CheckpointError` naming the entry.
    """
    header, body = _read(path)
    _check(path, header, expect)
    try:
        tree = eqx.tree_deserialise_leaves(io.BytesIO(body), like)
    except Exception as e:  # shape/dtype mismatch: a different configuration wrote it
        raise CheckpointError(
            f"checkpoint {path} does not match this run's configuration ({type(e).__name__}: {e}); "
            "resume with the config.toml the run was started with."
        ) from None
    return tree, header


def _check(path, header: dict, expect: dict | None) -> None:
    for key, value in (expect or {}).items():
        if header.get(key) != value:
            raise CheckpointError(
                f"checkpoint {path} was written with {key} = {header.get(key)!r}, this run has "
                f"{value!r}: it belongs to another run or configuration."
            )


def _read(path) -> tuple[dict, bytes]:
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"no checkpoint at {path}; start a new run instead of resuming.")
    data = path.read_bytes()
    if not data.startswith(MAGIC) or len(data) < len(MAGIC) + 8:
        raise CheckpointError(f"checkpoint {path} is not a physax checkpoint or is truncated; {_FIX}")
    n = int.from_bytes(data[len(MAGIC) : len(MAGIC) + 8], "little")
    start = len(MAGIC) + 8
    try:
        header = json.loads(data[start : start + n])
    except (ValueError, UnicodeDecodeError):
        header = None
    if not isinstance(header, dict):
        raise CheckpointError(f"checkpoint {path} has a corrupt header; {_FIX}")
    body = data[start + n :]
    if header.get("sha256") != _digest(header, body):
        raise CheckpointError(f"checkpoint {path} is corrupt or was edited (checksum mismatch); {_FIX}")
    return header, body
