"""Initial, boundary and interior conditions, each written for one point."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

import equinox as eqx
from jaxtyping import Array

Region = Literal["initial", "boundary", "interior"]


class Condition(eqx.Module):
    r"""A condition `residual(u, params) = 0` imposed at the points of one region.

    `residual` receives a `physax.pinn.Field` (the value and derivatives of the solution at
    one point) and the resolved parameter dict, and returns the residual at that point.
    PINN-type methods add its mean square to the loss; hard constraints remove it.

    **Arguments:**

    - `region`: where it holds: `"initial"` (the slice $t = t_0$), `"boundary"` or
      `"interior"`.
    - `residual`: the function `(u, params) -> residual`.

    **Example:** a Neumann condition $u_x = 0$ on the boundary, checked on $u = \cos(\pi x)$.

    >>> neumann = Condition("boundary", lambda u, params: u.d("x"))
    >>> ends = jnp.array([[0.0, 0.0], [0.3, 1.0]])  # (t, x) points of Heat1D's boundary
    >>> u = lambda z: jnp.cos(jnp.pi * z[1])
    >>> r = eqx.filter_jit(pointwise_residual)(Heat1D(), u, neumann.residual, ends, {})
    >>> bool(jnp.abs(r).max() < 1e-6)
    True
    """

    region: Region = eqx.field(static=True)
    residual: Callable[..., Array] = eqx.field(static=True)

    def __check_init__(self):
        if self.region not in ("initial", "boundary", "interior"):
            raise ValueError(f"region must be 'initial', 'boundary' or 'interior', got {self.region!r}.")


def dirichlet(value: Callable[[Array], Array], region: Region = "boundary") -> Condition:
    r"""The Dirichlet condition $u(z) = g(z)$ on a region.

    **Arguments:**

    - `value`: the prescribed value $g$, a function of the point `z` (coordinates in the
      domain's order).
    - `region`: `"boundary"` (default), `"initial"` or `"interior"`.

    **Returns:** a `Condition` whose residual is $u(z) - g(z)$.

    **Example:**

    >>> bc = dirichlet(lambda z: jnp.zeros((), z.dtype))
    >>> bc.region
    'boundary'
    """
    return Condition(region, lambda u, params: u() - value(u.z))


def initial(value: Callable[[Array], Array]) -> Condition:
    r"""The initial condition $u(t_0, x) = g(z)$: a `dirichlet` condition on the initial slice.

    **Arguments:**

    - `value`: the initial value $g$, a function of the point `z = (t0, x, ...)`.

    **Returns:** a `Condition` on the region `"initial"`.

    **Example:** `Heat1D`'s exact solution meets its initial condition $u(0, x) = \sin(\pi x)$.

    >>> ic = initial(lambda z: jnp.sin(jnp.pi * z[1]))
    >>> problem = Heat1D(k=0.1, modes=((1, 1.0),))
    >>> pts = jnp.array([[0.0, 0.25], [0.0, 0.5]])
    >>> exact = lambda z: jnp.sin(jnp.pi * z[1]) * jnp.exp(-0.1 * jnp.pi**2 * z[0])
    >>> params = problem.resolve({})
    >>> r = eqx.filter_jit(pointwise_residual)(problem, exact, ic.residual, pts, params)
    >>> bool(jnp.abs(r).max() < 1e-6)
    True
    """
    return dirichlet(value, "initial")
