"""Point files for `physax predict`: `.npz` (array `points`) or `.csv` in, the same out."""

from __future__ import annotations

import csv
import zipfile
from pathlib import Path

import numpy as np

from .. import report
from ._config import ConfigError


def read_points(path: str | Path) -> np.ndarray:
    r"""An `(n, d)` float array from `.npz` (key `points`) or `.csv` (header optional).

    The input format of `physax predict RUN_DIR --points FILE`.

    **Arguments:** `path`: the file.

    **Returns:** a float64 NumPy array `(n, d)`.

    **Raises:** `ConfigError` naming what is wrong (missing file, wrong key or shape,
    non-numeric rows, NaN).

    **Example:**

    >>> _ = open("points.csv", "w").write("t,x\n0.0,0.5\n1.0,0.25\n")
    >>> read_points("points.csv")
    array([[0.  , 0.5 ],
           [1.  , 0.25]])
    """
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"points file {path} does not exist.")
    if path.suffix == ".npz":
        try:
            with np.load(path, allow_pickle=False) as f:
                if "points" not in f:
                    raise ConfigError(f"{path} must hold an array 'points' (n, d); it has {list(f)}.")
                pts = f["points"]
        except (ValueError, OSError, zipfile.BadZipFile) as e:
            raise ConfigError(f"{path} is not a readable .npz file ({e}).") from None
    elif path.suffix == ".csv":
        rows = [r for r in csv.reader(path.read_text().splitlines()) if r]
        if rows and not _numeric(rows[0]):
            rows = rows[1:]
        if not rows or not all(_numeric(r) for r in rows):
            raise ConfigError(f"{path} must hold numeric rows, one point per row.")
        pts = np.array([[float(x) for x in r] for r in rows])
    else:
        raise ConfigError(f"points file {path} must be .npz or .csv.")
    if not np.issubdtype(pts.dtype, np.number) or np.iscomplexobj(pts):
        raise ConfigError(f"{path}: points must be real numbers, got dtype {pts.dtype}.")
    pts = np.asarray(pts, np.float64)
    if pts.ndim != 2 or pts.shape[0] == 0:
        raise ConfigError(f"{path}: points must be a non-empty (n, d) array, got shape {pts.shape}.")
    if not np.all(np.isfinite(pts)):
        raise ConfigError(f"{path}: points contain NaN or inf.")
    return pts


def _numeric(row) -> bool:
    try:
        [float(x) for x in row]
        return True
    except ValueError:
        return False


def write_values(path: str | Path, values: np.ndarray) -> Path:
    r"""Predictions to `.npz` (array `values`) or `.csv` (one row per point).

    The output format of `physax predict`; written atomically.

    **Arguments:**

    - `path`: a `.npz` or `.csv` file.
    - `values`: the predictions, one row (or value) per point.

    **Returns:** the path written.

    **Example:**

    >>> write_values("values.csv", np.array([0.5, -1.25])).read_text()
    '0.5\n-1.25\n'
    >>> np.load(write_values("values.npz", np.array([0.5, -1.25])))["values"]
    array([ 0.5 , -1.25])
    """
    path = Path(path)
    if path.suffix == ".npz":
        return report.atomic_write(path, lambda f: np.savez(f, values=values), binary=True)
    if path.suffix == ".csv":
        flat = np.asarray(values).reshape(len(values), -1)
        text = "\n".join(",".join(f"{x:.17g}" for x in row) for row in flat) + "\n"
        return report.atomic_write_text(path, text)
    raise ConfigError(f"--out {path} must end in .npz or .csv.")
