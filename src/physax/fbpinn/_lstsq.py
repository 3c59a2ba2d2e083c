"""ELM-FBPINN training: sparse least-squares assembly and solve, Gauss-Newton / Levenberg-Marquardt.

The loss `sum_k w_k mean_i r_k(x_i)^2` is `||W r(c)||^2` with row weights
`sqrt(w_k / n_k)`. For a linear PDE, `r(c) = A c + r(0)` and one least-squares solve
`min ||W (A dc + r)||` from `c = 0` is exact. Otherwise the same linearisation is
iterated with Levenberg-Marquardt damping `min ||W(A dc + r)||^2 + lambda ||D dc||^2`
(`D` the column norms). Solves run in float64 on the host: dense column-pivoted QR (whose
diagonal gives a condition estimate) for small systems, LSQR with column (Jacobi) scaling for
large ones (Paige & Saunders 1982), which estimates the condition number as it goes.
"""

from __future__ import annotations

import time

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import scipy.linalg as sla
import scipy.sparse as sp
import scipy.sparse.linalg as spla
from jaxtyping import PRNGKeyArray

from .._train import History, Result
from ..metrics import rel_l2_float64
from ..pinn import Collocation
from ..problems import AbstractProblem
from ._blas import blas_threads
from ._elm import ELMFBPINN, linearise, problem_rows
from ._model import precision
from ._pairs import build_pairs


@eqx.filter_jit
def _assemble(model: ELMFBPINN, problem: AbstractProblem, skip: frozenset, batch, pairs):
    params = problem.resolve({})
    coords = problem.domain.coords
    return {
        name: linearise(model, fn, coords, batch[region], pairs[region], params)
        for name, fn, region in problem_rows(problem, skip)
    }


def system(
    model: ELMFBPINN, parts: dict, pairs: dict, regions: dict, weights: dict
) -> tuple[sp.csr_matrix, np.ndarray]:
    r"""The weighted sparse Jacobian (CSR) and residual vector from `linearise` outputs.

    Rows are stacked term by term; the rows of term $k$ with $n_k$ points are scaled by
    $\sqrt{w_k / n_k}$, so $\|A c + b\|^2$ is the weighted mean-squared loss of the PINN.

    **Arguments:**

    - `model`: the `ELMFBPINN`.
    - `parts`: `{term: (r, entries)}` from `linearise`.
    - `pairs`: `{region: Pairs}` of the points.
    - `regions`: `{term: region}`: where each term's points live.
    - `weights`: `{term: weight}` (1 if absent).

    **Returns:** `(A, b)`: a `scipy.sparse.csr_matrix` of shape `(rows, n_unknowns)` and the
    residual vector at the current coefficients.

    **Example:**

    >>> cosine = problems.CosineODE(omega=15.0)
    >>> elm = ELMFBPINN(uniform(cosine.domain, 8), 16, key=jax.random.key(0))
    >>> points = jnp.linspace(-2 * jnp.pi, 2 * jnp.pi, 50)[:, None]
    >>> pairs = build_pairs(elm.decomposition, points)
    >>> part = eqx.filter_jit(linearise)(elm, cosine.residual, cosine.domain.coords, points, pairs,
    ...                                    cosine.resolve({}))
    >>> A, b = system(elm, {"pde": part}, {"interior": pairs}, {"pde": "interior"}, {})
    >>> A.shape, elm.n_unknowns, A.nnz == len(pairs) * 17
    ((50, 136), 136, True)
    """
    K1 = model.coefficients.shape[1]
    rows, cols, vals, rhs = [], [], [], []
    offset = 0
    for name, (r, entries) in parts.items():
        pr = pairs[regions[name]]
        n = pr.n_points
        s = np.sqrt(weights.get(name, 1.0) / n)
        point, sub = np.asarray(pr.point), np.asarray(pr.sub)
        rows.append(np.repeat(point + offset, K1))
        cols.append((sub[:, None] * K1 + np.arange(K1)).ravel())
        vals.append(s * np.asarray(entries, np.float64).ravel())
        rhs.append(s * np.asarray(r, np.float64))
        offset += n
    A = sp.csr_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(offset, model.n_unknowns)
    )
    return A, np.concatenate(rhs)


