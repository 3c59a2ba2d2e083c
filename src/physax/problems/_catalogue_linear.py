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
from ._parameter import Parameter, as_parameter as _param
from ._problem import AbstractProblem


class Advection1D(SpectralProblem):
    r"""Linear advection $u_t + \beta u_x = 0$, periodic on $x \in [0, 2\pi)$, $t \in [0, 1]$.

    From $u(0, x) = \sin x$ the exact solution is $u = \sin(x - \beta t)$. With $\beta = 30$
    plain PINNs fail to train (Krishnapriyan et al. 2021, "Characterizing possible failure
    modes in physics-informed neural networks"): the classic failure-mode benchmark.
    Periodicity in $x$ is built into the network (`periodic`), so only the initial condition
    is a loss term. The classical solution is pseudo-spectral (`SpectralProblem.classical`),
    exact up to round-off.

    **Arguments:**

    - `beta`: the advection speed $\beta$ (a float or a `Parameter`).
    - `constraint_scale`: the factor $s$ of the hard constraint
      $u = \sin x + s\,t\,n(t, x)$ (`hard_constraint`). The network must supply
      $n = (\sin(x - \beta t) - \sin x) / (s t)$, which starts at $-(\beta/s)\cos x$: with
      $s = \beta$ its output is of order one instead of order $\beta$. Default 1.

    **Example:** the exact solution has a zero residual.

    >>> problem = Advection1D(beta=30.0)
    >>> exact = lambda z: jnp.sin(z[1] - 30.0 * z[0])
    >>> z = jax.random.uniform(jax.random.key(0), (8, 2))
    >>> params = problem.resolve({})
    >>> r = eqx.filter_jit(pointwise_residual)(problem, exact, problem.residual, z, params)
    >>> bool(jnp.abs(r).max() < 1e-4)
    True
    >>> # the hard constraint keeps u(0, x) = sin x whatever the network outputs
    >>> constrain = Advection1D(beta=30.0, constraint_scale=30.0).hard_constraint()
    >>> bool(constrain(jnp.array([0.0, 1.0]), 7.0) == jnp.sin(1.0))
    True
    """

    domain: TimeXSpace
    parameters: dict[str, Parameter]
    constraint_scale: float = 1.0

    def __init__(self, beta: Parameter | float = 30.0, constraint_scale: float = 1.0):
        if not constraint_scale > 0:
            raise ValueError(
                f"constraint_scale must be > 0 (try the advection speed), got {constraint_scale}."
            )
        self.domain = TimeXSpace(Interval(0.0, 2 * math.pi), 0.0, 1.0)
        self.parameters = {"beta": _param(beta)}
        self.constraint_scale = float(constraint_scale)

    @property
    def periodic(self) -> dict[str, float]:
        return {"x": 2 * math.pi}

    def residual(self, u, params):
        return u.d("t") + params["beta"] * u.d("x")

    def conditions(self) -> dict[str, Condition]:
        return {"ic": initial(lambda z: jnp.sin(z[1]))}

    def hard_constraint(self):
        """``u = sin x + s t n``: the initial condition holds exactly (``s = constraint_scale``)."""
        s = self.constraint_scale
        return lambda z, n: jnp.sin(z[1]) + s * z[0] * n

    def exact(self, points):
        return np.sin(points[:, 1] - self.parameters["beta"].value * points[:, 0])

    def _spectral_pde(self):
        return sp.Advection(velocity=self.parameters["beta"].value)

    def _initial_state(self, grid, x, dtype):
        return jnp.sin(x[0])[None]


