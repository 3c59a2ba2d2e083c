"""The 1-d heat equation with an analytic solution, forward and inverse for the diffusivity."""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from ..geometry import Interval, TimeXSpace
from ._condition import Condition, dirichlet, initial
from ._parameter import Parameter
from ._problem import AbstractProblem


class Heat1D(AbstractProblem):
    r"""The heat equation $u_t = k\,u_{xx}$ on $[0, L] \times [0, T]$ with $u(t, 0) = u(t, L) = 0$.

    The initial condition is a sine series $u(0, x) = \sum_m a_m \sin(m\pi x / L)$; each mode
    decays at its own rate, so the exact solution is
    $u = \sum_m a_m \sin(m\pi x / L)\, e^{-k (m\pi / L)^2 t}$.

    **Arguments:**

    - `k`: the diffusivity $k > 0$ (a float or a `Parameter`; make it trainable for the
      inverse problem).
    - `modes`: `(m, a_m)` pairs of the initial sine series.
    - `length`, `t_end`: the domain's extents $L$ and $T$.

    **Example:**

    >>> problem = Heat1D(k=0.1)
    >>> problem.domain.coords, sorted(problem.conditions())
    (('t', 'x'), ['bc', 'ic'])
    >>> problem.exact(np.array([[0.0, 0.5]]))  # sin(pi / 2) + 0.5 sin(3 pi / 2)
    array([0.5])
    """

    domain: TimeXSpace
    parameters: dict[str, Parameter]
    modes: tuple[tuple[int, float], ...]
    length: float

    def __init__(
        self,
        k: Parameter | float = 0.1,
        modes: tuple[tuple[int, float], ...] = ((1, 1.0), (3, 0.5)),
        length: float = 1.0,
        t_end: float = 1.0,
    ):
        pk = k if isinstance(k, Parameter) else Parameter(float(k), positive=True)
        if pk.value <= 0:
            raise ValueError(f"Heat1D needs a positive diffusivity k, got {pk.value}.")
        if not modes or any(int(m) < 1 for m, _ in modes):
            raise ValueError("Heat1D modes must be (m, amplitude) pairs with integer m >= 1.")
        self.domain = TimeXSpace(Interval(0.0, length), 0.0, t_end)
        self.parameters = {"k": pk}
        self.modes = tuple((int(m), float(a)) for m, a in modes)
        self.length = float(length)

    def residual(self, u, params):
        return u.d("t") - params["k"] * u.d("x", "x")

    def _initial(self, x):
        return sum(a * jnp.sin(m * jnp.pi * x / self.length) for m, a in self.modes)

    def conditions(self) -> dict[str, Condition]:
        return {
            "ic": initial(lambda z: self._initial(z[1])),
            "bc": dirichlet(lambda z: jnp.zeros((), z.dtype)),
        }

    def hard_constraint(self):
        L = self.length
        return lambda z, n: self._initial(z[1]) + z[0] * z[1] * (L - z[1]) / L**2 * n

    def exact(self, points: np.ndarray) -> np.ndarray:
        t, x = points[:, 0], points[:, 1]
        k, L = self.parameters["k"].value, self.length
        return sum(
            a * np.sin(m * np.pi * x / L) * np.exp(-k * (m * np.pi / L) ** 2 * t) for m, a in self.modes
        )

    def reference_axes(self):
        d = self.domain
        return (("t", np.linspace(d.t0, d.t1, 101)), ("x", np.linspace(0.0, self.length, 129)))
