"""High-accuracy spectral reference for the viscous Burgers sine benchmark."""

from __future__ import annotations

import math
from collections.abc import Callable

import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import Array, Float

from ...metrics import rel_l2
from ._burgers import Burgers
from ._classic import sine_wave
from ._grid import PeriodicGrid
from ._stepper import Stepper


@eqx.filter_jit
def _advance(stepper: Stepper, u0: Array, num_steps: int) -> Array:
    return jax.lax.fori_loop(0, num_steps, lambda _, u: stepper(u), u0)


def burgers_sine_solution(
    t: float,
    *,
    nu: float = 0.01 / math.pi,
    num_points: int = 2048,
    dt: float = 1e-4,
    order: int = 4,
    dealiasing_fraction: float = 2 / 3,
) -> tuple[Float[Array, " n"], Float[Array, " n"]]:
    r"""Solve $u_t + uu_x = \nu u_{xx}$, $u_0 = -\sin(\pi x)$, $x\in[-1,1)$ periodic, up to `t`.

    The benchmark of Basdevant et al. (1986) and Raissi et al. (2019, PINNs); on the periodic
    domain it coincides with the Dirichlet problem $u(\pm1,t)=0$ by odd symmetry. Spectral
    ETDRK on ``num_points`` points; the step is shrunk so that ``t/dt`` is an integer. Runs in
    float64 if ``jax_enable_x64`` is on (recommended: the defaults reach about 1e-9 relative L2
    at ``t = 1``, see the tests), else float32.

    **Arguments:**

    - `t`: the final time ($\ge 0$).
    - `nu`: the viscosity $\nu$.
    - `num_points`: grid points on $[-1, 1)$.
    - `dt`: the largest step.
    - `order`: the ETDRK order.
    - `dealiasing_fraction`: default 2/3.

    **Returns:** `(x, u)`: the grid points in $[-1, 1)$ and the solution there, shape `(N,)`.

    **Example:** a coarse solve at $t = 0.5$ against the Cole-Hopf solution.

    >>> x, u = burgers_sine_solution(0.5, num_points=256, dt=1e-3)
    >>> exact = burgers_cole_hopf(np.full(x.shape, 0.5), np.asarray(x), 0.01 / math.pi)
    >>> x.shape, bool(np.abs(u - exact).max() < 0.05)
    ((256,), True)
    """
    if not t >= 0:
        raise ValueError(f"t must be >= 0, got {t!r}.")
    grid = PeriodicGrid(1, num_points, extent=2.0)
    num_steps = max(1, math.ceil(t / dt - 1e-9)) if t > 0 else 0
    step = t / num_steps if num_steps else dt
    pde = Burgers(nu=nu, dealiasing_fraction=dealiasing_fraction)
    stepper = Stepper(pde, grid, step, order=order)
    # Grid coordinate x' = x + 1 in [0, 2): -sin(pi x) = sin(pi x').
    u0 = sine_wave(grid)
    u = _advance(stepper, u0, num_steps)[0]
    x = grid.coordinates()[0] - 1.0
    return x, u


def burgers_sine_error(
    exact: Callable[[Array, float], Array], t: float = 1.0, **solver_kwargs
) -> Float[Array, ""]:
    r"""Relative L2 error $\|u_h - u\|_2/\|u\|_2$ of `burgers_sine_solution` at time `t`.

    **Arguments:**

    - `exact`: `exact(x, t)` evaluates the reference (e.g. a Cole-Hopf solution) at points
      `x` in $[-1, 1)$.
    - `t`: the time.
    - `**solver_kwargs`: passed on to `burgers_sine_solution` (the reference must use the
      same `nu`).

    **Returns:** the relative L2 error on the solver grid.

    **Example:** 256 points, against `physax.solvers.burgers_cole_hopf`.

    >>> cole_hopf = lambda x, t: burgers_cole_hopf(np.full(x.shape, t), np.asarray(x), 0.01 / math.pi)
    >>> error = burgers_sine_error(cole_hopf, 0.5, num_points=256, dt=1e-3)
    >>> bool(error < 0.02)
    True
    """
    x, u = burgers_sine_solution(t, **solver_kwargs)
    ref = jnp.asarray(exact(x, t))
    return rel_l2(u, ref)
