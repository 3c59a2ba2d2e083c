"""Periodic catalogue problems whose reference is a float64 spectral solve (cached on disk).

Allen-Cahn and nonlinear Schroedinger follow Raissi, Perdikaris & Karniadakis (2019); KdV
is their inverse-problem setting (u_t + lambda1 u u_x + lambda2 u_xxx = 0, u0 = cos(pi x)).
Each reference is the problem's own classical solution (`classical`: ETDRK4 from
`physax.solvers.spectral`, 2/3 dealiasing) on a fine grid with a small step, computed
once and kept in the user's cache directory (`physax.problems.cache_dir`).
"""

from __future__ import annotations

import abc
import math

import equinox as eqx
import jax.numpy as jnp
import numpy as np
from jax.scipy.special import erf

from ..geometry import Interval, TimeXSpace
from ..solvers import spectral as sp
from ._cache import cached_array
from ._classical import SpectralProblem
from ._condition import Condition, initial
from ._parameter import Parameter, as_parameter as _param
from ._reference import Reference


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


def _rounded_kink(t, x, d: float, rate: float):
    """``2 phi(y) [exp(-rate t) S(t, y) - |y|]``: cancels the kink ``2|y|`` of ``x^2 cos(pi x)`` at
    ``x = +-1`` (``y = x -+ 1``) and puts in its place the solution of the equation linearised
    about ``u = -1`` (``v_t = d v_yy - rate v``), ``S`` being ``|y|`` smoothed by the heat kernel."""
    y = x - jnp.where(x >= 0, 1.0, -1.0)
    t = jnp.asarray(t)
    floor = jnp.finfo(t.dtype).eps ** 4  # sigma > 0 (no 0/0), and u0 to round-off at t = 0
    sigma = jnp.sqrt(2 * d * jnp.maximum(t, floor))
    gauss = jnp.exp(-0.5 * (y / sigma) ** 2)
    smooth = y * erf(y / (sigma * math.sqrt(2))) + sigma * math.sqrt(2 / math.pi) * gauss  # E|y + sigma Z|
    return 2 * jnp.exp(-((y / 0.1) ** 2)) * (jnp.exp(-rate * t) * smooth - jnp.abs(y))


