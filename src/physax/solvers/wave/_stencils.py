"""Fused finite-difference stencils built from padding and slicing, with their transposes.

Each operator pads its input once along one axis and sums shifted slices with
the weights of `_coefficients`; XLA fuses the few slices into one loop, so no
convolution kernels are built. Outside the grid the field is zero (a rigid
Dirichlet edge, normally hidden behind a PML), except at a free surface on the
top edge (axis 0, index 0), where pressure is mirrored oddly
($p_{-k} = -p_k$) and the staggered fluxes evenly ($q_{-1/2-j} = q_{1/2+j}$),
the image method for $p = 0$ at row 0.

Reverse mode does not differentiate the pad-and-slice code: JAX's transpose of
it (a sum of differently padded copies) compiles on CPU to a loop that checks
bounds per element and took ~25x the forward stencil's time in FWI gradients.
Each operator is linear, so its vector-Jacobian product is its transpose,
written here as the same kind of stencil with the offsets negated, plus a fold
of the mirrored rows onto rows 0..m at a free surface.

Staggered arrays store the value at $i + 1/2$ at index $i$.
"""

import jax
import jax.numpy as jnp
from jax import core, lax
from jax.extend.core import Primitive
from jax.interpreters import ad, batching, mlir
from jaxtyping import Array, Float

from ._coefficients import central_coefficients, staggered_coefficients


def _pad(x, m: int, axis: int, low: str):
    """Pad `m` cells on both sides of `axis`; `low` end: 'zero', 'odd' or 'even' mirror."""
    widths = [(0, 0)] * x.ndim
    widths[axis] = (m, m)
    padded = jnp.pad(x, widths)
    if low != "zero":
        # cells -1..-m mirror cells 1..m (odd, about 0) or 0..m-1 (even, about -1/2)
        start = 1 if low == "odd" else 0
        mirror = lax.rev(lax.slice_in_dim(x, start, start + m, axis=axis), (axis,))
        sign = -1.0 if low == "odd" else 1.0
        padded = lax.dynamic_update_slice_in_dim(padded, sign * mirror, 0, axis)
    return padded


def _shift_sum(x, *, taps: tuple[tuple[int, float], ...], axis: int, low: str):
    """$y_i = \\sum_o w_o\\, X_{i+o}$ along `axis`, $X$ = `x` extended by `_pad` (taps: (o, w))."""
    m, n = max(abs(o) for o, _ in taps), x.shape[axis]
    padded = _pad(x, m, axis, low)
    out = None
    for o, w in taps:
        term = w * lax.slice_in_dim(padded, m + o, m + o + n, axis=axis)
        out = term if out is None else out + term
    return out


# A linear JAX primitive: evaluation lowers the pad-and-slice code above; forward mode
# applies the same stencil to the tangent and reverse mode uses `_transpose_rule`.
_stencil_p = Primitive("physax_wave_stencil")
_stencil_p.def_impl(_shift_sum)
_stencil_p.def_abstract_eval(lambda x, **_: core.ShapedArray(x.shape, x.dtype))
mlir.register_lowering(_stencil_p, mlir.lower_fun(_shift_sum, multiple_results=False))


def _stencil(x, taps, axis, low):
    return _stencil_p.bind(x, taps=taps, axis=axis, low=low)


def _transpose_rule(ct, x, *, taps, axis, low):
    if type(ct) is ad.Zero:
        return [ad.Zero(x.aval)]
    # transpose of the shift-sum on the zero-extended grid: negated offsets
    out = _stencil(ct, tuple((-o, w) for o, w in taps), axis, "zero")
    if low == "zero":
        return [out]
    # the mirrored cells J = -1..-m also received sum_o w_o ct_{J-o}: fold them back onto
    # the cells they copy (odd: cell k <- -cell -k, k = 1..m; even: cell k-1 <- cell -k)
    m = max(abs(o) for o, _ in taps)
    widths = [(0, 0)] * ct.ndim
    widths[axis] = (2 * m, 0)
    head = jnp.pad(lax.slice_in_dim(ct, 0, m, axis=axis), widths)
    ghost = None  # ghost[r] is cell J = r - m, r = 0..m-1
    for o, w in taps:
        term = w * lax.slice_in_dim(head, m - o, 2 * m - o, axis=axis)
        ghost = term if ghost is None else ghost + term
    ghost = lax.rev(ghost, (axis,))  # ghost[k - 1] is cell J = -k
    start, sign = (1, -1.0) if low == "odd" else (0, 1.0)
    pieces = [
        lax.slice_in_dim(out, 0, start, axis=axis),
        lax.slice_in_dim(out, start, start + m, axis=axis) + sign * ghost,
        lax.slice_in_dim(out, start + m, out.shape[axis], axis=axis),
    ]
    return [jnp.concatenate(pieces, axis)]


def _batch_rule(args, dims, *, taps, axis, low):
    (x,), (d,) = args, dims
    x = jnp.moveaxis(x, d, 0)
    return _stencil(x, taps, axis + 1, low), 0


ad.deflinear2(_stencil_p, _transpose_rule)
batching.primitive_batchers[_stencil_p] = _batch_rule


def _apply(x, taps, axis, free_top, mirror, top_axis):
    return _stencil(x, taps, axis, mirror if (free_top and axis == top_axis) else "zero")


def second_derivative(
    p: Float[Array, "nz nx"], order: int, axis: int, free_top: bool = False, top_axis: int = 0
) -> Float[Array, "nz nx"]:
    r"""Central second difference $h^2\,\partial^2 p$ along `axis` (not divided by $h^2$)."""
    c = central_coefficients(order)
    taps = ((0, c[0]), *((s * k, c[k]) for k in range(1, len(c)) for s in (1, -1)))
    return _apply(p, taps, axis, free_top, "odd", top_axis)


def forward_derivative(
    p: Float[Array, "nz nx"], order: int, axis: int, free_top: bool = False, top_axis: int = 0
) -> Float[Array, "nz nx"]:
    r"""Staggered $h\,\partial p$ at $i + 1/2$ from $p$ at integer points (not divided by $h$)."""
    c = staggered_coefficients(order)
    taps = tuple(t for j, cj in enumerate(c, start=1) for t in ((j, cj), (1 - j, -cj)))
    return _apply(p, taps, axis, free_top, "odd", top_axis)


def backward_derivative(
    q: Float[Array, "nz nx"], order: int, axis: int, free_top: bool = False, top_axis: int = 0
) -> Float[Array, "nz nx"]:
    r"""Staggered $h\,\partial q$ at integer points from $q$ at $i + 1/2$ (not divided by $h$)."""
    c = staggered_coefficients(order)
    taps = tuple(t for j, cj in enumerate(c, start=1) for t in ((j - 1, cj), (-j, -cj)))
    return _apply(q, taps, axis, free_top, "even", top_axis)


def transpose(operator, ct: Float[Array, "nz nx"], *args) -> Float[Array, "nz nx"]:
    """$A^T$ `ct` for one of the linear stencils above, `operator(x, *args)`."""
    _, vjp = jax.vjp(lambda x: operator(x, *args), jnp.zeros_like(ct))
    return vjp(ct)[0]
