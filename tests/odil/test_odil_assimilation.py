"""Data assimilation by ODIL: the reduced space of the initial state, and its block solves."""

import numpy as np
import pytest
import scipy.sparse as sps
import scipy.sparse.linalg as spla

import physax.experiments as ex
from physax.odil._blocks import BlockTriangular


def test_block_substitution_with_levels_of_different_sizes_equals_a_direct_solve():
    rng = np.random.default_rng(0)
    sizes = [2, 5, 5, 5]  # a first level with only its boundary nodes, as in assimilation
    n, off = sum(sizes), np.cumsum([0, *sizes])
    level = np.repeat(np.arange(len(sizes)), sizes)
    dense = np.zeros((n, n))
    for k in range(len(sizes)):
        a, b = off[k], off[k + 1]
        dense[a:b, a:b] = rng.normal(size=(b - a, b - a)) + 4 * np.eye(b - a)
        if k:
            dense[a:b, off[k - 1] : a] = rng.normal(size=(b - a, a - off[k - 1]))
    rows, cols = rng.permutation(n), rng.permutation(n)  # rows and unknowns in any order
    J = sps.csr_matrix(dense[rows][:, cols])
    blocks = BlockTriangular.build(J, level[cols], len(sizes))
    assert blocks is not None
    rhs = rng.normal(size=(n, 3))
    np.testing.assert_allclose(blocks.solve(J, rhs), spla.spsolve(J.tocsc(), rhs), atol=1e-10)
    # an entry of a first-level row in a last-level column breaks the structure
    i, j = int(np.flatnonzero(rows == 0)[0]), int(np.flatnonzero(level[cols] == 3)[0])
    upper = (J + sps.csr_matrix(([1.0], ([i], [j])), (n, n))).tocsr()
    assert BlockTriangular.build(upper, level[cols], len(sizes)) is None


@pytest.mark.slow
def test_assimilation_reconstructs_burgers_from_200_observations_without_the_initial_state(tmp_path):
    spec = ex.load("odil-assimilation", {"grid.shape": [50, 255], "odil.smoothing": 100.0, "odil.steps": 10})
    m = ex.run(spec, out=tmp_path / "run", progress=False).metrics
    assert m["rel_l2"] < 1e-2, m["rel_l2"]  # 7.5e-3: the forward discretisation error dominates
    assert m["final_loss"]["pde"] < 1e-16  # the PDE holds exactly: the field follows the initial state
    assert m["steps"] <= 10
