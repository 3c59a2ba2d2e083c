"""Periodic 1-d problems whose classical solution is a pseudo-spectral solve (``physax solve``).

Two-mode advection and diffusion and a KdV soliton have exact solutions; Kuramoto-Sivashinsky
(Kassam & Trefethen 2005) has only its classical solution. All carry residuals, conditions and
hard constraints, so PINNs, FBPINNs and ODIL can solve them too. The 2-d periodic problems
are in `_catalogue_periodic2d`.
"""

from __future__ import annotations

import abc
import math

import jax.numpy as jnp
import numpy as np

from ..geometry import Interval, TimeXSpace
from ..solvers import spectral as sp
from ._classical import SpectralProblem
from ._condition import Condition, initial
from ._parameter import Parameter, as_parameter as _param


def check_extent(extent: float, t_end: float) -> None:
    """One-line ValueError unless the periodic cell and the time span are positive."""
    if not (extent > 0 and t_end > 0):
        raise ValueError(f"need extent > 0 and t_end > 0, got extent = {extent}, t_end = {t_end}.")


def _line(x_min: float, extent: float, t_end: float) -> TimeXSpace:
    check_extent(extent, t_end)
    return TimeXSpace(Interval(float(x_min), float(x_min) + float(extent)), 0.0, float(t_end))


class _Periodic1D(SpectralProblem):
    """1-d periodic in ``x``, initial condition ``u0`` (a pointwise function) and ``u = u0 + t N``."""

    @abc.abstractmethod
    def _u0(self, x, lib=jnp):
        """The initial condition at `x`, written with `lib` (``jax.numpy`` or ``numpy``)."""

    @property
    def periodic(self) -> dict[str, float]:
        return {"x": float(self.domain.hi[1] - self.domain.lo[1])}

    def conditions(self) -> dict[str, Condition]:
        return {"ic": initial(lambda z: self._u0(z[1]))}

    def hard_constraint(self):
        return lambda z, n: self._u0(z[1]) + z[0] * n

    def _initial_state(self, grid, x, dtype):
        return self._u0(x[0])[None]


class _TwoModes(_Periodic1D):
    r"""``u0 = sin(k x) + 0.5 cos(2 k x)``, ``k = 2 pi / extent``."""

    @property
    def _k(self) -> float:
        return 2 * math.pi / float(self.domain.hi[1] - self.domain.lo[1])

    def _u0(self, x, lib=jnp):
        return lib.sin(self._k * x) + 0.5 * lib.cos(2 * self._k * x)


class TwoModeAdvection(_TwoModes):
    r"""Periodic advection $u_t + v u_x = 0$ of two Fourier modes on $[x_0, x_0 + L)$.

    $u(0, x) = \sin(kx) + \tfrac12\cos(2kx)$ with $k = 2\pi / L$; the exact solution is
    $u = u(0, x - vt)$. The pseudo-spectral solve (`classical`) integrates the linear symbol
    exactly, so its error is round-off.

    **Arguments:**

    - `velocity`: the speed $v$ (a float or a `Parameter`).
    - `x_min`, `extent`: the periodic interval $[x_0, x_0 + L)$.
    - `t_end`: the final time.

    **Example:** the classical solution matches the exact one to round-off.

    >>> problem = TwoModeAdvection(velocity=1.0)
    >>> t, x, u = problem.classical(n=32, dt=0.01, snapshots=4)
    >>> u.shape
    (5, 1, 32)
    >>> tx = np.stack(np.meshgrid(t, x, indexing="ij"), -1).reshape(-1, 2)
    >>> bool(np.abs(u[:, 0] - problem.exact(tx).reshape(5, 32)).max() < 1e-10)
    True
    """

    domain: TimeXSpace
    parameters: dict[str, Parameter]

    def __init__(self, velocity=1.0, x_min: float = 0.0, extent: float = 1.0, t_end: float = 1.0):
        self.domain = _line(x_min, extent, t_end)
        self.parameters = {"velocity": _param(velocity)}

    def residual(self, u, params):
        return u.d("t") + params["velocity"] * u.d("x")

    def exact(self, points):
        return self._u0(points[:, 1] - self.parameters["velocity"].value * points[:, 0], np)

    def _spectral_pde(self):
        return sp.Advection(velocity=self.parameters["velocity"].value)


