r"""Weak forms from a problem's own residual and conditions (read off by `linear_coefficients`).

A linear second-order residual in the space coordinates ``x_1..x_d`` (and, for evolution
problems, first order in ``t``),

$$r(u) = a_t u_t + \sum_{ij} A_{ij} \partial_i \partial_j u + \sum_i b_i \partial_i u + c u + r_0,$$

becomes, after multiplying by a test function ``v`` that vanishes on the Dirichlet boundary
and integrating by parts (``A`` constant),

$$a_t (u_t, v) + B(u, v) = -(r_0, v), \qquad
  B(u, v) = -\int A \nabla u \cdot \nabla v + \int (b \cdot \nabla u + c u) v .$$
"""

from __future__ import annotations

import numpy as np
import skfem

from ._mesh import quadrature_points
from ._probe import NotApplicable, linear_coefficients


class Operator:
    """The spatial operator of a linear residual: constant ``A``, variable ``b``, ``c``; ``a_t``."""

    def __init__(self, coeffs: dict, space: tuple[str, ...], name: str):
        allowed = {()} | {(s,) for s in space} | {tuple(sorted((a, b))) for a in space for b in space}
        if "t" in {c for k in coeffs for c in k}:
            allowed |= {("t",)}
        extra = sorted(set(coeffs) - allowed)
        if extra:
            raise NotApplicable(
                f"{name} uses derivatives {', '.join(''.join(k) for k in extra)}: the FEM adapter "
                "covers second order in space and first order in time."
            )
        d = len(space)
        self.A = np.zeros((d, d))
        for i, a in enumerate(space):
            for j, b in enumerate(space):
                key = tuple(sorted((a, b)))
                if key in coeffs:
                    val = coeffs[key]
                    if np.ptp(val) > 1e-12 * (1 + np.max(np.abs(val))):
                        raise NotApplicable(
                            f"{name} has a variable second-order coefficient (not in divergence form)."
                        )
                    self.A[i, j] = val[0] if i == j else val[0] / 2
        if not np.any(self.A):
            raise NotApplicable(
                f"{name} has no second derivative in space: not an elliptic or heat-type problem."
            )
        if np.any(np.linalg.eigvalsh(self.A) * np.sign(self.A.trace()) <= 0):
            raise NotApplicable(f"{name} is not elliptic in space (its second-order part is not definite).")
        self.b = [coeffs.get((s,)) for s in space]
        self.c = coeffs.get(())
        at = coeffs.get(("t",))
        self.a_t = None if at is None else float(at[0])
        if at is not None and (np.ptp(at) > 1e-12 * (1 + abs(at[0])) or at[0] == 0):
            raise NotApplicable(f"{name} has a variable or zero coefficient of u_t.")

    def stiffness(self, b: skfem.CellBasis):
        """The matrix of ``B(u, v)`` (see the module docstring)."""
        d, A = self.A.shape[0], self.A
        fields = {}
        if self.c is not None and np.any(self.c):
            fields["c"] = self.c.reshape(b.nelems, -1)
        for i, bi in enumerate(self.b):
            if bi is not None and np.any(bi):
                fields[f"b{i}"] = bi.reshape(b.nelems, -1)

        @skfem.BilinearForm
        def form(u, v, w):
            out = 0.0 * u * v
            for i in range(d):
                for j in range(d):
                    if A[i, j] != 0:
                        out = out - A[i, j] * u.grad[j] * v.grad[i]
                if f"b{i}" in fields:
                    out = out + getattr(w, f"b{i}") * u.grad[i] * v
            if "c" in fields:
                out = out + w.c * u * v
            return out

        return skfem.asm(form, b, **fields)


def load_vector(b: skfem.CellBasis, r0: np.ndarray) -> np.ndarray:
    """``F_k = -(r_0, v_k)`` for ``r_0`` given at the quadrature points of `b`."""

    @skfem.LinearForm
    def form(v, w):
        return -w.f * v

    return skfem.asm(form, b, f=np.asarray(r0).reshape(b.nelems, -1))


def mass(b: skfem.CellBasis):
    @skfem.BilinearForm
    def form(u, v, w):
        return u * v

    return skfem.asm(form, b)


def params_of(problem) -> dict[str, float]:
    return {k: p.value for k, p in problem.parameters.items()}


def spatial_operator(problem, b: skfem.CellBasis, at_time: float | None = None):
    """`Operator` and ``r_0`` at the quadrature points of `b` (at time `at_time` if given)."""
    qp = quadrature_points(b)
    if at_time is not None:
        qp = np.column_stack([np.full(len(qp), at_time), qp])
    coeffs, r0 = linear_coefficients(
        problem.residual,
        problem.domain.coords,
        qp,
        params_of(problem),
        name=f"the residual of {problem.name}",
    )
    space = tuple(c for c in problem.domain.coords if c != "t")
    return Operator(coeffs, space, f"the residual of {problem.name}"), coeffs, r0


def condition_values(problem, region: str, points: np.ndarray, conditions: dict | None = None) -> np.ndarray:
    """Values ``g`` of the Dirichlet condition ``u = g`` on `region` at ``(n, d)`` points."""
    conditions = problem.conditions() if conditions is None else conditions
    conds = {k: c for k, c in conditions.items() if c.region == region}
    if len(conds) != 1:
        raise NotApplicable(
            f"{problem.name} has {len(conds)} '{region}' conditions; the FEM adapter needs exactly one "
            "Dirichlet condition there."
        )
    ((name, cond),) = conds.items()
    coeffs, r0 = linear_coefficients(
        cond.residual, problem.domain.coords, points, params_of(problem), name=f"condition '{name}'"
    )
    if set(coeffs) != {()} or np.any(coeffs[()] == 0):
        raise NotApplicable(f"condition '{name}' of {problem.name} is not of Dirichlet type u = g.")
    return -r0 / coeffs[()]
