"""Linear catalogue problems with exact solutions: advection, 1-d wave, 2-d Poisson and Helmholtz."""

from __future__ import annotations

import functools
import math

import jax
import jax.numpy as jnp
import numpy as np

from ..geometry import Box, Interval, TimeXSpace
from ..solvers import spectral as sp
from ._classical import SpectralProblem, substeps
from ._condition import Condition, dirichlet, initial
from ._parameter import Parameter
from ._problem import AbstractProblem


def _param(p, positive=False) -> Parameter:
    return p if isinstance(p, Parameter) else Parameter(float(p), positive=positive)


class Advection1D(SpectralProblem):
    r"""``u_t + beta u_x = 0`` on ``x in [0, 2 pi)`` (periodic), ``t in [0, 1]``, ``u(0, x) = sin x``.

    Exact: ``sin(x - beta t)``. With ``beta = 30`` plain PINNs fail to train (Krishnapriyan et
    al. 2021): the classic "failure mode" benchmark. Periodicity in ``x`` is built into the
    network (``periodic``), so only the initial condition is a loss term.
    """

    domain: TimeXSpace
    parameters: dict[str, Parameter]

    def __init__(self, beta: Parameter | float = 30.0):
        self.domain = TimeXSpace(Interval(0.0, 2 * math.pi), 0.0, 1.0)
        self.parameters = {"beta": _param(beta)}

    @property
    def periodic(self) -> dict[str, float]:
        return {"x": 2 * math.pi}

    def residual(self, u, params):
        return u.d("t") + params["beta"] * u.d("x")

    def conditions(self) -> dict[str, Condition]:
        return {"ic": initial(lambda z: jnp.sin(z[1]))}

    def hard_constraint(self):
        return lambda z, n: jnp.sin(z[1]) + z[0] * n

    def exact(self, points):
        return np.sin(points[:, 1] - self.parameters["beta"].value * points[:, 0])

    def _spectral_pde(self):
        return sp.Advection(velocity=self.parameters["beta"].value)

    def _initial_state(self, grid, x, dtype):
        return jnp.sin(x[0])[None]


class Wave1D(AbstractProblem):
    r"""``u_tt = c^2 u_xx`` on ``x in [0, 1]``, ``t in [0, 1]``, fixed ends, released from rest.

    ``u(0, x) = sin(pi x) + 0.5 sin(3 pi x)``, ``u_t(0, x) = 0``; d'Alembert's solution is
    ``sin(pi x) cos(pi c t) + 0.5 sin(3 pi x) cos(3 pi c t)``. The classical solution
    (`classical`) is second-order leapfrog finite differences.
    """

    domain: TimeXSpace
    parameters: dict[str, Parameter]

    def __init__(self, c: Parameter | float = 1.0):
        self.domain = TimeXSpace(Interval(0.0, 1.0), 0.0, 1.0)
        self.parameters = {"c": _param(c, positive=True)}

    def residual(self, u, params):
        return u.d("t", "t") - params["c"] ** 2 * u.d("x", "x")

    def conditions(self) -> dict[str, Condition]:
        u0 = lambda z: jnp.sin(jnp.pi * z[1]) + 0.5 * jnp.sin(3 * jnp.pi * z[1])
        return {
            "ic": initial(u0),
            "ic_velocity": Condition("initial", lambda u, params: u.d("t")),
            "bc": dirichlet(lambda z: jnp.zeros((), z.dtype)),
        }

    def exact(self, points):
        t, x, c = points[:, 0], points[:, 1], self.parameters["c"].value
        return np.sin(np.pi * x) * np.cos(np.pi * c * t) + 0.5 * np.sin(3 * np.pi * x) * np.cos(
            3 * np.pi * c * t
        )

    def classical(self, *, n, dt, snapshots, t_end=None, order=None, dtype=jnp.float64):
        r"""Leapfrog finite differences: ``u^{k+1} = 2u^k - u^{k-1} + r^2 \delta_x^2 u^k``, fixed ends.

        Started from rest with the Taylor step ``u^1 = u^0 + r^2 \delta_x^2 u^0 / 2``
        (``r = c dt / h``, must be at most 1). Arguments as in
        `physax.problems.SpectralProblem.classical`, with `n` the number of intervals on
        ``[0, 1]`` and `order` 2 (or ``None``).

        **Returns:** ``(t, x, u)`` with ``x`` the ``n + 1`` grid points and ``u`` of shape
        ``(snapshots + 1, 1, n + 1)``.
        """
        if order not in (None, 2):
            raise ValueError(f"Wave1D's classical solver is second-order leapfrog; got order={order}.")
        t_end = float(self.domain.hi[0]) if t_end is None else float(t_end)
        if int(n) < 2 or int(snapshots) < 1 or not (dt > 0 and t_end > 0):
            raise ValueError("Wave1D.classical needs n >= 2, snapshots >= 1, dt > 0 and t_end > 0.")
        c = self.parameters["c"].value
        dt_out = t_end / snapshots
        every = substeps(dt_out, dt)
        courant = c * (dt_out / every) * n
        if courant > 1:
            raise ValueError(f"leapfrog is unstable at Courant number {courant:.3g} > 1; lower dt or n.")
        x = np.linspace(0.0, 1.0, int(n) + 1)
        with jax.enable_x64(jnp.dtype(dtype) == jnp.float64):
            u0 = jnp.asarray(np.sin(np.pi * x) + 0.5 * np.sin(3 * np.pi * x), dtype)
            u = _leapfrog(u0, courant**2, int(snapshots), every)
            u = np.asarray(u)[:, None]
        return np.linspace(0.0, t_end, int(snapshots) + 1), x, u


