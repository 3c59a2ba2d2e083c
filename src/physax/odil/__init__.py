"""ODIL: optimise the discretised PDE directly over grid values (Karnakov, Litvinov & Koumoutsakos 2024).

`solve(problem, Grid(problem.domain, shape), optimizer=Newton())` builds the residual from the
problem's own `residual` and `conditions` with finite-difference stencils, and minimises it
with a sparse Newton method or with `physax.optim.Adam` / `physax.optim.LBFGS` on a multigrid
decomposition of the unknowns. Unknown PDE parameters are extra unknowns; observations
enter by interpolation.
"""

from ._field import node_derivative as node_derivative
from ._grid import Grid as Grid, GridSolution as GridSolution
from ._newton import Newton as Newton
from ._solve import solve as solve
from ._state import ODILDiverged as ODILDiverged, ODILState as ODILState

__all__ = ["Grid", "GridSolution", "Newton", "ODILDiverged", "ODILState", "node_derivative", "solve"]
