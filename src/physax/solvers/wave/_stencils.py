"""Fused finite-difference stencils built from padding and slicing.

Each operator pads its input once along one axis and sums shifted slices with
the weights of `_coefficients`; XLA fuses the few slices into one loop, so no
convolution kernels are built. Outside the grid the field is zero (a rigid
Dirichlet edge, normally hidden behind a PML), except at a free surface on the
top edge (axis 0, index 0), where pressure is mirrored oddly
($p_{-k} = -p_k$) and the staggered fluxes evenly ($q_{-1/2-j} = q_{1/2+j}$),
the image method for $p = 0$ at row 0.

Staggered arrays store the value at $i + 1/2$ at index $i$.
"""

import jax.numpy as jnp
from jax import lax
from jaxtyping import Array, Float

from ._coefficients import central_coefficients, staggered_coefficients


def _pad(x: Float[Array, "a b"], m: int, axis: int, top: str) -> Float[Array, "a2 b2"]:
    """Pad `m` cells on both sides of `axis`; `top` (axis 0 only): 'zero', 'odd' or 'even'."""
    widths = [(0, 0), (0, 0)]
    widths[axis] = (m, m)
    padded = jnp.pad(x, widths)
    if axis == 0 and top != "zero":
        # rows -1..-m mirror rows 1..m (odd, about row 0) or 0..m-1 (even, about -1/2)
        mirror = x[1 : m + 1][::-1] if top == "odd" else x[:m][::-1]
        sign = -1.0 if top == "odd" else 1.0
        padded = padded.at[:m].set(sign * mirror)
    return padded


def _shift(padded: Float[Array, "a b"], start: int, n: int, axis: int) -> Float[Array, "c d"]:
    return lax.slice_in_dim(padded, start, start + n, axis=axis)


def second_derivative(
    p: Float[Array, "nz nx"], order: int, axis: int, free_top: bool = False
) -> Float[Array, "nz nx"]:
    r"""Central second difference $h^2\,\partial^2 p$ along `axis` (not divided by $h^2$)."""
    c = central_coefficients(order)
    m, n = len(c) - 1, p.shape[axis]
    pp = _pad(p, m, axis, "odd" if free_top else "zero")
    out = c[0] * p
    for k in range(1, m + 1):
        out = out + c[k] * (_shift(pp, m + k, n, axis) + _shift(pp, m - k, n, axis))
    return out


def forward_derivative(
    p: Float[Array, "nz nx"], order: int, axis: int, free_top: bool = False
) -> Float[Array, "nz nx"]:
    r"""Staggered $h\,\partial p$ at $i + 1/2$ from $p$ at integer points (not divided by $h$)."""
    c = staggered_coefficients(order)
    m, n = len(c), p.shape[axis]
    pp = _pad(p, m, axis, "odd" if free_top else "zero")
    out = jnp.zeros_like(p)
    for j, cj in enumerate(c, start=1):
        out = out + cj * (_shift(pp, m + j, n, axis) - _shift(pp, m - j + 1, n, axis))
    return out


def backward_derivative(
    q: Float[Array, "nz nx"], order: int, axis: int, free_top: bool = False
) -> Float[Array, "nz nx"]:
    r"""Staggered $h\,\partial q$ at integer points from $q$ at $i + 1/2$ (not divided by $h$)."""
    c = staggered_coefficients(order)
    m, n = len(c), q.shape[axis]
    qq = _pad(q, m, axis, "even" if free_top else "zero")
    out = jnp.zeros_like(q)
    for j, cj in enumerate(c, start=1):
        out = out + cj * (_shift(qq, m + j - 1, n, axis) - _shift(qq, m - j, n, axis))
    return out
