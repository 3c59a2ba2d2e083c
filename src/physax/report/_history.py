"""`history.csv`: one row per logged step, columns growing as new quantities appear."""

from __future__ import annotations

import csv
import math
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from ._metrics import atomic_write

LEADING_COLUMNS = ("step", "phase", "wall_time_s")
_TEXT_COLUMNS = frozenset({"phase"})


def _clean(value: Any) -> Any:
    """Python scalar for a logged value (numpy / JAX 0-d arrays included)."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, np.generic):
        return value.item()
    if hasattr(value, "__array__"):
        arr = np.asarray(value)
        if arr.size != 1:
            raise ValueError(f"history values must be scalars, got an array of shape {arr.shape}")
        return arr.reshape(()).item()
    return value


def _format(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return repr(value)  # shortest string that round-trips exactly; nan/inf as such
    return str(value)


def _parse(column: str, text: str) -> Any:
    if column in _TEXT_COLUMNS:
        return text
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)  # also accepts "nan", "inf", "-inf"
    except ValueError:
        return text


class HistoryWriter:
    """Write training history rows to a CSV file (`history.csv`).

    The columns are the union of the keys seen, `step`, `phase`, `wall_time_s` first
    and the others in first-seen order. A row with only known keys is appended to the
    file; a row bringing a new key (e.g. `rel_l2` after the first evaluation, or the
    loss terms of a new phase) makes the writer rewrite the whole file atomically with
    the wider header. Missing values are written as empty cells, floats with `repr`
    precision.

    Constructing a writer starts a fresh file (an existing one is replaced); use
    `HistoryWriter.load` to continue an existing history when resuming.

    **Arguments:**

    - `path`: the CSV file to write.
    - `rows`: rows to start with.

    **Example:**

    >>> h = HistoryWriter("run/history.csv")
    >>> h.append({"step": 0, "phase": "adam", "wall_time_s": 0.1, "loss": 1.3})
    >>> h.append({"step": 100, "phase": "adam", "wall_time_s": 2.0, "loss": 0.2,
    ...           "rel_l2": 0.4})  # rewrites the file with a rel_l2 column
    >>> print(open("run/history.csv").read())
    step,phase,wall_time_s,loss,rel_l2
    0,adam,0.1,1.3,
    100,adam,2.0,0.2,0.4
    """

    def __init__(self, path: str | os.PathLike[str], rows: Iterable[Mapping[str, Any]] = ()):
        self.path = Path(path)
        self._rows: list[dict[str, Any]] = []
        self._extra: list[str] = []  # non-leading columns in first-seen order
        for row in rows:
            self._add(row)
        self._rewrite()

    @classmethod
    def load(cls, path: str | os.PathLike[str], upto_step: int | None = None) -> HistoryWriter:
        """Read an existing history, keep the rows with `step <= upto_step`, rewrite it.

        Used when resuming from a checkpoint taken at `upto_step`: rows logged after the
        checkpoint would otherwise be duplicated. A missing file gives an empty history.

        **Arguments:**

        - `path`: the CSV file.
        - `upto_step`: the last step to keep; `None` keeps every row.

        **Returns:** a `HistoryWriter` that appends to the kept rows.
        """
        path = Path(path)
        rows: list[dict[str, Any]] = []
        columns: list[str] = []
        if path.exists():
            with open(path, newline="", encoding="utf-8") as f:
                reader = csv.DictReader(f)
                columns = list(reader.fieldnames or [])
                for raw in reader:
                    row = {k: _parse(k, v) for k, v in raw.items() if k is not None and v != ""}
                    if "step" not in row:
                        continue
                    if upto_step is not None and row["step"] > upto_step:
                        continue
                    rows.append(row)
        writer = cls.__new__(cls)
        writer.path = path
        writer._rows = []
        writer._extra = [c for c in columns if c not in LEADING_COLUMNS]
        for row in rows:
            writer._add(row)
        writer._rewrite()
        return writer

    @property
    def columns(self) -> list[str]:
        """The CSV header, in order."""
        return [*LEADING_COLUMNS, *self._extra]

    @property
    def rows(self) -> list[dict[str, Any]]:
        """A copy of the rows written so far (missing values are absent keys)."""
        return [dict(r) for r in self._rows]

    def __len__(self) -> int:
        return len(self._rows)

    def append(self, row: Mapping[str, Any]) -> None:
        """Add one row; rewrites the file if it brings new columns, else appends a line."""
        n_columns = len(self._extra)
        clean = self._add(row)
        if len(self._extra) != n_columns or not self.path.exists():
            self._rewrite()
            return
        with open(self.path, "a", newline="", encoding="utf-8") as f:
            csv.writer(f, lineterminator="\n").writerow(self._line(clean))

    def _add(self, row: Mapping[str, Any]) -> dict[str, Any]:
        if "step" not in row:
            raise ValueError(f"a history row needs a 'step' entry, got keys {sorted(row)}")
        clean = {str(k): _clean(v) for k, v in row.items() if v is not None}
        step = clean["step"]
        if isinstance(step, float) and math.isfinite(step) and step.is_integer():
            clean["step"] = int(step)
        for key in clean:
            if key not in LEADING_COLUMNS and key not in self._extra:
                self._extra.append(key)
        self._rows.append(clean)
        return clean

    def _line(self, row: Mapping[str, Any]) -> list[str]:
        return [_format(row.get(c)) for c in self.columns]

    def _rewrite(self) -> None:
        def write(f):
            w = csv.writer(f, lineterminator="\n")
            w.writerow(self.columns)
            w.writerows(self._line(r) for r in self._rows)

        atomic_write(self.path, write)
