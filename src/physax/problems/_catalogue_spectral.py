"""Periodic catalogue problems whose reference is a float64 spectral solve (cached on disk).

Allen-Cahn and nonlinear Schroedinger follow Raissi, Perdikaris & Karniadakis (2019); KdV
is their inverse-problem setting (u_t + lambda1 u u_x + lambda2 u_xxx = 0, u0 = cos(pi x)).
Each reference is the problem's own classical solution (`classical`: ETDRK4 from
:mod:`physax.solvers.spectral`, 2/3 dealiasing) on a fine grid with a small step, computed
once and kept in the user's cache directory (:func:`physax.problems.cache_dir`).
"""

from __future__ import annotations

import abc
import math

import jax.numpy as jnp
import numpy as np

from ..geometry import Interval, TimeXSpace
from ..solvers import spectral as sp
from ._cache import cached_array
from ._classical import SpectralProblem
from ._condition import Condition, initial
from ._parameter import Parameter
from ._reference import Reference


def _param(p, positive=False) -> Parameter:
    return p if isinstance(p, Parameter) else Parameter(float(p), positive=positive)


class _SpectralReferenceProblem(SpectralProblem):
    """A periodic 1-d problem on ``[x_min, x_min + extent) x [0, t_end]`` whose reference is
    its own classical solve on a fine grid (``_reference_solver``), cached on disk."""

    @property
    @abc.abstractmethod
    def _reference_solver(self) -> tuple[int, float]:
        """(grid points, largest time step) of the reference solve."""

    @property
    def periodic(self) -> dict[str, float]:
        return {"x": float(self.domain.hi[1] - self.domain.lo[1])}

    def reference_axes(self):
        x0, x1 = float(self.domain.lo[1]), float(self.domain.hi[1])
        t0, t1 = float(self.domain.lo[0]), float(self.domain.hi[0])
        nx, nt = self.reference_grid
        return (("t", np.linspace(t0, t1, nt + 1)), ("x", np.linspace(x0, x1, nx, endpoint=False)))

    @property
    def reference_grid(self) -> tuple[int, int]:
        return 256, 200  # x points, time intervals (Raissi et al. publish 256 x 201 / 512 x 201)

    def reference(self) -> Reference:
        n, dt = self._reference_solver
        nx, nt = self.reference_grid
        if n % nx:
            raise ValueError(f"solver resolution {n} must be a multiple of the reference grid {nx}.")
        x0, x1 = float(self.domain.lo[1]), float(self.domain.hi[1])
        t1 = float(self.domain.hi[0])
        spec = {
            "problem": self.name,
            "pde": repr(self._spectral_pde()),
            "n": n,
            "dt": dt,
            "grid": [nx, nt],
            "domain": [x0, x1, t1],
            "ic": self.ic_name,
        }
        shape = (nt + 1, nx, self.components) if self.components > 1 else (nt + 1, nx)

        def compute():
            _, _, u = self.classical(n=n, dt=dt, snapshots=nt, order=4, dtype=jnp.float64)
            u = u[:, 0, :: n // nx]
            return np.stack([u.real, u.imag], -1) if self.components > 1 else u

        values = cached_array(self.name.lower(), spec, compute, shape)
        return Reference(self.reference_axes(), values, f"spectral ETDRK4, N={n}, dt={dt:g}, float64")

    @property
    def components(self) -> int:
        return 1

    @property
    def ic_name(self) -> str:
        return ""


class AllenCahn(_SpectralReferenceProblem):
    r"""``u_t - d u_xx + 5 u^3 - 5 u = 0``, ``d = 1e-4``, on ``x in [-1, 1]`` (periodic), ``t in [0, 1]``.

    ``u(0, x) = x^2 cos(pi x)``. Sharp interfaces form and the solution settles into +-1
    plateaus: a hard problem for plain PINNs (Raissi et al. 2019; Wang, Sankaran & Perdikaris
    2022 "Respecting causality" reach ~1e-3 with causal training). Reference: ETDRK4, N = 1024 (agrees
    with N = 1024, dt/4 to 1e-11 relative).
    """

    domain: TimeXSpace
    parameters: dict[str, Parameter]

    def __init__(self, d: Parameter | float = 1e-4, gamma: Parameter | float = 5.0):
        self.domain = TimeXSpace(Interval(-1.0, 1.0), 0.0, 1.0)
        self.parameters = {"d": _param(d, positive=True), "gamma": _param(gamma)}

    def residual(self, u, params):
        v = u()
        return u.d("t") - params["d"] * u.d("x", "x") + params["gamma"] * (v**3 - v)

    def conditions(self) -> dict[str, Condition]:
        return {"ic": initial(lambda z: z[1] ** 2 * jnp.cos(jnp.pi * z[1]))}

    def hard_constraint(self):
        return lambda z, n: z[1] ** 2 * jnp.cos(jnp.pi * z[1]) + z[0] * n

    @property
    def reference_grid(self):
        return 512, 200

    def _spectral_pde(self):
        return sp.AllenCahn(epsilon=self.parameters["d"].value, c=self.parameters["gamma"].value)

    def _initial_state(self, grid, x, dtype):
        return (x[0] ** 2 * jnp.cos(jnp.pi * x[0]))[None]

    @property
    def _reference_solver(self):
        return 1024, 1e-4

    @property
    def ic_name(self):
        return "x^2 cos(pi x)"


class NonlinearSchroedinger(_SpectralReferenceProblem):
    r"""``i h_t + 0.5 h_xx + |h|^2 h = 0`` for complex ``h = u + i v``, ``x in [-5, 5]`` (periodic).

    ``t in [0, pi/2]``, ``h(0, x) = 2 sech(x)`` (Raissi et al. 2019). The network has two
    outputs ``(u, v)``; the residual is the real and imaginary parts
    ``(u_t + 0.5 v_xx + |h|^2 v, v_t - 0.5 u_xx - |h|^2 u)``. The reference holds ``(u, v)`` on
    256 x 201 points (ETDRK4 on N = 1024, dt = 5e-5: 3e-9 relative to a finer solve); the error is that of ``h``, and ``|h|`` is plotted.
    """

    domain: TimeXSpace
    parameters: dict[str, Parameter]

    def __init__(self, a: Parameter | float = 0.5, beta: Parameter | float = 1.0):
        self.domain = TimeXSpace(Interval(-5.0, 5.0), 0.0, math.pi / 2)
        self.parameters = {"a": _param(a), "beta": _param(beta)}

    @property
    def output_size(self):
        return 2

    @property
    def components(self) -> int:
        return 2

    def residual(self, u, params):
        h, ht, hxx = u(), u.d("t"), u.d("x", "x")
        density = h[0] ** 2 + h[1] ** 2
        a, b = params["a"], params["beta"]
        return jnp.stack([ht[0] + a * hxx[1] + b * density * h[1], ht[1] - a * hxx[0] - b * density * h[0]])

    def conditions(self) -> dict[str, Condition]:
        return {"ic": initial(lambda z: jnp.stack([2.0 / jnp.cosh(z[1]), jnp.zeros((), z.dtype)]))}

    def hard_constraint(self):
        return lambda z, n: jnp.stack([2.0 / jnp.cosh(z[1]), jnp.zeros((), z.dtype)]) + z[0] * n

    def _spectral_pde(self):
        return sp.NonlinearSchroedinger(a=self.parameters["a"].value, beta=self.parameters["beta"].value)

    def _initial_state(self, grid, x, dtype):
        complex_dtype = jnp.complex128 if dtype == jnp.float64 else jnp.complex64
        return (2.0 / jnp.cosh(x[0])).astype(complex_dtype)[None]

    @property
    def _reference_solver(self):
        return 1024, 5e-5

    @property
    def ic_name(self):
        return "2 sech(x)"


class KdV(_SpectralReferenceProblem):
    r"""``u_t + lambda1 u u_x + lambda2 u_xxx = 0`` on ``x in [-1, 1]`` (periodic), ``t in [0, 1]``.

    ``u(0, x) = cos(pi x)``, ``lambda1 = 1``, ``lambda2 = 0.0025`` (Zabusky & Kruskal 1965; the
    KdV problem of Raissi et al. 2019, usually posed as identifying ``lambda1, lambda2``). The
    cosine steepens and breaks into a train of solitons. Reference: ETDRK4, N = 512 (1e-12 relative to N = 1024).
    """

    domain: TimeXSpace
    parameters: dict[str, Parameter]

    def __init__(self, lambda1: Parameter | float = 1.0, lambda2: Parameter | float = 0.0025):
        self.domain = TimeXSpace(Interval(-1.0, 1.0), 0.0, 1.0)
        self.parameters = {"lambda1": _param(lambda1), "lambda2": _param(lambda2, positive=True)}

    def residual(self, u, params):
        return u.d("t") + params["lambda1"] * u() * u.d("x") + params["lambda2"] * u.d("x", "x", "x")

    def conditions(self) -> dict[str, Condition]:
        return {"ic": initial(lambda z: jnp.cos(jnp.pi * z[1]))}

    def hard_constraint(self):
        return lambda z, n: jnp.cos(jnp.pi * z[1]) + z[0] * n

    def _spectral_pde(self):
        l1, l2 = self.parameters["lambda1"].value, self.parameters["lambda2"].value
        return sp.KortewegDeVries(alpha=l1, beta=l2)

    def _initial_state(self, grid, x, dtype):
        return jnp.cos(jnp.pi * x[0])[None]

    @property
    def _reference_solver(self):
        return 512, 1e-4

    @property
    def ic_name(self):
        return "cos(pi x)"
