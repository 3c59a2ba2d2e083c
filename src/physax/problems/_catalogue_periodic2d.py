"""Periodic 2-d problems whose classical solution is a pseudo-spectral solve (``physax solve``).

Gray-Scott (Pearson 1993) and Kolmogorov flow (Kochkov et al. 2021) have only their classical
solutions. Gray-Scott has a residual but starts from a sampled grid field (no pointwise
initial condition); Kolmogorov flow's vorticity form is non-local (a stream-function solve),
so it has no pointwise residual.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp

from ..geometry import Box, TimeXSpace
from ..solvers import spectral as sp
from ._catalogue_periodic import check_extent
from ._classical import SpectralProblem
from ._parameter import Parameter, as_parameter as _param


def _square(x_min: float, extent: float, t_end: float) -> TimeXSpace:
    check_extent(extent, t_end)
    lo, hi = float(x_min), float(x_min) + float(extent)
    return TimeXSpace(Box((lo, lo), (hi, hi)), 0.0, float(t_end))


class GrayScott(SpectralProblem):
    r"""Gray-Scott reaction-diffusion on the periodic square $[x_0, x_0 + L)^2$.

    $$u_t = D_u \Delta u - uv^2 + F(1 - u), \qquad v_t = D_v \Delta v + uv^2 - (F + \kappa) v,$$

    from Pearson's (1993) start: $(u, v) = (1, 0)$ with a centred square of side $0.08L$ at
    $(1/2, 1/4)$, plus 1 % noise drawn with `seed`. Two outputs $(u, v)$; the residual is
    pointwise, but the initial state is a sampled grid field, so there is no pointwise
    initial condition (give it to a learned method as data).

    **Arguments:**

    - `feed`, `kill`: the rates $F$ and $\kappa$.
    - `diffusivity_u`, `diffusivity_v`: $D_u$ and $D_v$.
    - `x_min`, `extent`: the periodic square $[x_0, x_0 + L)^2$.
    - `t_end`: the final time.
    - `seed`: the seed of the initial noise.

    **Example:** a coarse classical solve, channels first.

    >>> t, x, u = GrayScott().classical(n=32, dt=1.0, snapshots=2, t_end=20.0)
    >>> u.shape
    (3, 2, 32, 32)
    """

    domain: TimeXSpace
    parameters: dict[str, Parameter]
    seed: int

    def __init__(
        self,
        feed=0.04,
        kill=0.06,
        diffusivity_u=2e-5,
        diffusivity_v=1e-5,
        x_min: float = 0.0,
        extent: float = 2.5,
        t_end: float = 2000.0,
        seed: int = 0,
    ):
        self.domain = _square(x_min, extent, t_end)
        self.parameters = {
            "feed": _param(feed),
            "kill": _param(kill),
            "diffusivity_u": _param(diffusivity_u, positive=True),
            "diffusivity_v": _param(diffusivity_v, positive=True),
        }
        self.seed = int(seed)

    @property
    def output_size(self):
        return 2

    @property
    def periodic(self) -> dict[str, float]:
        extent = float(self.domain.hi[1] - self.domain.lo[1])
        return {"x": extent, "y": extent}

    def residual(self, u, params):
        h, ht = u(), u.d("t")
        lap = u.d("x", "x") + u.d("y", "y")
        uv2 = h[0] * h[1] ** 2
        f, k = params["feed"], params["kill"]
        return jnp.stack(
            [
                ht[0] - params["diffusivity_u"] * lap[0] + uv2 - f * (1 - h[0]),
                ht[1] - params["diffusivity_v"] * lap[1] - uv2 + (f + k) * h[1],
            ]
        )

    def _spectral_pde(self):
        v = {k: p.value for k, p in self.parameters.items()}
        return sp.GrayScott(
            diffusivity_u=v["diffusivity_u"], diffusivity_v=v["diffusivity_v"], feed=v["feed"], kill=v["kill"]
        )

    def _initial_state(self, grid, x, dtype):
        return sp.gray_scott_square(grid, key=jax.random.key(self.seed), dtype=dtype)


class KolmogorovFlow(SpectralProblem):
    r"""2-d Navier-Stokes in vorticity form with Kolmogorov forcing on $[x_0, x_0 + L)^2$.

    $$\omega_t + \nabla\cdot(\mathbf{u}\,\omega) = \nu\Delta\omega - \alpha\,\omega
      - A\kappa\cos(\kappa y), \qquad \Delta\psi = -\omega, \quad \mathbf{u} = (\psi_y, -\psi_x),$$

    with $\kappa = 2\pi n_f / L$ (Kochkov et al. 2021), from a Gaussian random vorticity
    field drawn with `seed`. The velocity comes from a non-local stream-function solve, so
    there is no pointwise residual: only `classical`.

    **Arguments:**

    - `nu`: the viscosity $\nu$.
    - `drag`: the linear drag $\alpha$.
    - `forcing_wavenumber`: $n_f$, the forcing's number of periods across the box.
    - `forcing_amplitude`: $A$.
    - `x_min`, `extent`: the periodic square $[x_0, x_0 + L)^2$.
    - `t_end`: the final time.
    - `seed`: the seed of the initial vorticity.

    **Example:** a coarse classical solve of the vorticity.

    >>> t, x, w = KolmogorovFlow().classical(n=32, dt=0.05, snapshots=2, t_end=0.5)
    >>> w.shape
    (3, 1, 32, 32)
    """

    domain: TimeXSpace
    parameters: dict[str, Parameter]
    forcing_wavenumber: int
    seed: int

    def __init__(
        self,
        nu=1e-3,
        drag=0.1,
        forcing_wavenumber: int = 4,
        forcing_amplitude=1.0,
        x_min: float = 0.0,
        extent: float = 2 * math.pi,
        t_end: float = 10.0,
        seed: int = 0,
    ):
        self.domain = _square(x_min, extent, t_end)
        self.parameters = {
            "nu": _param(nu, positive=True),
            "drag": _param(drag),
            "forcing_amplitude": _param(forcing_amplitude),
        }
        self.forcing_wavenumber, self.seed = int(forcing_wavenumber), int(seed)

    @property
    def periodic(self) -> dict[str, float]:
        extent = float(self.domain.hi[1] - self.domain.lo[1])
        return {"x": extent, "y": extent}

    def residual(self, u, params):
        raise NotImplementedError(
            "KolmogorovFlow's vorticity form needs the stream function (a Poisson solve): it has no "
            "pointwise residual; use classical()."
        )

    def _spectral_pde(self):
        v = {k: p.value for k, p in self.parameters.items()}
        return sp.NavierStokesVorticity(
            nu=v["nu"],
            drag=v["drag"],
            forcing_wavenumber=self.forcing_wavenumber,
            forcing_amplitude=v["forcing_amplitude"],
        )

    def _initial_state(self, grid, x, dtype):
        return sp.gaussian_random_field(grid, key=jax.random.key(self.seed), dtype=dtype)
