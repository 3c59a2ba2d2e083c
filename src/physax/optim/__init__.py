"""Optimisers for training: each a phase object with ``init`` and ``step`` (Optax-style).

Adam and L-BFGS (through Optax), dense BFGS / self-scaled BFGS / self-scaled Broyden,
Levenberg-Marquardt (Gauss-Newton) on residual vectors, and Newton-CG.
"""

from ._base import AbstractOptimiser as AbstractOptimiser, Objective as Objective
from ._config import LBFGS as LBFGS, Adam as Adam
from ._levenberg import LevenbergMarquardt as LevenbergMarquardt, LMState as LMState
from ._newton_cg import NewtonCG as NewtonCG
from ._quasi_newton import (
    BFGS as BFGS,
    SSBFGS as SSBFGS,
    QuasiNewtonState as QuasiNewtonState,
    SSBroyden as SSBroyden,
    update_inverse_hessian as update_inverse_hessian,
)
