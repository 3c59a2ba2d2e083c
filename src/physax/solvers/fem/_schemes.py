"""The two discretisations: a steady Galerkin solve and the θ-scheme in time."""

from __future__ import annotations

import math

import numpy as np
import scipy.sparse as sps
import scipy.sparse.linalg as spla
import skfem

from ._forms import condition_values, load_vector, mass, params_of, spatial_operator
from ._mesh import quadrature_points
from ._probe import NotApplicable, linear_coefficients


def steady(problem, b: skfem.CellBasis) -> tuple[np.ndarray, dict]:
    """Galerkin solution of ``B(u, v) = -(r_0, v)`` with ``u = g`` on the boundary; nodal values."""
    op, _, r0 = spatial_operator(problem, b)
    K = op.stiffness(b)
    F = load_vector(b, r0)
    D = b.get_dofs().all()
    x = np.zeros(b.N)
    x[D] = condition_values(problem, "boundary", b.doflocs[:, D].T)
    A, f, u, interior = skfem.condense(K, F, x=x, D=D)
    sol = _lu(A).solve(f)
    if np.linalg.norm(A @ sol - f) > 1e-8 * max(np.linalg.norm(f), 1e-300):  # diagonal pivots failed
        sol = spla.splu(sps.csc_matrix(A), permc_spec="MMD_AT_PLUS_A").solve(f)
    u[interior] = sol
    return u, {"nnz": int(K.nnz)}


def _lu(A):
    """Sparse LU (SuperLU): minimum-degree ordering of ``A + A^T`` and diagonal pivots first.

    The FEM matrices here are symmetric (the Galerkin forms of symmetric operators) or
    nearly so, so SuperLU's symmetric mode keeps the fill of a Cholesky-like ordering.
    """
    return spla.splu(
        sps.csc_matrix(A), permc_spec="MMD_AT_PLUS_A", diag_pivot_thresh=0.0, options={"SymmetricMode": True}
    )


def _targets(times: np.ndarray, t0: float, dt: float) -> list[tuple[float, int]]:
    """(target time, substeps) per output time; equal substeps no longer than `dt` in between."""
    out, prev = [], t0
    for t in times:
        if t < prev - 1e-12:
            raise ValueError("output times must be increasing and not before the initial time.")
        m = 0 if t - prev <= 1e-12 else max(1, math.ceil((t - prev) / dt - 1e-9))
        out.append((float(t), m))
        prev = float(t)
    return out


def theta_scheme(problem, b: skfem.CellBasis, times: np.ndarray, *, dt: float, theta: float):
    r"""March ``a_t M u' + K u = F(t)`` with the θ-scheme; nodal values at each of `times`.

    $$(a_t M + \theta \tau K) u^{n+1} = (a_t M - (1 - \theta) \tau K) u^n
      + \tau (\theta F^{n+1} + (1 - \theta) F^n),$$

    with the Dirichlet values imposed at each new time level. ``θ = 1/2`` is Crank–Nicolson
    (second order), ``θ = 1`` backward Euler (first order); both are unconditionally stable.
    """
    t0 = float(problem.domain.lo[0])
    op, coeffs, r0_first = spatial_operator(problem, b, at_time=t0)
    if op.a_t is None:
        raise NotApplicable(f"{problem.name}'s residual has no u_t term: not a heat-type problem.")
    if np.sign(op.A.trace()) == np.sign(op.a_t):
        raise NotApplicable(f"{problem.name} is a backward heat equation (ill-posed forward in time).")
    t1 = float(problem.domain.hi[0])
    _, coeffs_end, _ = spatial_operator(problem, b, at_time=t1)
    for k, v in coeffs.items():
        if np.max(np.abs(coeffs_end[k] - v)) > 1e-12 * (1 + np.max(np.abs(v))):
            raise NotApplicable(
                f"{problem.name}'s operator changes in time; the θ-scheme here needs it fixed."
            )
    K = op.stiffness(b)  # a_t (u', v) = -B(u, v) - (r0, v)  <=>  a_t M u' + K u = F
    M = op.a_t * mass(b)
    plan = _targets(np.asarray(times, np.float64), t0, dt)
    levels = [t0]
    for t, m in plan:
        levels += list(np.linspace(levels[-1], t, m + 1)[1:])
    levels = np.asarray(levels)
    # the constant part r0(t) and the boundary values g(t) at every time level, in one probe each
    qp = quadrature_points(b)
    r0 = None
    if np.any(r0_first) or _varies(problem, qp, levels):
        pts = np.column_stack([np.repeat(levels, len(qp)), np.tile(qp, (len(levels), 1))])
        _, r0_all = linear_coefficients(problem.residual, problem.domain.coords, pts, params_of(problem))
        r0 = r0_all.reshape(len(levels), -1)
    D = b.get_dofs().all()
    free = np.setdiff1d(np.arange(b.N), D)
    bpts = b.doflocs[:, D].T
    conds = problem.conditions()
    g = condition_values(
        problem,
        "boundary",
        np.column_stack([np.repeat(levels, len(D)), np.tile(bpts, (len(levels), 1))]),
        conds,
    ).reshape(len(levels), len(D))
    u = condition_values(problem, "initial", np.column_stack([np.full(b.N, t0), b.doflocs.T]), conds)
    F = (lambda n: load_vector(b, r0[n])) if r0 is not None else (lambda n: np.zeros(b.N))
    out, level, factor = [], 0, {}
    F_now = F(0)
    for _t, m in plan:
        for _ in range(m):
            tau = levels[level + 1] - levels[level]
            key = round(tau, 14)
            if key not in factor:
                left = (M + theta * tau * K).tocsr()
                factor[key] = (_lu(left[free][:, free]), left[free][:, D], (M - (1 - theta) * tau * K))
            lu, left_ID, right = factor[key]
            F_next = F(level + 1)
            rhs = right @ u + tau * (theta * F_next + (1 - theta) * F_now)
            new = np.empty_like(u)
            new[D] = g[level + 1]
            new[free] = lu.solve(rhs[free] - left_ID @ new[D])
            u, F_now, level = new, F_next, level + 1
        out.append(u)
    return np.stack(out), {"steps": int(len(levels) - 1), "factorisations": len(factor)}


def _varies(problem, qp, levels) -> bool:
    """Whether r0 is nonzero at the middle or last time level (it was zero at the first)."""
    for t in (levels[len(levels) // 2], levels[-1]):
        pts = np.column_stack([np.full(len(qp), t), qp])
        _, r0 = linear_coefficients(problem.residual, problem.domain.coords, pts, params_of(problem))
        if np.any(r0):
            return True
    return False
