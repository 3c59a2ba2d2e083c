"""`History`: one record per chunk, readable by row or by column."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np


class History(list):
    """A list of per-chunk records (dicts) that also reads as columns.

    `history[-1]` is the last record; `history["loss"]` is the loss column as a NumPy
    array (NaN where a record lacks the key); `history.columns` lists every key in the
    order first seen.

    **Arguments:**

    - `rows`: the records, each a dict.

    **Example:**

    >>> h = History([{"step": 10, "loss": 0.5}, {"step": 20, "loss": 0.1, "rel_l2": 0.3}])
    >>> h[-1]["step"], h["loss"], h["rel_l2"]
    (20, array([0.5, 0.1]), array([nan, 0.3]))
    >>> h.columns
    ['step', 'loss', 'rel_l2']
    """

    def __init__(self, rows: Iterable[dict] = ()):
        super().__init__(dict(r) for r in rows)

    @property
    def columns(self) -> list[str]:
        seen: dict[str, None] = {}
        for row in self:
            seen.update(dict.fromkeys(row))
        return list(seen)

    def __getitem__(self, key):
        if isinstance(key, str):
            if not any(key in row for row in self):
                raise KeyError(f"no column {key!r}; the history has {self.columns}.")
            values = [row.get(key, np.nan) for row in self]
            try:
                return np.asarray(values, dtype=float)
            except (TypeError, ValueError):
                return np.asarray(values, dtype=object)
        return super().__getitem__(key)