class AllenCahn(_SpectralReferenceProblem):
    r"""The Allen-Cahn equation $u_t - d\,u_{xx} + \gamma(u^3 - u) = 0$, periodic on $[-1, 1]$, $t \in [0, 1]$.

    $d = 10^{-4}$, $\gamma = 5$, $u(0, x) = x^2\cos(\pi x)$. Sharp interfaces form and the
    solution settles into $\pm 1$ plateaus: a hard problem for plain PINNs (Raissi,
    Perdikaris & Karniadakis 2019; Wang, Sankaran & Perdikaris 2022, "Respecting causality",
    reach about $10^{-3}$ with causal training). Reference: ETDRK4 on $N = 1024$ points
    (agrees with $N = 1024$, $\Delta t / 4$ to $10^{-11}$ relative), cached on disk.

    **Arguments:**

    - `d`: the diffusivity $d > 0$.
    - `gamma`: the reaction rate $\gamma$ (floats or `Parameter`s).
    - `corner`: the form of `hard_constraint`. The periodic extension of $u_0$ has a kink at
      $x = \pm 1$ ($u_0 \approx -1 + 2|y|$, $y$ the distance to $\pm 1$), which diffusion
      rounds off at once; $u_0 + t\,n$ with a smooth periodic $n$ keeps it for all $t$
      (an error of a few $10^{-3}$ there). With `corner=True` the constraint adds the
      exact linearised rounding, $2\varphi(y)\,[e^{-2\gamma t} S(t, y) - |y|]$ with
      $S = \mathbb{E}|y + \sqrt{2dt}\,Z|$ the heat-smoothed $|y|$ and a cut-off
      $\varphi = e^{-(y/0.1)^2}$, so $u$ is smooth for $t > 0$ and still $u_0$ at $t = 0$.

    **Example:** a coarse classical solve: at $t = 1$ most of the line sits within 0.1 of
    the $\pm 1$ plateaus.

    >>> t, x, u = AllenCahn().classical(n=128, dt=5e-3, snapshots=1)
    >>> on_plateau = np.abs(np.abs(u[-1, 0]) - 1) < 0.1
    >>> round(float(on_plateau.mean()), 2)
    0.82
    """

    domain: TimeXSpace
    parameters: dict[str, Parameter]
    corner: bool = eqx.field(static=True)

    def __init__(self, d: Parameter | float = 1e-4, gamma: Parameter | float = 5.0, corner: bool = False):
        self.domain = TimeXSpace(Interval(-1.0, 1.0), 0.0, 1.0)
        self.parameters = {"d": _param(d, positive=True), "gamma": _param(gamma)}
        if not isinstance(corner, bool):
            raise TypeError(f"AllenCahn corner must be true or false, got {corner!r}")
        self.corner = corner

    def residual(self, u, params):
        v = u()
        return u.d("t") - params["d"] * u.d("x", "x") + params["gamma"] * (v**3 - v)

    def conditions(self) -> dict[str, Condition]:
        return {"ic": initial(lambda z: z[1] ** 2 * jnp.cos(jnp.pi * z[1]))}

    def hard_constraint(self):
        if not self.corner:
            return lambda z, n: z[1] ** 2 * jnp.cos(jnp.pi * z[1]) + z[0] * n
        d, rate = self.parameters["d"].value, 2 * self.parameters["gamma"].value
        return lambda z, n: z[1] ** 2 * jnp.cos(jnp.pi * z[1]) + _rounded_kink(z[0], z[1], d, rate) + z[0] * n

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
    r"""The focusing nonlinear Schroedinger equation $i h_t + a\,h_{xx} + \beta |h|^2 h = 0$, periodic on $[-5, 5]$.

    $h = u + iv$ is complex, $a = 1/2$, $\beta = 1$, $t \in [0, \pi/2]$ and
    $h(0, x) = 2\,\mathrm{sech}(x)$ (Raissi, Perdikaris & Karniadakis 2019): a second-order
    soliton whose peak $|h|$ doubles to about 4 at $t = \pi/4$ and returns. The network has
    two outputs $(u, v)$; the residual is the real and imaginary parts
    $(u_t + a v_{xx} + \beta|h|^2 v,\; v_t - a u_{xx} - \beta|h|^2 u)$. The reference holds
    $(u, v)$ on $256 \times 201$ points (ETDRK4 on $N = 1024$, $\Delta t = 5\cdot 10^{-5}$:
    $3\cdot 10^{-9}$ relative to a finer solve); the error is that of $h$, and $|h|$ is plotted.

    **Arguments:**

    - `a`: the dispersion coefficient $a$.
    - `beta`: the nonlinearity $\beta$ (floats or `Parameter`s).

    **Example:** the classical solution is complex; its peak at $t = \pi/4$.

    >>> t, x, h = NonlinearSchroedinger().classical(n=64, dt=1e-3, snapshots=2)
    >>> h.dtype, round(float(np.abs(h[1]).max()), 1)
    (dtype('complex128'), 3.9)
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
    r"""The Korteweg-de Vries equation $u_t + \lambda_1 u u_x + \lambda_2 u_{xxx} = 0$, periodic on $[-1, 1]$, $t \in [0, 1]$.

    $u(0, x) = \cos(\pi x)$, $\lambda_1 = 1$, $\lambda_2 = 0.0025$ (Zabusky & Kruskal 1965;
    the KdV problem of Raissi et al. 2019, usually posed as identifying $\lambda_1$ and
    $\lambda_2$). The cosine steepens and breaks into a train of solitons. Reference:
    ETDRK4 on $N = 512$ points ($10^{-12}$ relative to $N = 1024$), cached on disk.

    **Arguments:**

    - `lambda1`: the nonlinear coefficient $\lambda_1$.
    - `lambda2`: the dispersion $\lambda_2 > 0$ (floats or `Parameter`s; trainable ones
      for the inverse problem).

    **Example:** the inverse problem, both coefficients unknown; the optimiser starts
    from the initial guesses.

    >>> problem = KdV(lambda1=Parameter(1.0, trainable=True, init=0.0),
    ...               lambda2=Parameter(0.0025, trainable=True, init=0.01, positive=True))
    >>> {k: round(float(v), 4) for k, v in problem.resolve(problem.init_theta()).items()}
    {'lambda1': 0.0, 'lambda2': 0.01}
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
