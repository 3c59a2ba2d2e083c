r"""ODIL's multigrid decomposition of the unknowns, for gradient-based optimisers.

Karnakov, Litvinov & Koumoutsakos (PNAS Nexus 2024) write the grid field as a sum over a
hierarchy of grids, $u = \sum_{l=0}^{L-1} P_l\, v_l$, with $v_l$ the values on a grid
coarsened $2^l$ times per axis and $P_l$ multilinear interpolation to the finest grid.
Optimising over all $v_l$ at once lets a gradient step move the smooth components of
the field as fast as the rough ones, which plain gradient descent on the fine-grid values
cannot (its convergence rate degrades like the grid's condition number).
"""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np
from jaxtyping import Array

from ._grid import Grid


def _interp_matrix(n_fine: int, n_coarse: int, periodic: bool) -> np.ndarray:
    """Linear interpolation from `n_coarse` to `n_fine` nodes on the same interval / period."""
    P = np.zeros((n_fine, n_coarse))
    if periodic:
        s = np.arange(n_fine) * n_coarse / n_fine
        i0 = np.floor(s).astype(int)
        w = s - i0
        P[np.arange(n_fine), i0 % n_coarse] += 1 - w
        P[np.arange(n_fine), (i0 + 1) % n_coarse] += w
    else:
        s = np.arange(n_fine) * (n_coarse - 1) / (n_fine - 1)
        i0 = np.minimum(np.floor(s).astype(int), n_coarse - 2)
        w = s - i0
        P[np.arange(n_fine), i0] += 1 - w
        P[np.arange(n_fine), i0 + 1] += w
    return P


def level_shapes(grid: Grid, levels: int | None) -> list[tuple[int, ...]]:
    """Grid shapes of the hierarchy, finest first (`levels` ``None``: coarsen to ~3 nodes)."""
    shapes = [grid.shape]
    while levels is None or len(shapes) < levels:
        prev = shapes[-1]
        nxt = tuple(
            max(n // 2, 3) if per else max((n - 1) // 2 + 1, 3) for n, per in zip(prev, grid.is_periodic)
        )
        if nxt == prev:
            break
        shapes.append(nxt)
    return shapes


class Multigrid:
    """`prolong(vs) -> u`: the field from the per-level unknowns (`lead` leading channel axes)."""

    def __init__(self, grid: Grid, levels: int | None, lead: int):
        self.shapes = level_shapes(grid, levels)
        self.lead = lead
        self.mats = [
            [jnp.asarray(_interp_matrix(n, m, per)) for n, m, per in zip(grid.shape, s, grid.is_periodic)]
            for s in self.shapes[1:]
        ]

    def prolong(self, vs: list[Array]) -> Array:
        u = vs[0]
        for v, mats in zip(vs[1:], self.mats):
            for a, P in enumerate(mats):
                v = jnp.moveaxis(jnp.tensordot(P, v, axes=([1], [a + self.lead])), 0, a + self.lead)
            u = u + v
        return u

    def split(self, u: Array) -> list[Array]:
        """Unknowns that reproduce `u`: all of it on the finest level, zero on the coarser ones."""
        lead = u.shape[: self.lead]
        return [u] + [jnp.zeros(lead + s, u.dtype) for s in self.shapes[1:]]
