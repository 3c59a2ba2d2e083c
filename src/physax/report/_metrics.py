"""JSON output (`metrics.json`) and the atomic-write helpers shared by the report layer."""

from __future__ import annotations

import json
import math
import os
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import IO, Any

import numpy as np


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def atomic_write(
    path: str | os.PathLike[str], write: Callable[[IO[Any]], None], *, binary: bool = False
) -> Path:
    """Write a file so that readers see either the old or the complete new content.

    The data goes to a temporary file in the same directory (same file system, so the
    final `os.replace` is atomic), is flushed and fsync'ed, then renamed over `path`. If
    `write` raises, the old file is left as it was and no temporary file remains.

    **Arguments:**

    - `path`: the destination; parent directories are created.
    - `write`: a function that writes the content to the open file object it is given.
    - `binary`: open the file in binary mode (text mode writes UTF-8).

    **Returns:** the path written.

    **Example:**

    >>> atomic_write("out/data.npy", lambda f: np.save(f, np.arange(3)), binary=True).name
    'data.npy'
    >>> np.load("out/data.npy")
    array([0, 1, 2])
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        mode = "wb" if binary else "w"
        kwargs = {} if binary else {"encoding": "utf-8", "newline": ""}
        os.fchmod(fd, 0o666 & ~_umask())  # mkstemp creates 0600; give the file the usual mode
        with os.fdopen(fd, mode, **kwargs) as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return path


def atomic_write_text(path: str | os.PathLike[str], text: str) -> Path:
    r"""Atomically write `text` (UTF-8) to `path` (see `atomic_write`).

    **Arguments:**

    - `path`: the destination; parent directories are created.
    - `text`: the content.

    **Returns:** the path written.

    **Example:**

    >>> path = atomic_write_text("notes/run.txt", "converged\n")
    >>> path.read_text()
    'converged\n'
    """
    return atomic_write(path, lambda f: f.write(text))


def _float(x: float) -> float | str:
    # JSON has no NaN/inf; keep them as readable strings rather than null (which loses
    # the distinction between "diverged" and "not computed").
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return x


def to_jsonable(obj: Any) -> Any:
    """Convert `obj` to plain JSON types.

    numpy scalars and arrays become Python numbers and (nested) lists, tuples and sets
    become lists, paths become strings, mapping keys become strings, and non-finite
    floats become the strings `"nan"`, `"inf"`, `"-inf"`. Anything exposing
    `__array__` (e.g. a JAX array) is converted through numpy.

    **Arguments:** `obj`: a JSON-like structure.

    **Returns:** the same structure in plain Python types.

    **Raises:** `TypeError` for anything else (a complex array, an arbitrary object).

    **Example:**

    >>> to_jsonable({"rel_l2": np.float32(0.5), "curve": jnp.array([1.0, jnp.inf]), 3: (1, 2)})
    {'rel_l2': 0.5, 'curve': [1.0, 'inf'], '3': [1, 2]}
    """
    if obj is None or isinstance(obj, (bool, str)):
        return obj
    if isinstance(obj, int):
        return int(obj)
    if isinstance(obj, float):
        return _float(float(obj))
    if isinstance(obj, np.generic):
        return to_jsonable(obj.item())
    if isinstance(obj, np.ndarray):
        if obj.dtype.kind in "cV":
            raise TypeError(f"cannot write a {obj.dtype} array to JSON")
        return to_jsonable(obj.tolist())
    if isinstance(obj, Mapping):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, (set, frozenset)):
        return [to_jsonable(v) for v in sorted(obj, key=repr)]
    if isinstance(obj, os.PathLike):
        return os.fspath(obj)
    if hasattr(obj, "__array__"):
        return to_jsonable(np.asarray(obj))
    raise TypeError(f"cannot write an object of type {type(obj).__name__} to JSON")


def write_json(path: str | os.PathLike[str], obj: Any) -> Path:
    """Atomically write `obj` as pretty-printed JSON (used for `metrics.json`).

    numpy types are converted to Python types; NaN and infinities are written as the
    strings `"nan"`, `"inf"` and `"-inf"` so that the file stays valid JSON.

    **Arguments:**

    - `path`: destination file; parent directories are created.
    - `obj`: a JSON-like structure, possibly holding numpy scalars or arrays.

    **Returns:** the path written.

    **Example:**

    >>> import json
    >>> path = write_json("run/metrics.json", {"rel_l2": np.float32(1e-3), "loss": float("nan")})
    >>> json.loads(path.read_text())
    {'rel_l2': 0.0010000000474974513, 'loss': 'nan'}
    """
    text = json.dumps(to_jsonable(obj), indent=2, allow_nan=False, ensure_ascii=False) + "\n"
    return atomic_write_text(path, text)
