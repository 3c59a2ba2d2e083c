"""Constant-density CPML operator with memory variables on the layer slabs only.

For constant density the spatial operator is the plain Laplacian everywhere plus,
inside each absorbing layer, the CPML corrections of Komatitsch & Martin (2007):
along an axis with a layer,

$$\\psi \\leftarrow b_{1/2}\\,\\psi + a_{1/2}\\,D^+p,\\qquad
  \\zeta \\leftarrow b\\,\\zeta + a\\,(D^2 p + D^-\\psi),\\qquad
  Lp \\mathrel{+}= D^-\\psi + \\zeta,$$

with $D^\\pm$ the staggered first differences. The memory variables are stored and
updated on slabs that hold the layer plus a stencil half-width (see `slabs`), so
the full-grid work stays one fused Laplacian loop.

The operator is linear in $(p, \\psi, \\zeta)$ for fixed coefficients. It is a JAX
primitive whose transpose is written out (`_transpose_rule`): JAX's own transpose
of the slab slicing embeds every slab cotangent back into the grid with a full-grid
pad, and XLA:CPU summed ~30 of them in one bounds-checked loop, which made a step
of reverse mode cost ~8x a forward step on the FWI benchmark. Forward mode applies
the operator to the tangents; the CPML coefficients are not differentiated (they
are fixed or computed from a `stop_gradient` maximum velocity).
"""

import jax.numpy as jnp
from jax import core, lax
from jax.extend.core import Primitive
from jax.interpreters import ad, batching, mlir

from ._stencils import backward_derivative, forward_derivative, second_derivative, transpose


def slabs(n: int, ends: tuple[int, int], m: int) -> list[tuple[int, int]] | None:
    """Index ranges along one axis that hold every non-zero CPML memory value plus a halo.

    With stencil half-width `m`, the memory variables of a layer of `lo` cells at the low
    end are non-zero only on `[0, lo)` and the correction they add only on `[0, lo + m)`;
    the derivatives of $p$ on `[0, lo)` need $p$ on `[0, lo + m)`. So the slab
    `[0, lo + m)` holds everything (the derivatives near its far end, computed with zeros
    beyond it, are wrong but meet zero CPML coefficients). Mirrored at the high end:
    `[n - hi - m, n)`. `None` when the slabs would overlap (small grids): then the
    full-grid update is used.
    """
    lo, hi = ends
    out = []
    if lo > 0:
        out.append((0, min(n, lo + m)))
    if hi > 0:
        out.append((max(0, n - hi - m), n))
    if len(out) == 2 and out[0][1] > out[1][0]:
        return None
    return out


def _take(x, start, stop, axis):
    return lax.slice_in_dim(x, start, stop, axis=axis)


def _add_on_slabs(full, ranges, values, axis):
    """`full` with `values[k]` added on `ranges[k]` along `axis` (one concatenation)."""
    pieces, last = [], 0
    for (start, stop), v in zip(ranges, values, strict=True):
        pieces += [_take(full, last, start, axis), _take(full, start, stop, axis) + v]
        last = stop
    pieces.append(_take(full, last, full.shape[axis], axis))
    return jnp.concatenate(pieces, axis)


def _unflatten(operands, ranges):
    """(p, memories per axis, profiles per axis) from the flat operand list."""
    p, rest = operands[0], list(operands[1:])
    memories = []
    for rng in ranges:
        if rng is None:
            memories.append(None)
            continue
        memories.append([(rest.pop(0), rest.pop(0)) for _ in rng])
    profiles = [None if rng is None else tuple(rest.pop(0) for _ in range(4)) for rng in ranges]
    return p, memories, profiles


def _flat_memories(memories):
    return [x for mems in memories if mems is not None for pair in mems for x in pair]


def _coefficients(prof, start, stop, axis, lead, prof_lead):
    # a profile is (n, 1) or (1, n), with `prof_lead` leading batch axes of its own
    out = tuple(_take(c, start, stop, axis + prof_lead) for c in prof)
    return tuple(
        c.reshape(c.shape[:prof_lead] + (1,) * (lead - prof_lead) + c.shape[prof_lead:]) for c in out
    )


def _forward(*operands, ranges, order, dx, free, lead, prof_lead):
    p, memories, profiles = _unflatten(operands, ranges)
    total = second_derivative(p, order, lead, free, lead) + second_derivative(p, order, lead + 1, False, lead)
    total = total / (dx * dx)
    new_memories = []
    for axis in (0, 1):
        if ranges[axis] is None:
            continue
        ax, adds = axis + lead, []
        for (start, stop), (psi, zeta) in zip(ranges[axis], memories[axis], strict=True):
            ps = _take(p, start, stop, ax)
            a, b, a_half, b_half = _coefficients(profiles[axis], start, stop, axis, lead, prof_lead)
            psi = b_half * psi + a_half * (forward_derivative(ps, order, ax) / dx)
            corr = backward_derivative(psi, order, ax) / dx
            zeta = b * zeta + a * (second_derivative(ps, order, ax) / (dx * dx) + corr)
            new_memories += [psi, zeta]
            adds.append(corr + zeta)
        total = _add_on_slabs(total, ranges[axis], adds, ax)
    return [total, *new_memories]


