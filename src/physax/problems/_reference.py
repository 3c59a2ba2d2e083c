"""Reference solutions on tensor grids: what every method's error is measured against."""

from __future__ import annotations

import dataclasses

import numpy as np


@dataclasses.dataclass(frozen=True)
class Reference:
    r"""A trusted solution sampled on a tensor grid: what every method's error is measured against.

    **Arguments:**

    - `axes`: `(name, coordinates)` per axis, in the domain's coordinate order.
    - `values`: the solution on the grid, shape `tuple(len(c) for _, c in axes)` (then the
      components, if any).
    - `source`: how it was obtained (e.g. `"exact (Cole-Hopf quadrature)"`).

    `points` lists the grid points as an `(N, d)` array in C order, matching
    `flat_values`.

    **Example:** a problem's reference (here exact, on $101 \times 129$ points).

    >>> ref = Heat1D().reference()
    >>> ref.shape, ref.points.shape, ref.source
    ((101, 129), (13029, 2), 'exact')
    """

    axes: tuple[tuple[str, np.ndarray], ...]
    values: np.ndarray
    source: str

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(len(c) for _, c in self.axes)

    @property
    def points(self) -> np.ndarray:
        """All grid points as an ``(N, d)`` array (C order, matching ``values.reshape(N, ...)``)."""
        mesh = np.meshgrid(*[c for _, c in self.axes], indexing="ij")
        return np.stack([m.ravel() for m in mesh], axis=-1)

    @property
    def flat_values(self) -> np.ndarray:
        n = int(np.prod(self.shape))
        return self.values.reshape((n,) + self.values.shape[len(self.axes) :])
