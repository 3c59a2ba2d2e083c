"""Arithmetic on second-order Taylor jets (`physax.nn.Jet`): the FBPINN blend rules.

Sums of jets are jets of sums, so `segment_sum` applies to each component. Products and
quotients follow Leibniz (`a`, `b` directions):

  (f g)_a  = f_a g + f g_a,        (f g)_ab = f_ab g + f_a g_b + f_b g_a + f g_ab
  (n / s)  = q,  q_a = (n_a - q s_a) / s,  q_ab = (n_ab - q_a s_b - q_b s_a - q s_ab) / s
"""

from __future__ import annotations

from collections.abc import Callable

import jax
import jax.numpy as jnp
from jaxtyping import Array

from ..nn.jet import Jet, generic


def _bc(scalar: Array, like: Array) -> Array:
    """Broadcast a per-row scalar against a (rows, ...) array."""
    return jnp.reshape(scalar, scalar.shape + (1,) * (like.ndim - scalar.ndim))


def product(f: Jet, g: Jet) -> Jet:
    """The jet of `f * g` (`f` scalar per row, `g` scalar or vector per row)."""
    b = lambda x: _bc(x, g.v)
    d1 = [b(fa) * g.v + b(f.v) * ga for fa, ga in zip(f.d1, g.d1)]
    d2 = [
        b(fab) * g.v + b(f.d1[i]) * g.d1[j] + b(f.d1[j]) * g.d1[i] + b(f.v) * gab
        for fab, gab, (i, j) in zip(f.d2, g.d2, f.pairs)
    ]
    return g.map(b(f.v) * g.v, d1, d2)


def quotient(n: Jet, s: Jet) -> Jet:
    """The jet of `n / s` where `s > 0`, and of 0 where `s == 0` (no subdomain there)."""
    ok = s.v > 0
    safe = jnp.where(ok, s.v, 1.0)
    b = lambda x: _bc(x, n.v)
    q = jnp.where(b(ok), n.v / b(safe), 0.0)
    d1 = [jnp.where(b(ok), (na - q * b(sa)) / b(safe), 0.0) for na, sa in zip(n.d1, s.d1)]
    d2 = [
        jnp.where(b(ok), (nab - d1[i] * b(s.d1[j]) - d1[j] * b(s.d1[i]) - q * b(sab)) / b(safe), 0.0)
        for nab, sab, (i, j) in zip(n.d2, s.d2, n.pairs)
    ]
    return n.map(q, d1, d2)


def segment_sum(jet: Jet, segments: Array, n: int) -> Jet:
    """Sum the rows of `jet` that share a segment id (`n` segments)."""
    ss = lambda x: jax.ops.segment_sum(x, segments, num_segments=n, indices_are_sorted=True)
    return jet.map(ss(jet.v), [ss(x) for x in jet.d1], [ss(x) for x in jet.d2])


def reduce_levels(jet: Jet, n_points: int, n_levels: int, divisor: Array) -> Jet:
    """Average the per-(point, level) rows over levels: `sum_l q_l / divisor`."""

    def red(x):
        x = jnp.reshape(x, (n_points, n_levels) + x.shape[1:])
        return jnp.sum(x, axis=1) / _bc(divisor.astype(x.dtype), x[:, 0])

    return jet.map(red(jet.v), [red(x) for x in jet.d1], [red(x) for x in jet.d2])


def affine(jet: Jet, scale: float, shift: float) -> Jet:
    """The jet of `shift + scale * u`."""
    return jet.map(shift + scale * jet.v, [scale * x for x in jet.d1], [scale * x for x in jet.d2])


def transform(seed: Jet, out: Jet, fn: Callable[[Array, Array], Array]) -> Jet:
    """The jet of `fn(z, u(z))` for one point, from the seed jet of `z` and the jet of `u`."""
    d = seed.v.shape[0]
    shape = jnp.shape(out.v)
    flat = lambda a, b: jnp.concatenate([a, jnp.reshape(b, (-1,))])
    joint = seed.map(flat(seed.v, out.v), list(map(flat, seed.d1, out.d1)), list(map(flat, seed.d2, out.d2)))
    return generic(joint, lambda w: fn(w[:d], jnp.reshape(w[d:], shape)))


def row(jet: Jet, i) -> Jet:
    """Row `i` of a batched jet."""
    return jet.map(jet.v[i], [x[i] for x in jet.d1], [x[i] for x in jet.d2])
