"""Multi-scale test problems from the FBPINN papers: cosine ODE, damped oscillator, multiscale Laplace."""

from __future__ import annotations

import math

import jax.numpy as jnp
import numpy as np

from ..geometry import Box, Interval
from ._condition import Condition, dirichlet
from ._parameter import Parameter
from ._problem import AbstractProblem


class CosineODE(AbstractProblem):
    r"""``du/dx = cos(omega x)`` on ``x in [-2 pi, 2 pi]`` with ``u(0) = 0``; exact ``sin(omega x) / omega``.

    The first problem of Moseley, Markham & Nissen-Meyer (2023): with ``omega = 15`` a plain
    PINN fails (spectral bias) while an FBPINN of 30 small subdomain networks succeeds. The
    residual is scaled by ``1 / omega`` (same solution, O(1) loss). ``u(0) = 0`` is in the
    interior, so the soft form imposes the (consistent) end values ``u(+-2 pi) = sin(+-2 pi omega)/omega``;
    the hard constraint used by the paper is ``u = tanh(omega x) N(x)``.
    """

    domain: Box
    parameters: dict[str, Parameter]

    def __init__(self, omega: Parameter | float = 15.0):
        self.domain = Interval(-2 * math.pi, 2 * math.pi)
        self.parameters = {"omega": omega if isinstance(omega, Parameter) else Parameter(float(omega))}

    def residual(self, u, params):
        w = params["omega"]
        return (u.d("x") - jnp.cos(w * u.coord("x"))) / w

    def conditions(self) -> dict[str, Condition]:
        w = self.parameters["omega"].value
        return {"bc": dirichlet(lambda z: jnp.sin(w * z[0]) / w)}

    def hard_constraint(self):
        w = self.parameters["omega"].value
        return lambda z, n: jnp.tanh(w * z[0]) * n

    def exact(self, points):
        w = self.parameters["omega"].value
        return np.sin(w * points[:, 0]) / w

    def reference_axes(self):
        return (("x", np.linspace(-2 * math.pi, 2 * math.pi, 5000)),)


class DampedOscillator(AbstractProblem):
    r"""``u'' + 2 d u' + omega0^2 u = 0`` on ``t in [0, 1]``, ``u(0) = 1``, ``u'(0) = 0``.

    Under-damped (``d < omega0``); exact ``e^{-d t} (cos(w t) + (d / w) sin(w t))`` with
    ``w = sqrt(omega0^2 - d^2)``. With ``d = 2, omega0 = 80`` it is the FBPINN / ELM-FBPINN
    benchmark (Anderson, Dolean, Moseley & Pestana 2024). The residual is divided by
    ``omega0^2`` (same solution, O(1) scale). The initial conditions live on the boundary
    region (points at ``t = 0`` and ``t = 1``), masked to ``t = 0``; the hard constraint is
    ``u = 1 + tanh(omega0 t / 2)^2 N(t)`` (value and slope exact at ``t = 0``).
    """

    domain: Box
    parameters: dict[str, Parameter]

    def __init__(self, d: Parameter | float = 2.0, omega0: Parameter | float = 80.0):
        self.domain = Interval(0.0, 1.0, "t")
        as_p = lambda v: v if isinstance(v, Parameter) else Parameter(float(v))
        self.parameters = {"d": as_p(d), "omega0": as_p(omega0)}
        if not 0 <= self.parameters["d"].value < self.parameters["omega0"].value:
            raise ValueError("DampedOscillator is under-damped only: needs 0 <= d < omega0.")

    def residual(self, u, params):
        d, w0 = params["d"], params["omega0"]
        return u.d("t", "t") / w0**2 + 2 * d * u.d("t") / w0**2 + u()

    def conditions(self) -> dict[str, Condition]:
        w0 = self.parameters["omega0"].value
        at0 = lambda u: u.coord("t") < 0.5
        return {
            "ic": Condition("boundary", lambda u, p: jnp.where(at0(u), u() - 1.0, 0.0)),
            "ic_velocity": Condition("boundary", lambda u, p: jnp.where(at0(u), u.d("t") / w0, 0.0)),
        }

    def hard_constraint(self):
        w0 = self.parameters["omega0"].value
        return lambda z, n: 1.0 + jnp.tanh(w0 * z[0] / 2) ** 2 * n

    def exact(self, points):
        d, w0 = self.parameters["d"].value, self.parameters["omega0"].value
        w = math.sqrt(w0**2 - d**2)
        t = points[:, 0]
        return np.exp(-d * t) * (np.cos(w * t) + d / w * np.sin(w * t))

    def reference_axes(self):
        return (("t", np.linspace(0.0, 1.0, 2000)),)


class MultiscaleLaplace(AbstractProblem):
    r"""``-(u_xx + u_yy) = f`` on ``[0, 1]^2``, ``u = 0`` on the boundary, with the multiscale solution

    .. math:: u = \frac{1}{n} \sum_{i=1}^{n} \sin(2^i \pi x) \sin(2^i \pi y)

    (Dolean, Heinlein, Mishra & Moseley 2024). The residual is divided by ``(2^n pi)^2``; the
    hard constraint multiplies by ``tanh(k x) tanh(k (1 - x)) tanh(k y) tanh(k (1 - y))``, ``k = 2^n pi``.
    """

    domain: Box
    parameters: dict[str, Parameter]
    n: int

    def __init__(self, n: int = 4):
        if int(n) < 1:
            raise ValueError(f"MultiscaleLaplace needs n >= 1 scales, got {n}.")
        self.domain = Box((0.0, 0.0), (1.0, 1.0))
        self.parameters = {}
        self.n = int(n)

    def _u(self, x, y, lib=jnp):
        return (
            sum(lib.sin(2**i * math.pi * x) * lib.sin(2**i * math.pi * y) for i in range(1, self.n + 1))
            / self.n
        )

    def residual(self, u, params):
        x, y = u.coord("x"), u.coord("y")
        f = (
            sum(
                2 * (2**i * math.pi) ** 2 * jnp.sin(2**i * math.pi * x) * jnp.sin(2**i * math.pi * y)
                for i in range(1, self.n + 1)
            )
            / self.n
        )
        return (u.d("x", "x") + u.d("y", "y") + f) / (2**self.n * math.pi) ** 2

    def conditions(self) -> dict[str, Condition]:
        return {"bc": dirichlet(lambda z: jnp.zeros((), z.dtype))}

    def hard_constraint(self):
        # tanh ramps of the finest scale's width: ~1 away from the boundary, so the network
        # output stays O(1) (a polynomial bubble would demand outputs ~16x larger)
        k = 2**self.n * math.pi
        t = jnp.tanh
        return lambda z, n: t(k * z[0]) * t(k * (1 - z[0])) * t(k * z[1]) * t(k * (1 - z[1])) * n

    def exact(self, points):
        return self._u(points[:, 0], points[:, 1], np)
