"""Run host BLAS/LAPACK single-threaded for the small dense least-squares solves.

On a small, busy CPU, OpenBLAS worker threads spin-wait against other processes and a
sub-second QR can take seconds. `blas_threads` sets the thread count of the
OpenBLAS builds loaded by NumPy and SciPy (as threadpoolctl does) for a block of code,
and restores it afterwards; it does nothing where no OpenBLAS is found.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
from collections.abc import Iterator
from pathlib import Path


@functools.cache
def _openblas() -> tuple[tuple, ...]:
    maps = Path("/proc/self/maps")
    if not maps.is_file():
        return ()
    paths = {line.split()[-1] for line in maps.read_text().splitlines() if "openblas" in line.lower()}
    found = []
    for path in sorted(paths):
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for prefix in ("scipy_openblas", "openblas"):
            for suffix in ("64_", ""):
                get, put = f"{prefix}_get_num_threads{suffix}", f"{prefix}_set_num_threads{suffix}"
                if hasattr(lib, get) and hasattr(lib, put):
                    found.append((getattr(lib, get), getattr(lib, put)))
                    break
            else:
                continue
            break
    return tuple(found)


@contextlib.contextmanager
def blas_threads(n: int = 1) -> Iterator[None]:
    """Use `n` OpenBLAS threads inside the block."""
    libs = _openblas()
    old = [get() for get, _ in libs]
    for _, put in libs:
        put(n)
    try:
        yield
    finally:
        for (_, put), k in zip(libs, old):
            put(k)
