"""2-D acoustic wave equation from a Gaussian pressure pulse (Moseley et al. 2020 setting)."""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np

from ..geometry import Box, TimeXSpace
from ._cache import cached_array
from ._condition import Condition, initial
from ._observations import Observations, noisy
from ._parameter import Parameter
from ._problem import AbstractProblem
from ._reference import Reference

_H = 0.01  # FD grid spacing of the reference (0.5 % of the box side)
_N_OUT = 20  # reference time intervals


class Wave2D(AbstractProblem):
    r"""$u_{tt} = c(x, y)^2 (u_{xx} + u_{yy})$ on $[-1, 1]^2 \times [0, T]$, released from rest.

    The setting of Moseley, Markham & Nissen-Meyer (2020, "Solving the wave equation with
    physics-informed deep learning"): a Gaussian initial pressure
    $u(0, x, y) = e^{-((x - x_s)^2 + (y - y_s)^2) / (2\sigma^2)}$ with $u_t(0) = 0$, in a
    constant medium ($c = c_0$) or a two-layer one ($c = c_0$ above $y = y_i$, `contrast`
    $\cdot c_0$ below, joined over a width $0.02$ by a tanh). No boundary condition: the
    box is a window onto an unbounded medium, and the reference is computed on a
    domain large enough that nothing reflected at its walls returns into the box before $T$.

    Reference: `physax.solvers.wave.simulate` (order-8 finite differences in space,
    leapfrog in time) in float64, $h = 0.01$, Courant 0.25, started with the Taylor step
    $u^1 = u^0 + \tfrac12\Delta t^2 c^2\nabla^2 u^0$, on a box with rigid walls far enough
    out that no reflection returns by $T$; sampled on a $21 \times 101 \times 101$
    $(t, x, y)$ grid and cached on disk. In a constant medium it agrees with the exact
    (Hankel-transform) solution to about $10^{-4}$ relative.
    `observations` draws only from the first `data_fraction` of the time window, as
    Moseley et al. train on early FD snapshots and let the physics extrapolate.

    **Arguments:**

    - `c`: the velocity $c_0$ (a float or a `Parameter`).
    - `velocity`: `"constant"` or `"layered"`.
    - `contrast`: $c_{\text{below}} / c_0$ for the layered medium.
    - `interface`: $y_i$.
    - `sigma`, `source_x`, `source_y`: the initial pulse's width $\sigma$ and centre
      $(x_s, y_s)$.
    - `t_end`: the final time $T$.
    - `data_fraction`: the fraction of $[0, T]$ that observations are drawn from.

    **Example:** the layered medium, $c_0$ above the interface and $1.5\,c_0$ below.

    >>> problem = Wave2D(velocity="layered", contrast=1.5, interface=-0.25)
    >>> problem.speed(np.zeros(2), np.array([0.5, -0.9]), 1.0, lib=np)
    array([1. , 1.5])
    >>> sorted(problem.conditions())
    ['ic', 'ic_velocity']
    """

    domain: TimeXSpace
    parameters: dict[str, Parameter]
    velocity: str
    contrast: float
    interface: float
    sigma: float
    source: tuple[float, float]
    data_fraction: float

    def __init__(
        self,
        c: Parameter | float = 1.0,
        velocity: str = "constant",
        contrast: float = 1.5,
        interface: float = -0.25,
        sigma: float = 0.2,
        source_x: float = 0.0,
        source_y: float = 0.25,
        t_end: float = 0.6,
        data_fraction: float = 0.25,
    ):
        pc = c if isinstance(c, Parameter) else Parameter(float(c), positive=True)
        if velocity not in ("constant", "layered"):
            raise ValueError(f"Wave2D velocity must be 'constant' or 'layered', got {velocity!r}.")
        if not (pc.value > 0 and contrast > 0 and sigma > 0 and t_end > 0 and 0 < data_fraction <= 1):
            raise ValueError("Wave2D needs c, contrast, sigma, t_end > 0 and 0 < data_fraction <= 1.")
        self.domain = TimeXSpace(Box((-1.0, -1.0), (1.0, 1.0)), 0.0, t_end)
        self.parameters = {"c": pc}
        self.velocity, self.contrast, self.interface = velocity, float(contrast), float(interface)
        self.sigma, self.source, self.data_fraction = (
            float(sigma),
            (float(source_x), float(source_y)),
            data_fraction,
        )

    def speed(self, x, y, c0, lib=jnp):
        """$c(x, y)$ (works on NumPy and JAX arrays)."""
        if self.velocity == "constant":
            return c0 + 0.0 * x
        step = 0.5 * (1.0 + lib.tanh((self.interface - y) / 0.02))
        return c0 * (1.0 + (self.contrast - 1.0) * step) + 0.0 * x

    def _pulse(self, x, y, lib=jnp):
        r2 = (x - self.source[0]) ** 2 + (y - self.source[1]) ** 2
        return lib.exp(-0.5 * r2 / self.sigma**2)

    def residual(self, u, params):
        c = self.speed(u.z[1], u.z[2], params["c"])
        return u.d("t", "t") - c**2 * (u.d("x", "x") + u.d("y", "y"))

    def conditions(self) -> dict[str, Condition]:
        return {
            "ic": initial(lambda z: self._pulse(z[1], z[2])),
            "ic_velocity": Condition("initial", lambda u, params: u.d("t")),
        }

    def reference_axes(self):
        t1 = float(self.domain.hi[0])
        g = np.linspace(-1.0, 1.0, 101)
        return (("t", np.linspace(0.0, t1, _N_OUT + 1)), ("x", g), ("y", g))

    def reference(self) -> Reference:
        axes = self.reference_axes()
        spec = {
            "problem": self.name,
            "repr": repr(self),
            "h": _H,
            "n_out": _N_OUT,
            "domain": "walls-simulate-1",
        }
        shape = tuple(len(a) for _, a in axes)
        values = cached_array("wave2d", spec, self._fd_solution, shape)
        return Reference(axes, values, "order-8 finite differences, float64 (physax)")

    def _fd_solution(self) -> np.ndarray:
        """Snapshots of `physax.solvers.wave.simulate` started from the pulse at rest.

        The solver starts from a zero field; the initial state enters as sources in every
        cell where it is non-zero, at two consecutive steps: the first sets ``p = u^0``, the
        second completes the Taylor step ``u^1 = u^0 + (c dt / h)^2 L u^0 / 2``. From there
        on the run is the leapfrog scheme from ``(u^0, u^1)``, one output interval late.
        """
        from ..solvers.wave import AcousticModel, Shot, central_coefficients, simulate

        c0, t1 = self.parameters["c"].value, float(self.domain.hi[0])
        c_max = c0 * max(1.0, self.contrast if self.velocity == "layered" else 1.0)
        # rigid walls at +-m: a wave reflected there re-enters [-1, 1]^2 after travelling
        # 2m - 2 > c_max t1 + 4 sigma, i.e. after t1
        lo = math.ceil((c_max * t1 + 4 * self.sigma) / 2 / _H) + 1
        m = 1.0 + lo * _H
        n = 2 * (lo + int(round(1.0 / _H))) + 1
        g = np.linspace(-m, m, n)
        x, y = np.meshgrid(g, g, indexing="ij")
        c = self.speed(x, y, c0, lib=np)
        dt_out = t1 / _N_OUT
        sub = math.ceil(dt_out / (0.25 * _H / c.max()))
        dt = dt_out / sub
        r2 = (c * dt / _H) ** 2
        p0 = self._pulse(x, y, lib=np)
        # forcing f adds r2 * f to a cell: step sub-1 gives p = u^0, step sub gives u^1
        first = p0 / r2
        second = -p0 / r2 - 0.5 * _laplacian(p0, central_coefficients(8))
        cells = np.flatnonzero((first != 0) | (second != 0))
        steps = (_N_OUT + 1) * sub + 1
        wavelets = np.zeros((len(cells), steps))
        wavelets[:, sub - 1], wavelets[:, sub] = first.ravel()[cells], second.ravel()[cells]
        sources = np.stack(np.unravel_index(cells, x.shape), -1)
        with jax.enable_x64(True):
            shot = Shot(sources, sources[:1], jnp.asarray(wavelets))
            del wavelets  # (cells x steps): the largest array of the solve; keep one copy
            model = AcousticModel(jnp.asarray(c), dx=_H)
            out = simulate(model, shot, dt=dt, order=8, snapshot_every=sub)
            snaps = np.asarray(out.snapshots)[1 : _N_OUT + 2]
        return snaps[:, lo : n - lo : 2, lo : n - lo : 2]

    def observations(self, n: int, *, key, noise: float = 0.0, dtype=jnp.float32) -> Observations:
        """``n`` observations from the reference at times ``t <= data_fraction * T`` only."""
        ref = self.reference()
        pts, vals = ref.points, ref.flat_values
        early = np.flatnonzero(pts[:, 0] <= self.data_fraction * float(self.domain.hi[0]) + 1e-12)
        if not 0 < n <= len(early):
            raise ValueError(f"can draw 1..{len(early)} early-time observations, asked for {n}.")
        kidx, knoise = jax.random.split(key)
        idx = early[np.asarray(jax.random.choice(kidx, len(early), (n,), replace=False))]
        return Observations(pts[idx], noisy(vals[idx], noise, knoise), dim=self.domain.dim, dtype=dtype)


def _laplacian(p: np.ndarray, coef) -> np.ndarray:
    """``h^2`` times the central-difference Laplacian of ``p`` with zeros outside (rigid walls)."""
    coef = np.asarray(coef, np.float64)
    k = len(coef) - 1
    q = np.pad(p, k)
    n0, n1 = p.shape
    out = 2 * coef[0] * p
    for j in range(1, k + 1):
        out = out + coef[j] * (q[k + j : k + j + n0, k : k + n1] + q[k - j : k - j + n0, k : k + n1])
        out = out + coef[j] * (q[k : k + n0, k + j : k + j + n1] + q[k : k + n0, k - j : k - j + n1])
    return out
