r"""Finite-difference stencils along one axis of a node grid (second order).

On interior nodes the central differences

$$u_x \approx \frac{u_{j+1} - u_{j-1}}{2h}, \quad
u_{xx} \approx \frac{u_{j+1} - 2u_j + u_{j-1}}{h^2},$$

and for third and fourth derivatives the five-point central formulas (periodic axes
only). At the two ends of a bounded axis: the one-sided second-order
$u_x \approx \mp(3u_0 - 4u_1 + u_2) / 2h$ and the first-order $u_{xx} \approx
(u_0 - 2u_1 + u_2)/h^2$ (ODIL evaluates the PDE on interior nodes only; the end stencils
serve boundary and initial conditions such as $u_t(0, x) = 0$). With ``accuracy=4`` (a
`physax.odil.Grid` option) the spatial first and second derivatives use the fourth-order
five-point formulas $(-u_{j+2} + 8u_{j+1} - 8u_{j-1} + u_{j-2})/12h$ and
$(-u_{j+2} + 16u_{j+1} - 30u_j + 16u_{j-1} - u_{j-2})/12h^2$ where they fit. Every stencil
reaches at most two nodes away, which the Jacobian's graph colouring relies on.
"""

from __future__ import annotations

import jax.numpy as jnp
from jaxtyping import Array

REACH = 2  # no stencil here reaches further than two nodes


def _take(u: Array, axis: int, start: int, stop: int | None) -> Array:
    idx = [slice(None)] * u.ndim
    idx[axis] = slice(start, stop)
    return u[tuple(idx)]


def _periodic(u: Array, axis: int, order: int, h: float) -> Array:
    r = lambda k: jnp.roll(u, -k, axis=axis)  # noqa: E731  (u_{j+k})
    if order == 1:
        return (r(1) - r(-1)) / (2 * h)
    if order == 2:
        return (r(1) - 2 * u + r(-1)) / h**2
    if order == 3:
        return (r(2) - 2 * r(1) + 2 * r(-1) - r(-2)) / (2 * h**3)
    return (r(2) - 4 * r(1) + 6 * u - 4 * r(-1) + r(-2)) / h**4


def _fourth(u: Array, axis: int, order: int, h: float, periodic: bool) -> Array:
    """Fourth-order central first/second derivatives (two nodes from a bounded end: second order)."""
    if periodic:
        r = lambda k: jnp.roll(u, -k, axis=axis)  # noqa: E731
        if order == 1:
            return (-r(2) + 8 * r(1) - 8 * r(-1) + r(-2)) / (12 * h)
        return (-r(2) + 16 * r(1) - 30 * u + 16 * r(-1) - r(-2)) / (12 * h**2)
    n = u.shape[axis]
    low = derivative(u, axis, order, h, periodic)
    if n < 5:
        return low
    t = lambda a, b=None: _take(u, axis, a, b)  # noqa: E731
    if order == 1:
        mid = (-t(4) + 8 * t(3, n - 1) - 8 * t(1, n - 3) + t(0, n - 4)) / (12 * h)
    else:
        mid = (-t(4) + 16 * t(3, n - 1) - 30 * t(2, n - 2) + 16 * t(1, n - 3) - t(0, n - 4)) / (12 * h**2)
    return jnp.concatenate([_take(low, axis, 0, 2), mid, _take(low, axis, n - 2, None)], axis=axis)


def derivative(u: Array, axis: int, order: int, h: float, periodic: bool, accuracy: int = 2) -> Array:
    """The `order`-th derivative (1-4) of node values `u` along `axis`, same shape as `u`.

    `accuracy` 4 uses the five-point fourth-order formulas for first and second
    derivatives (on nodes at least two away from a bounded end).
    """
    if accuracy == 4 and order <= 2:
        return _fourth(u, axis, order, h, periodic)
    if periodic:
        return _periodic(u, axis, order, h)
    n = u.shape[axis]
    t = lambda a, b=None: _take(u, axis, a, b)  # noqa: E731
    if order == 1:
        mid = (t(2) - t(0, n - 2)) / (2 * h)
        first = (-3 * t(0, 1) + 4 * t(1, 2) - t(2, 3)) / (2 * h)
        last = (3 * t(n - 1) - 4 * t(n - 2, n - 1) + t(n - 3, n - 2)) / (2 * h)
        return jnp.concatenate([first, mid, last], axis=axis)
    if order == 2:
        mid = (t(2) - 2 * t(1, n - 1) + t(0, n - 2)) / h**2
        first = (t(0, 1) - 2 * t(1, 2) + t(2, 3)) / h**2
        last = (t(n - 1) - 2 * t(n - 2, n - 1) + t(n - 3, n - 2)) / h**2
        return jnp.concatenate([first, mid, last], axis=axis)
    raise ValueError(
        f"ODIL's stencils give derivatives of order {order} only along periodic axes; "
        "make the axis periodic or rewrite the residual with derivatives of order <= 2."
    )
