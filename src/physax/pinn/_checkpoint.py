"""Checkpoints: one file, written atomically, with a JSON header and a checksum (no pickle).

Layout: ``MAGIC`` | 8-byte header length | JSON header | equinox-serialised leaves.
The header records the step, phase and wall time needed to rebuild the matching
template, and the SHA-256 of the leaves, so a truncated or corrupted file is reported
as such instead of loading garbage.
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

MAGIC = b"PHYSAX-CHECKPOINT-1\n"


class CheckpointError(ValueError):
    """A checkpoint is missing, corrupt or does not match the run's configuration."""


def save(path: str | os.PathLike, tree: Any, header: dict) -> None:
    """Serialise ``tree`` with ``header`` to ``path`` atomically (temp file + fsync + rename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    eqx.tree_serialise_leaves(buf, tree)
    body = buf.getvalue()
    head = json.dumps({**header, "sha256": hashlib.sha256(body).hexdigest()}).encode()
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(MAGIC + len(head).to_bytes(8, "little") + head + body)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_header(path: str | os.PathLike) -> dict:
    """The JSON header of a checkpoint (validates the magic bytes and the checksum)."""
    return _read(path)[0]


def load(path: str | os.PathLike, like: Any) -> tuple[Any, dict]:
    """Deserialise a checkpoint into the structure of ``like``; returns ``(tree, header)``."""
    header, body = _read(path)
    try:
        tree = eqx.tree_deserialise_leaves(io.BytesIO(body), like)
    except Exception as e:  # shape/dtype mismatch: a different configuration wrote it
        raise CheckpointError(
            f"checkpoint {path} does not match this run's configuration ({type(e).__name__}: {e}); "
            "resume with the config.toml the run was started with."
        ) from None
    return tree, header


def _read(path) -> tuple[dict, bytes]:
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"no checkpoint at {path}; start a new run instead of --resume.")
    data = path.read_bytes()
    fix = "delete the checkpoint directory to start over."
    if not data.startswith(MAGIC) or len(data) < len(MAGIC) + 8:
        raise CheckpointError(f"checkpoint {path} is not a physax checkpoint or is truncated; {fix}")
    n = int.from_bytes(data[len(MAGIC) : len(MAGIC) + 8], "little")
    start = len(MAGIC) + 8
    try:
        header = json.loads(data[start : start + n])
    except (ValueError, UnicodeDecodeError):
        raise CheckpointError(f"checkpoint {path} has a corrupt header; {fix}") from None
    body = data[start + n :]
    if hashlib.sha256(body).hexdigest() != header.get("sha256"):
        raise CheckpointError(f"checkpoint {path} is corrupt (checksum mismatch); {fix}")
    return header, body
