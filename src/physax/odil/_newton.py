r"""Newton / Gauss-Newton on the stacked ODIL residual with a sparse direct factorisation."""

from __future__ import annotations

import equinox as eqx
import numpy as np
import scipy.sparse as sps
import scipy.sparse.linalg as spla


class Newton(eqx.Module):
    r"""Newton's method on the discrete residual ``r(x) = 0`` (Gauss-Newton when over-determined).

    Each step linearises the stacked, scaled residual vector at ``x`` with its sparse
    Jacobian ``J`` (graph-coloured forward-mode JAX, see `physax.odil.solve`) and solves

    - **square systems** (forward problems: one equation per unknown) by Newton,
      $J\,\delta = -r$, with SciPy's SuperLU (`scipy.sparse.linalg.splu`, COLAMD
      ordering). Factorising ``J`` itself keeps the conditioning of the discretisation
      (the normal equations would square it), and SuperLU ships with SciPy, so no extra
      dependency; SciPy has no sparse Cholesky.
    - **over-determined systems** (inverse problems, data assimilation) by Levenberg-Marquardt
      on the normal equations $(J^T J + \mu\,\mathrm{diag}(J^T J))\,\delta = -J^T r$, again
      factorised by SuperLU (symmetric-mode, minimum-degree ordering on $A^T + A$): the
      normal matrix is small (the unknowns') and as sparse as a 2-d stencil.
    - **inverse problems** whose PDE and condition rows are square in the grid values (a
      well-posed forward problem plus data): reduced-space Gauss-Newton, the field
      eliminated by a forward Newton solve and the parameters updated from the
      sensitivities $-S_u^{-1} S_\theta$ (see `physax.odil._reduced`).
    - **data assimilation** (a time-dependent problem with data and without its initial
      condition): the same reduced-space Gauss-Newton with the free nodes of the first
      level as the controls (one block forward substitution with a right-hand side per
      control gives all sensitivities) and the ``smooth`` rows as their prior.

    Time-dependent square systems are block lower triangular in time; their Newton step is
    block forward substitution with one SuperLU factorisation per time level (linear cost in
    the levels, see `physax.odil._blocks`).

    A step is accepted when the loss $|r|^2$ decreases. A Newton step that does not
    is halved (backtracking, at most `max_backtracks` times) and then replaced by a
    Levenberg-Marquardt step, itself halved up to four times before the damping $\mu$ is
    multiplied by 10; $\mu$ is divided by 10 after a full LM step is accepted. The method stops after `steps`
    steps or when the step is below `tol` relative to the unknowns.

    **Arguments:**

    - `steps`: the most Newton steps.
    - `damping`: the first Levenberg-Marquardt damping $\mu$ (relative to the diagonal).
    - `tol`: stop when $\|\delta\|_\infty \le$ `tol` $(1 + \|x\|_\infty)$ (in the reduced
      space also when a step lowers the data misfit by less than `tol` times itself).
    - `max_backtracks`: halvings of a Newton step before falling back to LM.

    **Example:** the cosine ODE $u' = \cos x$ is linear, so the first step solves the
    discrete system; the remaining error is the discretisation's (33 nodes).

    >>> problem = CosineODE(omega=1.0)
    >>> result = solve(problem, Grid(problem.domain, (33,)), optimizer=Newton(steps=2))
    >>> bool(result.history[-1]["loss"] < 1e-20), round(result.history[-1]["rel_l2"], 3)
    (True, 0.014)
    """

    steps: int = 20
    damping: float = 1e-6
    tol: float = 1e-12
    max_backtracks: int = 6

    def __check_init__(self):
        if self.steps < 0 or self.max_backtracks < 0:
            raise ValueError(f"Newton needs steps >= 0 and max_backtracks >= 0, got {self.steps}.")
        if not (self.damping >= 0 and self.tol >= 0):
            raise ValueError("Newton needs damping >= 0 and tol >= 0.")


def newton_direction(J: sps.csr_matrix, r: np.ndarray) -> np.ndarray | None:
    """The Newton step ``-J^{-1} r`` of a square system, or ``None`` if ``J`` is singular."""
    try:
        lu = spla.splu(J.tocsc(), permc_spec="COLAMD")
    except RuntimeError:  # exactly singular
        return None
    step = -lu.solve(r)
    return step if np.all(np.isfinite(step)) else None


class NormalEquations:
    """``J^T J`` and ``J^T r`` once per step; `solve(mu)` factorises the damped system."""

    def __init__(self, J: sps.csr_matrix, r: np.ndarray):
        self.A = (J.T @ J).tocsc()
        self.g = J.T @ r
        d = self.A.diagonal()
        self.d = np.where(d > 0, d, max(float(d.max(initial=0.0)), 1.0) * 1e-12)

    def solve(self, mu: float) -> np.ndarray | None:
        A = self.A + sps.diags(mu * self.d, format="csc")
        try:
            lu = spla.splu(
                A, permc_spec="MMD_AT_PLUS_A", diag_pivot_thresh=0.0, options={"SymmetricMode": True}
            )
        except RuntimeError:
            return None
        step = -lu.solve(self.g)
        return step if np.all(np.isfinite(step)) else None
