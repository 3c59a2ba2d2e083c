"""Second-order Taylor jets: forward-mode input derivatives propagated layer by layer.

A :class:`Jet` carries, for one point, the value ``v`` of an intermediate quantity, its
first directional derivatives ``d1[k]`` along ``k`` input directions and selected second
derivatives ``d2[p]`` for pairs of those directions. Propagating a jet through a network
yields the value and every input derivative a PDE residual needs in a single forward
pass (Taylor mode), instead of nested ``jvp`` calls that repeat the forward pass.

Rules (h a layer input, ``a``/``b`` directions):
  linear      y = W h + b:     y_a = W h_a,                  y_ab = W h_ab
  elementwise y = s(h):        y_a = s'(h) h_a,              y_ab = s'(h) h_ab + s''(h) h_a h_b
  product     y = g h:         y_a = g_a h + g h_a,          y_ab = g_ab h + g_a h_b + g_b h_a + g h_ab
  any f:      y_a = J_f h_a,   y_ab = J_f h_ab + D^2 f[h_a, h_b]   (nested jvp; the fallback)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import Array


class Jet(eqx.Module):
    """Value, first derivatives (one array per direction) and second derivatives (one per pair).

    ``pairs[i] = (a, b)`` says which two first-derivative directions ``d2[i]`` differentiates
    along. Directions are kept as separate arrays, not stacked: under ``vmap`` each becomes
    one plain (points x width) matrix product, which is markedly faster on CPU.
    """

    v: Array
    d1: tuple[Array, ...]
    d2: tuple[Array, ...]
    pairs: tuple[tuple[int, int], ...] = eqx.field(static=True)

    @staticmethod
    def seed(z: Array, directions: Sequence[Array], pairs: tuple[tuple[int, int], ...]) -> Jet:
        """The jet of the identity at ``z``: d1 = the directions, d2 = 0."""
        d1 = tuple(jnp.asarray(e, z.dtype) for e in directions)
        return Jet(z, d1, tuple(jnp.zeros_like(z) for _ in pairs), pairs)

    def map(self, v: Array, d1: Sequence[Array], d2: Sequence[Array]) -> Jet:
        return Jet(v, tuple(d1), tuple(d2), self.pairs)


def linear(jet: Jet, w: Array, b: Array | None = None) -> Jet:
    """Propagate through ``y = w @ h + b``."""
    v = w @ jet.v + (0 if b is None else b)
    return jet.map(v, [w @ x for x in jet.d1], [w @ x for x in jet.d2])


def combine(a: Jet, b: Jet, ca=1.0, cb=1.0) -> Jet:
    """Propagate through ``y = ca a + cb b`` for two jets at the same point (constant ``ca``, ``cb``)."""
    lin = lambda x, y: ca * x + cb * y
    return a.map(lin(a.v, b.v), list(map(lin, a.d1, b.d1)), list(map(lin, a.d2, b.d2)))


def multiply(a: Jet, b: Jet) -> Jet:
    """Propagate through the elementwise product ``y = a * b`` (Leibniz rule).

    ``y_p = a_p b + a b_p`` and ``y_pq = a_pq b + a_p b_q + a_q b_p + a b_pq``.
    """
    d1 = [x * b.v + a.v * y for x, y in zip(a.d1, b.d1)]
    d2 = [
        ha * b.v + a.d1[p] * b.d1[q] + a.d1[q] * b.d1[p] + a.v * hb
        for ha, hb, (p, q) in zip(a.d2, b.d2, a.pairs)
    ]
    return a.map(a.v * b.v, d1, d2)


def _derivatives(fn: Callable[[Array], Array], x: Array) -> tuple[Array, Array, Array]:
    ones = jnp.ones_like(x)
    first = lambda y: jax.jvp(fn, (y,), (ones,))
    (s0, s1), (_, s2) = jax.jvp(first, (x,), (ones,))
    return s0, s1, s2


def elementwise(jet: Jet, fn: Callable[[Array], Array]) -> Jet:
    """Propagate through an elementwise function (tanh, sin, ...); s', s'' by forward mode."""
    if fn is jnp.tanh or fn is jax.nn.tanh:
        s0 = jnp.tanh(jet.v)
        s1 = 1 - s0**2
        s2 = -2 * s0 * s1
    elif fn is jnp.sin:
        s0, s1, s2 = jnp.sin(jet.v), jnp.cos(jet.v), -jnp.sin(jet.v)
    else:
        s0, s1, s2 = _derivatives(fn, jet.v)
    d2 = [s1 * h + s2 * jet.d1[a] * jet.d1[b] for h, (a, b) in zip(jet.d2, jet.pairs)]
    return jet.map(s0, [s1 * h for h in jet.d1], d2)


def generic(jet: Jet, fn: Callable[[Array], Array]) -> Jet:
    """Propagate through any function with ``jvp``: the fallback for unknown layers."""
    v, lin = jax.linearize(fn, jet.v)

    def curvature(ha, hb):
        return jax.jvp(lambda y: jax.jvp(fn, (y,), (ha,))[1], (jet.v,), (hb,))[1]

    d2 = [lin(h) + curvature(jet.d1[a], jet.d1[b]) for h, (a, b) in zip(jet.d2, jet.pairs)]
    return jet.map(v, [lin(h) for h in jet.d1], d2)


def propagate(module: Callable, jet: Jet) -> Jet:
    """Push ``jet`` through ``module``: its own ``taylor`` rule if it has one, else :func:`generic`."""
    if hasattr(module, "taylor"):
        return module.taylor(jet)
    if isinstance(module, eqx.nn.Sequential):
        for layer in module.layers:
            jet = propagate(layer, jet)
        return jet
    return generic(jet, module)