def solve(
    A: sp.spmatrix,
    b: np.ndarray,
    *,
    method: str = "auto",
    damping: float = 0.0,
    dense_limit: int = 4000,
    tol: float = 1e-14,
    iter_lim: int = 20000,
) -> tuple[np.ndarray, dict]:
    r"""$\operatorname{argmin}_x \|A x - b\|^2 + \lambda \|D x\|^2$ with $D$ the column norms of $A$.

    The columns are scaled to unit norm first. `"dense"` solves by column-pivoted QR,
    dropping columns below a relative tolerance (a basic solution of a rank-deficient
    system); `"lsqr"` runs SciPy's LSQR on the sparse matrix.

    **Arguments:**

    - `A`: a SciPy sparse matrix.
    - `b`: the right-hand side.
    - `method`: `"auto"` (dense up to `dense_limit` columns), `"dense"` or `"lsqr"`.
    - `damping`: $\lambda \ge 0$ (Tikhonov regularisation of the scaled columns).
    - `dense_limit`: the column count up to which `"auto"` is dense.
    - `tol`, `iter_lim`: LSQR's tolerances and iteration limit.

    **Returns:** `x` and `info`: method, condition estimate of the column-scaled matrix,
    residual norm `||A x - b||`, relative residual and iterations.

    **Example:**

    >>> import scipy.sparse as sp
    >>> A = sp.csr_matrix(np.array([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]]))
    >>> x, info = solve(A, np.array([1.0, 4.0, 3.0]))
    >>> x.round(6).tolist(), info["method"], info["rel_residual"] < 1e-12
    ([1.0, 2.0], 'dense', True)
    """
    if method not in ("auto", "dense", "lsqr"):
        raise ValueError(f"unknown least-squares method '{method}'; use 'auto', 'dense' or 'lsqr'.")
    if method == "auto":
        method = "dense" if A.shape[1] <= dense_limit else "lsqr"
    norms = np.sqrt(np.asarray(A.multiply(A).sum(axis=0))).ravel()
    norms = np.where(norms > 0, norms, 1.0)
    As = A @ sp.diags(1.0 / norms)
    info: dict = {"method": method}
    if method == "dense":
        M, rhs = As.toarray(), b
        if damping > 0:
            M = np.vstack([M, np.sqrt(damping) * np.eye(M.shape[1])])
            rhs = np.concatenate([b, np.zeros(M.shape[1])])
        with blas_threads(1):
            y, cond, rank = _pivoted_qr_lstsq(M, rhs)
        info.update(condition=cond, rank=rank, iterations=1)
    else:
        out = spla.lsqr(As, b, damp=float(np.sqrt(damping)), atol=tol, btol=tol, iter_lim=iter_lim)
        y = out[0]
        info.update(condition=float(out[6]), iterations=int(out[2]), lsqr_stop=int(out[1]))
    x = y / norms
    res = float(np.linalg.norm(A @ x - b))
    info.update(residual=res, rel_residual=rel_l2_float64(A @ x, b))
    return x, info


def _pivoted_qr_lstsq(M: np.ndarray, b: np.ndarray, rtol: float = 1e-13) -> tuple[np.ndarray, float, int]:
    """Least squares by column-pivoted QR, dropping columns below `rtol` (a basic solution).

    The condition estimate is `|R_00| / |R_nn|` (pivoted QR's diagonal ratio, a lower bound
    on the 2-norm condition number; `inf` when `R` is singular to working precision).
    """
    Q, R, perm = sla.qr(M, mode="economic", pivoting=True)
    diag = np.abs(np.diag(R))
    rank = int(np.sum(diag > rtol * diag[0])) if diag[0] > 0 else 0
    y = np.zeros(M.shape[1])
    if rank:
        y[perm[:rank]] = sla.solve_triangular(R[:rank, :rank], Q[:, :rank].T @ b)
    cond = float(diag[0] / diag[-1]) if diag[-1] > 0 else float("inf")
    return y, cond, rank


