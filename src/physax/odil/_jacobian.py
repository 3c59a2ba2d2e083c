r"""The sparse Jacobian of the ODIL residual, by graph-coloured forward-mode JAX.

Every residual row depends only on grid values within `REACH` nodes of its centre (along
each axis) and on the unknown parameters. Colour node ``(i_0, ..., i_{d-1})`` of channel
``c`` by ``(c, i_0 mod p_0, ..., i_{d-1} mod p_{d-1})`` with periods ``p_a >= 2 REACH + 1``
(on a periodic axis a divisor of its node count, so the colouring wraps): no two nodes of
one colour then meet in any row's stencil, and one Jacobian-vector product per colour,
seeded with the indicator of that colour, gives every entry of those columns (Curtis,
Powell & Reid 1974). Each parameter gets a colour of its own. In 1+1-d that is 25 jvps,
whatever the grid size; `jax.linearize` + `vmap` runs them in one compiled call.

The sparsity pattern (which candidate entries are structurally non-zero) is found once,
from the jvps at a random point, and the values land directly in CSR order.
"""

from __future__ import annotations

import itertools

import jax
import jax.numpy as jnp
import numpy as np
import scipy.sparse as sps

from ._stencils import REACH
from ._system import System


def _period(n: int, periodic: bool) -> int:
    p = 2 * REACH + 1
    if not periodic or n % p == 0:
        return min(p, n) if not periodic else p
    for q in range(p, n + 1):
        if n % q == 0:
            return q
    return n


class SparseJacobian:
    """`values(x) -> (r, data)`: the residual and the Jacobian's CSR data at ``x``; `matrix(data)`."""

    def __init__(self, system: System, *, key):
        grid = system.grid
        self.system = system
        periods = [_period(n, p) for n, p in zip(grid.shape, grid.is_periodic)]
        n_space = int(np.prod(periods))
        self.n_colours = system.channels * n_space + len(system.names)
        idx = np.indices(grid.shape).reshape(grid.dim, -1)
        space_colour = np.ravel_multi_index(tuple(idx[a] % periods[a] for a in range(grid.dim)), periods)
        node_colour = np.concatenate([c * n_space + space_colour for c in range(system.channels)])
        colour = np.concatenate([node_colour, system.channels * n_space + np.arange(len(system.names))])
        self._colour = jnp.asarray(colour)

        rows, cols = _candidates(system, grid)
        col_colour = colour[cols]
        # keep the structurally non-zero candidates: the jvps at a random point
        seed = int(jax.random.randint(key, (), 0, 2**31 - 1))
        x = np.random.default_rng(seed).normal(size=system.n) * 0.3
        theta0 = system.problem.init_theta(jnp.float64)
        x[system.n_grid :] += np.asarray([theta0[k] for k in system.names], np.float64)
        x = jnp.asarray(x)
        self._compiled = jax.jit(self._compressed)
        vals = np.asarray(self._compiled(x)[1])[col_colour, rows]
        keep = vals != 0
        rows, cols, col_colour = rows[keep], cols[keep], col_colour[keep]
        order = np.lexsort((cols, rows))
        self.rows, self.cols = rows[order], cols[order]
        self._gather = (col_colour[order], self.rows)
        self.indptr = np.concatenate([[0], np.cumsum(np.bincount(self.rows, minlength=system.m))])
        self.shape = (system.m, system.n)

    def _compressed(self, x):
        seeds = (self._colour[None, :] == jnp.arange(self.n_colours)[:, None]).astype(x.dtype)
        r, lin = jax.linearize(self.system.residual, x)
        return r, jax.vmap(lin)(seeds)

    def values(self, x) -> tuple[np.ndarray, np.ndarray]:
        r, comp = self._compiled(x)
        return np.asarray(r), np.asarray(comp)[self._gather]

    def matrix(self, data) -> sps.csr_matrix:
        return sps.csr_matrix((np.asarray(data), self.cols, self.indptr), shape=self.shape)

    @property
    def nnz(self) -> int:
        return len(self.cols)


def _candidates(system: System, grid) -> tuple[np.ndarray, np.ndarray]:
    """Every (row, column) a row may touch: grid nodes within `REACH` of its centre, all parameters."""
    centres = system.centres
    m = len(centres)
    rows_all, cols_all = [], []
    shape = np.asarray(grid.shape)
    for offset in itertools.product(range(-REACH, REACH + 1), repeat=grid.dim):
        node = centres + np.asarray(offset)
        ok = np.ones(m, bool)
        for a, per in enumerate(grid.is_periodic):
            if per:
                node[:, a] %= shape[a]
            else:
                ok &= (node[:, a] >= 0) & (node[:, a] < shape[a])
        flat = np.ravel_multi_index(tuple(node[ok].T), grid.shape)
        r = np.flatnonzero(ok)
        for c in range(system.channels):
            rows_all.append(r)
            cols_all.append(c * grid.size + flat)
    for i in range(len(system.names)):
        rows_all.append(np.arange(m))
        cols_all.append(np.full(m, system.n_grid + i))
    return np.concatenate(rows_all), np.concatenate(cols_all)