class Helmholtz2D(AbstractProblem):
    r"""``u_xx + u_yy + k^2 u = q`` on ``[-1, 1]^2`` with ``u = 0`` on the boundary.

    Manufactured solution ``u = sin(a1 pi x) sin(a2 pi y)`` with ``q`` chosen to match
    (Wang, Teng & Perdikaris 2021 use ``a1 = 1, a2 = 4, k = 1``). ``k = 0`` gives Poisson's
    equation (:func:`Poisson2D`).
    """

    domain: Box
    parameters: dict[str, Parameter]
    a1: float
    a2: float

    def __init__(self, k: Parameter | float = 1.0, a1: float = 1.0, a2: float = 4.0):
        self.domain = Box((-1.0, -1.0), (1.0, 1.0))
        self.parameters = {"k": _param(k)}
        self.a1, self.a2 = float(a1), float(a2)

    def _u(self, x, y, lib=jnp):
        return lib.sin(self.a1 * lib.pi * x) * lib.sin(self.a2 * lib.pi * y)

    def source(self, x, y, k=None, lib=jnp):
        """The right-hand side ``q(x, y)`` (NumPy or JAX; ``k`` defaults to the true value)."""
        k = self.parameters["k"].value if k is None else k
        factor = k**2 - (self.a1 * math.pi) ** 2 - (self.a2 * math.pi) ** 2
        return factor * self._u(x, y, lib)

    def residual(self, u, params):
        x, y = u.coord("x"), u.coord("y")
        q = self.source(x, y, params["k"])
        return u.d("x", "x") + u.d("y", "y") + params["k"] ** 2 * u() - q

    def conditions(self) -> dict[str, Condition]:
        return {"bc": dirichlet(lambda z: jnp.zeros((), z.dtype))}

    def hard_constraint(self):
        return lambda z, n: (1 - z[0] ** 2) * (1 - z[1] ** 2) * n

    def exact(self, points):
        return self._u(points[:, 0], points[:, 1], np)


def Poisson2D(a1: float = 1.0, a2: float = 2.0) -> Helmholtz2D:
    """``-(u_xx + u_yy) = f`` on ``[-1, 1]^2``, ``u = 0`` on the boundary, manufactured ``u = sin(a1 pi x) sin(a2 pi y)``."""
    return Helmholtz2D(k=Parameter(0.0), a1=a1, a2=a2)


@functools.partial(jax.jit, static_argnums=(2, 3))
def _leapfrog(u0, r2, snapshots: int, every: int):
    """Leapfrog from rest with fixed ends: ``snapshots + 1`` states, ``every`` steps apart."""

    def lap(u):
        return jnp.pad(u[2:] - 2 * u[1:-1] + u[:-2], 1)

    def step(carry, _):
        prev, cur = carry
        return (cur, 2 * cur - prev + r2 * lap(cur)), None

    def block(carry, _):
        carry, _ = jax.lax.scan(step, carry, None, length=every)
        return carry, carry[0]

    u1 = u0 + 0.5 * r2 * lap(u0)  # Taylor start with u_t(0) = 0
    _, snaps = jax.lax.scan(block, (u0, u1), None, length=snapshots)
    return jnp.concatenate([u0[None], snaps])
