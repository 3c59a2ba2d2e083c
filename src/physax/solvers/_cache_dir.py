"""Where physax keeps what it computes once per machine (reference solutions, the native kernel)."""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path:
    """``$PHYSAX_CACHE_DIR`` if set, else ``$XDG_CACHE_HOME/physax`` or ``~/.cache/physax``."""
    if os.environ.get("PHYSAX_CACHE_DIR"):
        return Path(os.environ["PHYSAX_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "physax"
