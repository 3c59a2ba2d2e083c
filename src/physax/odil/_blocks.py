r"""Newton's linear solve for causal (time-dependent forward) systems: block forward substitution.

With an initial condition and no data, every equation of a time-dependent ODIL system
involves only its own time level and earlier ones (Crank-Nicolson rows couple levels
``n`` and ``n + 1``). Ordering the rows by the latest level they touch makes the square
Jacobian block lower triangular,

$$J = \begin{pmatrix} A_{00} \\ A_{10} & A_{11} \\ & \ddots & \ddots \end{pmatrix},
\qquad A_{nn}\,\delta_n = -r_n - \sum_{k<n} A_{nk}\,\delta_k ,$$

so the Newton step needs one small sparse LU (SuperLU, `scipy.sparse.linalg.splu`) per
time level: linear cost in the number of levels, where a general sparse LU of the whole
space-time matrix fills in like a 2-d (or 3-d) problem. The levels may hold different
numbers of unknowns (the reduced-space solve of `physax.odil._reduced` keeps only the
boundary nodes of the first level as states). `BlockTriangular.build` returns ``None``
when the structure does not hold (each level must own exactly one equation per unknown
of that level); the caller then factorises ``J`` whole. The block structure is
found once; later steps only gather the Jacobian's values into the blocks.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sps
import scipy.sparse.linalg as spla


def _blocks_of(P: sps.csr_matrix, offsets: np.ndarray):
    """Per level: (diagonal block as CSC with data = positions in P.data, lower block as CSR)."""
    out = []
    for k in range(len(offsets) - 1):
        a, b = offsets[k], offsets[k + 1]
        rows = P[a:b]
        diag = rows[:, a:b].tocsc()
        diag.sort_indices()
        out.append((diag, rows[:, :a].tocsr() if a else None))
    return out


class BlockTriangular:
    """A square Jacobian's block lower-triangular structure (see the module docstring)."""

    def __init__(self, J: sps.csr_matrix, row_order, col_order, offsets: np.ndarray):
        self.offsets, self.col_order = offsets, col_order
        # positions of J.data in each block: permute a matrix whose data are 1..nnz
        marker = sps.csr_matrix((np.arange(1, J.nnz + 1, dtype=np.float64), J.indices, J.indptr), J.shape)
        P = marker[row_order][:, col_order].tocsr()
        self.row_order = row_order
        self.diag, self.lower = [], []
        for d, lo in _blocks_of(P, offsets):
            self.diag.append((d.indices, d.indptr, d.data.astype(np.int64) - 1))
            self.lower.append(
                None if lo is None else (lo.indices, lo.indptr, lo.data.astype(np.int64) - 1, lo.shape)
            )

    @classmethod
    def build(cls, J: sps.csr_matrix, col_level: np.ndarray, levels: int) -> BlockTriangular | None:
        m, n = J.shape
        if m != n or len(col_level) != n or np.any(np.diff(J.indptr) == 0):
            return None
        owner = np.maximum.reduceat(col_level[J.indices], J.indptr[:-1])
        sizes = np.bincount(col_level, minlength=levels)
        if len(sizes) != levels or np.any(np.bincount(owner, minlength=levels) != sizes):
            return None
        offsets = np.concatenate([[0], np.cumsum(sizes)])
        return cls(J, np.argsort(owner, kind="stable"), np.argsort(col_level, kind="stable"), offsets)

    def solve(self, J: sps.csr_matrix, rhs: np.ndarray) -> np.ndarray | None:
        """``J^{-1} rhs`` (``rhs`` of shape ``(n,)`` or ``(n, k)``) by block forward substitution.

        Returns ``None`` if a diagonal block is singular.
        """
        data, off = J.data, self.offsets
        b = rhs[self.row_order]
        out = np.empty((J.shape[1],) + rhs.shape[1:])
        for k, ((di, dp, dpos), low) in enumerate(zip(self.diag, self.lower)):
            a, e = off[k], off[k + 1]
            if a == e:
                continue
            rk = b[a:e]
            if low is not None:
                li, lp, lpos, shape = low
                rk = rk - sps.csr_matrix((data[lpos], li, lp), shape) @ out[:a]
            diag = sps.csc_matrix((data[dpos], di, dp), (e - a, e - a))
            try:
                out[a:e] = spla.splu(diag, permc_spec="COLAMD").solve(rk)
            except RuntimeError:
                return None
        x = np.empty_like(out)
        x[self.col_order] = out
        return x if np.all(np.isfinite(x)) else None


def factorised(J: sps.csr_matrix, blocks: BlockTriangular | None):
    """``rhs -> J^{-1} rhs`` for a square `J`: block substitution, or one SuperLU factorisation."""
    if blocks is not None:
        return lambda rhs: blocks.solve(J, rhs)
    try:
        lu = spla.splu(J.tocsc(), permc_spec="COLAMD")
    except RuntimeError:
        return lambda rhs: None

    def solve(rhs):
        out = lu.solve(rhs)
        return out if np.all(np.isfinite(out)) else None

    return solve