class Wave1D(AbstractProblem):
    r"""The 1-d wave equation $u_{tt} = c^2 u_{xx}$ on $[0, 1]$ with fixed ends, released from rest.

    $u(0, x) = \sin(\pi x) + \tfrac12 \sin(3\pi x)$, $u_t(0, x) = 0$, $u(t, 0) = u(t, 1) = 0$,
    $t \in [0, 1]$; d'Alembert's solution is
    $u = \sin(\pi x)\cos(\pi c t) + \tfrac12\sin(3\pi x)\cos(3\pi c t)$. The classical
    solution (`classical`) is second-order leapfrog finite differences.

    **Arguments:**

    - `c`: the wave speed $c > 0$ (a float or a `Parameter`).

    **Example:** the leapfrog solution against d'Alembert's, on 64 intervals.

    >>> problem = Wave1D(c=1.0)
    >>> t, x, u = problem.classical(n=64, dt=1 / 128, snapshots=4)
    >>> u.shape
    (5, 1, 65)
    >>> tx = np.stack(np.meshgrid(t, x, indexing="ij"), -1).reshape(-1, 2)
    >>> error = np.abs(u[:, 0] - problem.exact(tx).reshape(5, 65)).max()
    >>> bool(error < 3e-3)
    True
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

    def hard_constraint(self):
        """``u = u0(x) + t^2 4x(1 - x) n``: the initial shape, the release from rest
        (``u_t(0, x) = 0``) and the fixed ends hold exactly."""
        u0 = lambda x: jnp.sin(jnp.pi * x) + 0.5 * jnp.sin(3 * jnp.pi * x)
        return lambda z, n: u0(z[1]) + z[0] ** 2 * 4 * z[1] * (1 - z[1]) * n

    def exact(self, points):
        t, x, c = points[:, 0], points[:, 1], self.parameters["c"].value
        return np.sin(np.pi * x) * np.cos(np.pi * c * t) + 0.5 * np.sin(3 * np.pi * x) * np.cos(
            3 * np.pi * c * t
        )

    def classical(self, *, n, dt, snapshots, t_end=None, order=None, dtype=jnp.float64):
        r"""Leapfrog finite differences: $u^{k+1} = 2u^k - u^{k-1} + r^2 \delta_x^2 u^k$, fixed ends.

        Started from rest with the Taylor step $u^1 = u^0 + r^2 \delta_x^2 u^0 / 2$
        ($r = c\,\Delta t / h$, at most 1). Arguments as in
        `physax.problems.SpectralProblem.classical`, with `n` the number of intervals on
        $[0, 1]$ and `order` 2 (or `None`).

        **Returns:** `(t, x, u)` with `x` the `n + 1` grid points and `u` of shape
        `(snapshots + 1, 1, n + 1)`.
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
    r"""The Helmholtz equation $u_{xx} + u_{yy} + k^2 u = q$ on $[-1, 1]^2$, $u = 0$ on the boundary.

    The source $q$ is manufactured for the solution $u = \sin(a_1 \pi x)\sin(a_2 \pi y)$:
    $q = \big(k^2 - (a_1\pi)^2 - (a_2\pi)^2\big)\,u$ (Wang, Teng & Perdikaris 2021 use
    $a_1 = 1$, $a_2 = 4$, $k = 1$). $k = 0$ gives Poisson's equation (`Poisson2D`).

    **Arguments:**

    - `k`: the wavenumber $k$ (a float or a `Parameter`).
    - `a1`, `a2`: the solution's frequencies along $x$ and $y$.

    **Example:** the exact solution has a zero residual (scaled by the source's size).

    >>> problem = Helmholtz2D(k=1.0, a1=1.0, a2=4.0)
    >>> exact = lambda z: jnp.sin(jnp.pi * z[0]) * jnp.sin(4 * jnp.pi * z[1])
    >>> z = jax.random.uniform(jax.random.key(0), (8, 2), minval=-1.0, maxval=1.0)
    >>> params = problem.resolve({})
    >>> r = eqx.filter_jit(pointwise_residual)(problem, exact, problem.residual, z, params)
    >>> bool(jnp.abs(r).max() < 1e-4 * (17 * math.pi**2))
    True
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
    r"""Poisson's equation $-(u_{xx} + u_{yy}) = f$ on $[-1, 1]^2$, $u = 0$ on the boundary.

    A `Helmholtz2D` with $k = 0$: the manufactured solution is
    $u = \sin(a_1\pi x)\sin(a_2\pi y)$, so $f = \big((a_1\pi)^2 + (a_2\pi)^2\big)\,u$.

    **Arguments:**

    - `a1`, `a2`: the solution's frequencies along $x$ and $y$.

    **Returns:** the `Helmholtz2D` problem with a known $k = 0$.

    **Example:**

    >>> problem = Poisson2D(a1=1.0, a2=2.0)
    >>> problem.parameters["k"].value, problem.exact(np.array([[0.5, 0.25]]))
    (0.0, array([1.]))
    """
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
