"""Where physax keeps what it computes once per machine (reference solutions, the native kernel)."""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path:
    """Where physax keeps what it computes once per machine (reference solutions, the native kernel).

    `$PHYSAX_CACHE_DIR` if set, else `$XDG_CACHE_HOME/physax` or `~/.cache/physax`. Delete
    it to recompute everything; point it elsewhere for a read-only home directory.

    **Returns:** a `pathlib.Path` (not created by this call).

    **Example:**

    >>> import os
    >>> from unittest import mock
    >>> with mock.patch.dict(os.environ, {"PHYSAX_CACHE_DIR": "/scratch/physax"}):
    ...     print(cache_dir())
    /scratch/physax
    >>> with mock.patch.dict(os.environ, {"PHYSAX_CACHE_DIR": "", "XDG_CACHE_HOME": "/var/cache"}):
    ...     print(cache_dir())
    /var/cache/physax
    """
    if os.environ.get("PHYSAX_CACHE_DIR"):
        return Path(os.environ["PHYSAX_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "physax"
