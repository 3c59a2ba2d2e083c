"""Finite elements (P1/P2 Lagrange, scikit-fem) for linear elliptic and heat-type problems.

`solve(problem, n=..., order=2)` builds the weak form from the problem's own residual and
conditions and returns the solution on the problem's reference grid, so it is scored
against the same exact solution as the PINNs. Importing this module imports scikit-fem
(about a second), so ``physax.solvers`` loads it only on first use.
"""

from ._mesh import box_mesh as box_mesh, evaluation_matrix as evaluation_matrix
from ._probe import NotApplicable as NotApplicable, linear_coefficients as linear_coefficients
from ._solve import FEMSolution as FEMSolution, solve as solve