class TwoModeDiffusion(_TwoModes):
    r"""Periodic diffusion $u_t = \nu u_{xx}$ of two Fourier modes on $[x_0, x_0 + L)$.

    $u(0, x) = \sin(kx) + \tfrac12\cos(2kx)$ with $k = 2\pi / L$; each mode decays at its own
    rate, $u = \sin(kx)\,e^{-\nu k^2 t} + \tfrac12\cos(2kx)\,e^{-4\nu k^2 t}$.

    **Arguments:**

    - `nu`: the diffusivity $\nu > 0$ (a float or a `Parameter`).
    - `x_min`, `extent`: the periodic interval $[x_0, x_0 + L)$.
    - `t_end`: the final time.

    **Example:** the exact solution has a zero residual.

    >>> problem = TwoModeDiffusion(nu=0.01)
    >>> k = 2 * jnp.pi
    >>> exact = lambda z: (jnp.sin(k * z[1]) * jnp.exp(-0.01 * k**2 * z[0])
    ...                    + 0.5 * jnp.cos(2 * k * z[1]) * jnp.exp(-0.04 * k**2 * z[0]))
    >>> z = jax.random.uniform(jax.random.key(0), (8, 2))
    >>> params = problem.resolve({})
    >>> r = eqx.filter_jit(pointwise_residual)(problem, exact, problem.residual, z, params)
    >>> bool(jnp.abs(r).max() < 1e-5)
    True
    """

    domain: TimeXSpace
    parameters: dict[str, Parameter]

    def __init__(self, nu=0.01, x_min: float = 0.0, extent: float = 1.0, t_end: float = 1.0):
        self.domain = _line(x_min, extent, t_end)
        self.parameters = {"nu": _param(nu, positive=True)}

    def residual(self, u, params):
        return u.d("t") - params["nu"] * u.d("x", "x")

    def exact(self, points):
        t, x, k = points[:, 0], points[:, 1], self._k
        nu = self.parameters["nu"].value
        return np.sin(k * x) * np.exp(-nu * k**2 * t) + 0.5 * np.cos(2 * k * x) * np.exp(-4 * nu * k**2 * t)

    def _spectral_pde(self):
        return sp.Diffusion(nu=self.parameters["nu"].value)


class KdVSoliton(_Periodic1D):
    r"""One soliton of the Korteweg-de Vries equation $u_t + 6uu_x + u_{xxx} = 0$, periodic on $[x_0, x_0 + L)$.

    $u = \tfrac{c}{2}\,\mathrm{sech}^2\big(\tfrac{\sqrt c}{2}(x - x_s - ct)\big)$ with
    $x_s = x_0 + L / 4$, taken at the nearest periodic image: exact up to the soliton's
    $e^{-\sqrt{c} L / 2}$ tails. It travels at speed $c$ without changing shape.

    **Arguments:**

    - `speed`: the soliton's speed $c > 0$ (its height is $c / 2$).
    - `x_min`, `extent`: the periodic interval $[x_0, x_0 + L)$.
    - `t_end`: the final time.

    **Example:** the pseudo-spectral solve keeps the soliton's shape.

    >>> problem = KdVSoliton(speed=1.0)
    >>> t, x, u = problem.classical(n=128, dt=0.01, snapshots=2)
    >>> tx = np.stack(np.meshgrid(t, x, indexing="ij"), -1).reshape(-1, 2)
    >>> bool(np.abs(u[:, 0] - problem.exact(tx).reshape(3, 128)).max() < 1e-6)
    True
    """

    domain: TimeXSpace
    parameters: dict[str, Parameter]
    speed: float

    def __init__(self, speed: float = 1.0, x_min: float = 0.0, extent: float = 40.0, t_end: float = 10.0):
        if not speed > 0:
            raise ValueError(f"KdVSoliton needs speed > 0, got {speed}.")
        self.domain = _line(x_min, extent, t_end)
        self.parameters = {}
        self.speed = float(speed)

    def _profile(self, t, x, lib):
        lo, hi = self.domain.lo[1], self.domain.hi[1]
        extent, c = hi - lo, self.speed
        d = x - (lo + extent / 4) - c * t
        d = (d + extent / 2) % extent - extent / 2  # nearest periodic image
        return 0.5 * c / lib.cosh(0.5 * math.sqrt(c) * d) ** 2

    def _u0(self, x, lib=jnp):
        return self._profile(0.0, x, lib)

    def residual(self, u, params):
        return u.d("t") + 6.0 * u() * u.d("x") + u.d("x", "x", "x")

    def exact(self, points):
        return self._profile(points[:, 0], points[:, 1], np)

    def _spectral_pde(self):
        return sp.KortewegDeVries()


class KuramotoSivashinsky(_Periodic1D):
    r"""The Kuramoto-Sivashinsky equation $u_t + uu_x + u_{xx} + u_{xxxx} = 0$, periodic on $[x_0, x_0 + L)$; chaotic.

    $u(0, x) = \cos(2\pi x / L)\big(1 + \sin(2\pi x / L)\big)$: with $L = 32\pi$ the classic
    start $\cos(x/16)(1 + \sin(x/16))$ of Kassam & Trefethen (2005). There is no exact
    solution; the classical one is chaotic, so solves at different resolutions part ways
    after $t \approx 50$.

    **Arguments:**

    - `x_min`, `extent`: the periodic interval $[x_0, x_0 + L)$.
    - `t_end`: the final time.

    **Example:** a short, coarse classical solve; the small initial bump grows.

    >>> t, x, u = KuramotoSivashinsky().classical(n=64, dt=0.25, snapshots=2, t_end=20.0)
    >>> u.shape, bool(np.abs(u[-1]).max() > np.abs(u[0]).max())
    ((3, 1, 64), True)
    """

    domain: TimeXSpace
    parameters: dict[str, Parameter]

    def __init__(self, x_min: float = 0.0, extent: float = 32 * math.pi, t_end: float = 150.0):
        self.domain = _line(x_min, extent, t_end)
        self.parameters = {}

    def _u0(self, x, lib=jnp):
        q = 2 * math.pi / float(self.domain.hi[1] - self.domain.lo[1])
        return lib.cos(q * x) * (1 + lib.sin(q * x))

    def residual(self, u, params):
        return u.d("t") + u() * u.d("x") + u.d("x", "x") + u.d("x", "x", "x", "x")

    def _spectral_pde(self):
        return sp.KuramotoSivashinsky()