def _transpose(cts, profiles, *, ranges, order, dx, free, lead, prof_lead):
    """Cotangents of (p, memories) from those of (L p, new memories)."""
    ct_total, ct_mems = cts[0], list(cts[1:])
    ct_p = transpose(second_derivative, ct_total, order, lead, free, lead)
    ct_p = (ct_p + transpose(second_derivative, ct_total, order, lead + 1, False, lead)) / (dx * dx)
    out_memories = []
    for axis in (0, 1):
        if ranges[axis] is None:
            continue
        ax, adds = axis + lead, []
        for start, stop in ranges[axis]:
            ct_psi, ct_zeta = ct_mems.pop(0), ct_mems.pop(0)
            a, b, a_half, b_half = _coefficients(profiles[axis], start, stop, axis, lead, prof_lead)
            ct_add = _take(ct_total, start, stop, ax)
            ct_zeta = ct_zeta + ct_add  # zeta is carried and also enters L p
            ct_term = a * ct_zeta
            ct_corr = ct_add + ct_term
            ct_ps = transpose(second_derivative, ct_term, order, ax) / (dx * dx)
            ct_psi = ct_psi + transpose(backward_derivative, ct_corr, order, ax) / dx
            ct_ps = ct_ps + transpose(forward_derivative, a_half * ct_psi, order, ax) / dx
            out_memories += [b_half * ct_psi, b * ct_zeta]
            adds.append(ct_ps)
        ct_p = _add_on_slabs(ct_p, ranges[axis], adds, ax)
    return [ct_p, *out_memories]


_slab_p = Primitive("physax_cpml_slab_operator")
_slab_p.multiple_results = True
_slab_p.def_impl(_forward)
mlir.register_lowering(_slab_p, mlir.lower_fun(_forward, multiple_results=True))


def _n_linear(ranges):
    return 1 + 2 * sum(len(r) for r in ranges if r is not None)


@_slab_p.def_abstract_eval
def _abstract_eval(*operands, ranges, **_):
    return [core.ShapedArray(x.shape, x.dtype) for x in operands[: _n_linear(ranges)]]


def _jvp_rule(primals, tangents, **params):
    n = _n_linear(params["ranges"])
    out = _slab_p.bind(*primals, **params)
    linear = [ad.instantiate_zeros(t) for t in tangents[:n]]
    return out, _slab_p.bind(*linear, *primals[n:], **params)


def _transpose_rule(cts, *operands, **params):
    n = _n_linear(params["ranges"])
    if any(ad.is_undefined_primal(x) for x in operands[n:]):
        # deliberate: the damping profiles are constants of the operator (CPML velocity_max is
        # fixed or taken from a stop_gradient maximum), and the jvp rule drops their tangents
        raise NotImplementedError(
            "the CPML damping profiles cannot be differentiated; keep velocity_max fixed or out of gradients"
        )
    cts = [
        jnp.zeros(x.aval.shape, x.aval.dtype) if type(ct) is ad.Zero else ct
        for ct, x in zip(cts, operands[:n], strict=True)
    ]
    _, _, profiles = _unflatten([None, *[None] * (n - 1), *operands[n:]], params["ranges"])
    return [*_transpose(cts, profiles, **params), *[None] * (len(operands) - n)]


def _batch_rule(operands, dims, *, ranges, lead, prof_lead, **params):
    n = _n_linear(ranges)
    size = next(x.shape[d] for x, d in zip(operands, dims, strict=True) if d is not None)
    prof_batched = any(d is not None for d in dims[n:])
    out = []
    for i, (x, d) in enumerate(zip(operands, dims, strict=True)):
        if i < n or prof_batched:
            x = jnp.broadcast_to(x, (size, *x.shape)) if d is None else jnp.moveaxis(x, d, 0)
        out.append(x)
    result = _slab_p.bind(
        *out, ranges=ranges, lead=lead + 1, prof_lead=prof_lead + int(prof_batched), **params
    )
    return result, [0] * len(result)


ad.primitive_jvps[_slab_p] = _jvp_rule
ad.primitive_transposes[_slab_p] = _transpose_rule
batching.primitive_batchers[_slab_p] = _batch_rule


def slab_operator(p, memories, profiles, ranges, order, dx, free):
    """Return `(L p, new memories)` of the constant-density CPML operator on slabs.

    **Arguments:** `p` `(nz, nx)`; `memories[axis]` a list of `(psi, zeta)` per slab
    (None without a layer on that axis); `profiles[axis]` = `(a, b, a_half, b_half)`
    shaped to broadcast along `axis`; `ranges[axis]` the slab index ranges (`slabs`);
    `order`, grid spacing `dx` and whether the top is a free surface.
    """
    ranges = tuple(None if r is None else tuple(tuple(s) for s in r) for r in ranges)
    prof_leaves = [c for prof, rng in zip(profiles, ranges, strict=True) if rng is not None for c in prof]
    out = _slab_p.bind(
        p,
        *_flat_memories(memories),
        *prof_leaves,
        ranges=ranges,
        order=order,
        dx=float(dx),
        free=bool(free),
        lead=0,
        prof_lead=0,
    )
    total, rest, new_memories = out[0], list(out[1:]), []
    for rng in ranges:
        new_memories.append(None if rng is None else [(rest.pop(0), rest.pop(0)) for _ in rng])
    return total, new_memories