def elm_solve(
    problem: AbstractProblem,
    model: ELMFBPINN,
    *,
    key: PRNGKeyArray,
    collocation: Collocation = Collocation(n_interior=2000),
    weights: dict[str, float] | None = None,
    hard_constraints: bool = False,
    nonlinear: bool = False,
    iterations: int = 20,
    method: str = "auto",
    dense_limit: int = 4000,
    warmup: bool = True,
) -> Result:
    """Fit the output weights of an ELM-FBPINN (Anderson, Dolean, Moseley & Pestana 2024).

    Linear problems: one sparse least-squares solve. `nonlinear=True`: Levenberg-Marquardt
    iterations (at most `iterations`) over the same linearised system, damping halved
    after a successful step and raised x10 after a failed one.

    The assembly and solve run in the model's precision (float64 by default, with 64-bit
    JAX enabled for this call only).

    **Returns:** a `physax._train.Result`: `model` (the solved `ELMFBPINN`), `history`
    (one record: `step` = solves, `phase`, `loss`, `rel_residual`,
    `wall_time_s`), `state` `None` (nothing to resume) and `stats`: `residual`,
    `rel_residual`, `condition` (of the column-scaled system), `method`,
    `iterations`, `gauss_newton_iterations`, `n_rows`, `n_unknowns`, `nnz`,
    `compile_time_s` (warm-up), `assembly_time_s`, `solve_time_s` and
    `wall_time_s` (pairs + assembly + solve, after compilation).

    **Example:**

    >>> osc = problems.DampedOscillator(d=2.0, omega0=80.0)
    >>> elm = ELMFBPINN(uniform(osc.domain, 20), 32, key=jax.random.key(0))
    >>> result = elm_solve(osc, elm, key=jax.random.key(1), collocation=Collocation(n_interior=2000))
    >>> result.stats["rel_residual"]
    """
    if problem.unknowns:
        raise ValueError("ELM-FBPINN solves forward problems; make every problem parameter known.")
    weights = dict(weights or {})
    with precision(model.dtype):
        skip = frozenset(problem.conditions()) if hard_constraints else frozenset()
        dtype = model.dtype
        pts = {k: np.asarray(v, dtype) for k, v in collocation.sample(problem, key, dtype, skip=skip).items()}
        regions = {name: region for name, _, region in problem_rows(problem, skip)}
        batch = {r: jnp.asarray(pts[r]) for r in set(regions.values())}
        info: dict = {}
        if warmup:
            t0 = time.perf_counter()
            pairs = {r: build_pairs(model.decomposition, pts[r]) for r in batch}
            jax.block_until_ready(_assemble(model, problem, skip, batch, pairs))
            info["compile_time_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        pairs = {r: build_pairs(model.decomposition, pts[r]) for r in batch}
        A, r = system(model, _assemble(model, problem, skip, batch, pairs), pairs, regions, weights)
        info["assembly_time_s"] = time.perf_counter() - t0
        lam, cost, it = (1e-3 if nonlinear else 0.0), float(r @ r), 0
        t1 = time.perf_counter()
        while True:
            dx, sinfo = solve(A, -r, method=method, damping=lam, dense_limit=dense_limit)
            it += 1
            trial = eqx.tree_at(
                lambda m: m.coefficients, model, model.coefficients + dx.reshape(model.coefficients.shape)
            )
            if not nonlinear:
                model = trial
                break
            A2, r2 = system(trial, _assemble(trial, problem, skip, batch, pairs), pairs, regions, weights)
            if float(r2 @ r2) < cost:
                model, A, r, lam = trial, A2, r2, lam / 2
                done = cost - float(r2 @ r2) < 1e-12 * cost or float(r2 @ r2) < 1e-28
                cost = float(r2 @ r2)
                if done:
                    break
            else:
                lam *= 10
            if it >= iterations:
                break
        info["solve_time_s"] = time.perf_counter() - t1
        info["wall_time_s"] = time.perf_counter() - t0
        info.update({k: v for k, v in sinfo.items()})
        info.update(n_rows=A.shape[0], n_unknowns=A.shape[1], nnz=int(A.nnz), gauss_newton_iterations=it)
        info["loss"] = cost if nonlinear else info["residual"] ** 2
        record = {
            "step": it,
            "phase": "lstsq",
            "loss": info["loss"],
            "rel_residual": info["rel_residual"],
            "wall_time_s": info["wall_time_s"],
        }
        return Result(model, History([record]), None, info)
