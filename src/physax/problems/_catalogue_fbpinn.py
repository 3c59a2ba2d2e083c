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
    r"""The cosine ODE $u'(x) = \cos(\omega x)$ on $[-2\pi, 2\pi]$ with $u(0) = 0$.

    The exact solution is $u = \sin(\omega x) / \omega$. It is the first problem of Moseley,
    Markham & Nissen-Meyer (2023, "Finite basis physics-informed neural networks"): with
    $\omega = 15$ a plain PINN fails (spectral bias) while an FBPINN of 30 small subdomain
    networks succeeds. The residual is scaled by $1 / \omega$ (same solution, $O(1)$ loss).
    $u(0) = 0$ lies inside the domain, so the soft form imposes the consistent end values
    $u(\pm 2\pi) = \sin(\pm 2\pi\omega) / \omega$; the hard constraint is the paper's
    $u = \tanh(\omega x)\, N(x)$.

    **Arguments:**

    - `omega`: the frequency $\omega$ (a float or a `Parameter`).

    **Example:** the exact solution has a zero residual.

    >>> problem = CosineODE(omega=15.0)
    >>> exact = lambda z: jnp.sin(15.0 * z[0]) / 15.0
    >>> x = jnp.linspace(-6.0, 6.0, 9)[:, None]
    >>> params = problem.resolve({})
    >>> r = eqx.filter_jit(pointwise_residual)(problem, exact, problem.residual, x, params)
    >>> bool(jnp.abs(r).max() < 1e-5)
    True
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
    r"""The damped harmonic oscillator $u'' + 2d\,u' + \omega_0^2 u = 0$ on $t \in [0, 1]$.

    Started at $u(0) = 1$, $u'(0) = 0$ and under-damped ($d < \omega_0$), its exact solution
    is $u = e^{-dt}\big(\cos(\omega t) + \tfrac{d}{\omega}\sin(\omega t)\big)$ with
    $\omega = \sqrt{\omega_0^2 - d^2}$. With $d = 2$, $\omega_0 = 80$ it is the FBPINN /
    ELM-FBPINN benchmark (Anderson, Dolean, Moseley & Pestana 2024). The residual is divided
    by $\omega_0^2$ (same solution, $O(1)$ scale). The initial conditions live on the boundary
    region (points at $t = 0$ and $t = 1$), masked to $t = 0$; the hard constraint is
    $u = 1 + \tanh(\omega_0 t / 2)^2 N(t)$ (value and slope exact at $t = 0$).

    **Arguments:**

    - `d`: the damping $d \ge 0$.
    - `omega0`: the natural frequency $\omega_0 > d$ (floats or `Parameter`s; make them
      trainable to identify them from data).

    **Example:** `exact` is the closed form above; it starts at 1 and oscillates as it decays.

    >>> problem = DampedOscillator(d=2.0, omega0=80.0)
    >>> problem.exact(np.array([[0.0], [0.5], [1.0]])).round(3)
    array([ 1.   , -0.235, -0.022])
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
    r"""The multiscale Poisson problem $-\Delta u = f$ on $[0, 1]^2$ with $u = 0$ on the boundary.

    $f$ is manufactured so that the solution has $n$ scales,

    $$u = \frac{1}{n} \sum_{i=1}^{n} \sin(2^i \pi x) \sin(2^i \pi y)$$

    (Dolean, Heinlein, Mishra & Moseley 2024, multilevel FBPINNs). The residual is divided
    by $(2^n \pi)^2$; the hard constraint multiplies the network by
    $\tanh(kx)\tanh(k(1 - x))\tanh(ky)\tanh(k(1 - y))$, $k = 2^n \pi$.

    **Arguments:**

    - `n`: the number of scales ($n \ge 1$; the finest wavelength is $2^{1-n}$).

    **Example:** the exact solution has a zero residual.

    >>> problem = MultiscaleLaplace(n=2)
    >>> exact = lambda z: (jnp.sin(2 * jnp.pi * z[0]) * jnp.sin(2 * jnp.pi * z[1])
    ...                    + jnp.sin(4 * jnp.pi * z[0]) * jnp.sin(4 * jnp.pi * z[1])) / 2
    >>> z = jax.random.uniform(jax.random.key(0), (8, 2))
    >>> params = problem.resolve({})
    >>> r = eqx.filter_jit(pointwise_residual)(problem, exact, problem.residual, z, params)
    >>> bool(jnp.abs(r).max() < 1e-5)
    True
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
