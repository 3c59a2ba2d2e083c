"""Viscous Burgers' equation, forward and inverse (Raissi, Perdikaris & Karniadakis 2019)."""

from __future__ import annotations

import math

import jax.numpy as jnp
import numpy as np

from ..geometry import Interval, TimeXSpace
from ..solvers import burgers_cole_hopf, spectral as sp
from ._classical import SpectralProblem
from ._condition import Condition, dirichlet, initial
from ._parameter import Parameter


class Burgers(SpectralProblem):
    r"""Viscous Burgers' equation $u_t + \lambda_1 u u_x - \lambda_2 u_{xx} = 0$ on $[-1, 1] \times [0, 1]$.

    $u(0, x) = -\sin(\pi x)$, $u(t, \pm 1) = 0$; the true coefficients are $\lambda_1 = 1$,
    $\lambda_2 = 0.01/\pi$. A shock forms near $x = 0$ at $t \approx 0.3$. The reference is
    exact: the Cole-Hopf transform evaluated by quadrature in float64
    (`physax.solvers.burgers_cole_hopf`) on the 256 ($x$) by 100 ($t$) grid of Raissi,
    Perdikaris & Karniadakis (2019). The classical solution (`classical`) is pseudo-spectral
    ETDRK on the periodic $[-1, 1)$: the odd initial state keeps $u(t, \pm 1) = 0$, so it
    solves the Dirichlet problem.

    **Arguments:**

    - `lambda1`: the convective coefficient $\lambda_1$.
    - `lambda2`: the viscosity $\lambda_2 > 0$ (floats or `Parameter`s; make them trainable
      to identify them from data).

    **Example:** the inverse problem, both coefficients unknown, started from
    $\lambda_1 = 0$ and $\lambda_2 = e^{-6}$ (the viscosity trained on a log scale).

    >>> p = Burgers(lambda1=Parameter(1.0, trainable=True, init=0.0),
    ...             lambda2=Parameter(0.01 / math.pi, trainable=True, init=math.exp(-6), positive=True))
    >>> sorted(p.unknowns), p.init_theta()["lambda2"]
    (['lambda1', 'lambda2'], Array(-6., dtype=float32))
    """

    domain: TimeXSpace
    parameters: dict[str, Parameter]

    def __init__(self, lambda1: Parameter | float = 1.0, lambda2: Parameter | float = 0.01 / math.pi):
        self.domain = TimeXSpace(Interval(-1.0, 1.0), 0.0, 1.0)
        p1 = lambda1 if isinstance(lambda1, Parameter) else Parameter(float(lambda1))
        p2 = lambda2 if isinstance(lambda2, Parameter) else Parameter(float(lambda2), positive=True)
        if p2.value <= 0:
            raise ValueError(f"Burgers needs a positive viscosity lambda2, got {p2.value}.")
        self.parameters = {"lambda1": p1, "lambda2": p2}

    def residual(self, u, params):
        return u.d("t") + params["lambda1"] * u() * u.d("x") - params["lambda2"] * u.d("x", "x")

    def conditions(self) -> dict[str, Condition]:
        return {
            "ic": initial(lambda z: -jnp.sin(jnp.pi * z[1])),
            "bc": dirichlet(lambda z: jnp.zeros((), z.dtype)),
        }

    def hard_constraint(self):
        return lambda z, n: -jnp.sin(jnp.pi * z[1]) + z[0] * (1 - z[1] ** 2) * n

    def exact(self, points: np.ndarray) -> np.ndarray:
        lam1, lam2 = self.parameters["lambda1"].value, self.parameters["lambda2"].value
        if lam1 == 0:
            return -np.sin(np.pi * points[:, 1]) * np.exp(-lam2 * np.pi**2 * points[:, 0])
        # v = lambda1 u solves v_t + v v_x = lambda2 v_xx with v(0, x) = -lambda1 sin(pi x)
        return burgers_cole_hopf(points[:, 0], points[:, 1], lam2, amplitude=lam1) / lam1

    def _spectral_pde(self):
        lam1, lam2 = self.parameters["lambda1"].value, self.parameters["lambda2"].value
        return sp.Burgers(nu=lam2, b=lam1)

    def _initial_state(self, grid, x, dtype):
        return (-jnp.sin(jnp.pi * x[0]))[None]

    def reference_axes(self):
        return (("t", np.linspace(0.0, 1.0, 100)), ("x", np.linspace(-1.0, 1.0, 256)))
