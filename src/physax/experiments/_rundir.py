"""Run-directory ownership: a fresh run claims an empty directory, a resume its own one.

A run holds an exclusive `flock` on `DIR/.lock` for its whole life; the kernel
releases it when the process ends, so a lock file left by a crash is stale, not held.
"""

from __future__ import annotations

import datetime
import fcntl
import os
from pathlib import Path

from ._config import ConfigError

LOCK = ".lock"


def default_out(experiment: str) -> Path:
    """The run directory used when no `--out` is given: `runs/<experiment>-<timestamp>`.

    **Example:**

    >>> str(default_out("burgers-inverse")).startswith("runs/burgers-inverse-")
    True
    """
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    return Path("runs") / f"{experiment}-{stamp}"


class RunDirectory:
    """Context manager that creates/claims `path` and holds its lock until exit."""

    def __init__(self, path: str | os.PathLike, *, fresh: bool):
        self.path, self.fresh, self._fd = Path(path), fresh, None

    def __enter__(self) -> Path:
        try:
            return self._claim()
        except OSError as e:  # a name too long, a path through a file, no permission, ...
            self.__exit__()
            raise ConfigError(
                f"cannot use {self.path} as a run directory: {e.strerror}; pick another --out."
            ) from None

    def _claim(self) -> Path:
        path = self.path
        if path.exists() and not path.is_dir():
            raise ConfigError(f"--out {path} is a file, not a directory; pick another --out.")
        if path.is_symlink():
            raise ConfigError(f"--out {path} is a symbolic link; give the real directory.")
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise ConfigError(
                f"cannot create run directory {path}: {e.strerror}; pick another --out."
            ) from None
        if not os.access(path, os.W_OK | os.X_OK):
            raise ConfigError(f"run directory {path} is not writable; pick another --out.")
        created = False
        try:
            try:
                self._fd = os.open(path / LOCK, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o666)
                created = True
            except FileExistsError:  # held by another run, or stale after a crash
                self._fd = os.open(path / LOCK, os.O_RDWR | os.O_NOFOLLOW)
        except OSError as e:
            raise ConfigError(f"cannot create the lock file in {path}: {e.strerror}.") from None
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self._fd)
            self._fd = None
            raise ConfigError(
                f"{path} is in use by another physax run; wait for it or pick another --out."
            ) from None
        if self.fresh:
            others = sorted(p.name for p in path.iterdir() if p.name != LOCK)
            if others:
                if created:  # leave a refused directory exactly as it was
                    (path / LOCK).unlink(missing_ok=True)
                self.__exit__()
                hint = (
                    f"continue it with `physax run {path} --resume`"
                    if (path / "config.toml").is_file()
                    else "empty it"
                )
                raise ConfigError(
                    f"{path} is not empty (holds {', '.join(others[:3])}{', ...' if len(others) > 3 else ''}); "
                    f"{hint} or pick another --out."
                )
        return path

    def __exit__(self, *exc) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
