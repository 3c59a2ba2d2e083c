"""Second-order Taylor jets: forward-mode input derivatives propagated layer by layer.

A `Jet` carries, for one point, the value ``v`` of an intermediate quantity, its
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
    r"""A second-order Taylor jet: value, first derivatives (one array per direction) and selected second ones.

    For one point, `v` is the value of an intermediate quantity $h$, `d1[k]` its derivative
    $h_k$ along input direction $k$, and `d2[i]` the second derivative $h_{ab}$ along the
    pair `pairs[i] = (a, b)`. Directions are kept as separate arrays, not stacked: under
    `vmap` each becomes one plain (points x width) matrix product, which is markedly faster
    on CPU. `Jet.seed(z, directions, pairs)` is the jet of the identity at `z`.

    **Arguments:**

    - `v`: the value.
    - `d1`: the first derivatives, one per direction.
    - `d2`: the second derivatives, one per pair.
    - `pairs`: the `(a, b)` direction pairs of `d2`.

    **Example:** the identity jet of the point $(x, y) = (0.3, 0.7)$ with $\partial_x$,
    $\partial_y$ and the pairs $xx$, $xy$.

    >>> z = jnp.array([0.3, 0.7])
    >>> jet = Jet.seed(z, [jnp.array([1.0, 0.0]), jnp.array([0.0, 1.0])], ((0, 0), (0, 1)))
    >>> jet.v, jet.d1[1], jet.d2[0]
    (Array([0.3, 0.7], dtype=float...), Array([0., 1.], dtype=float...), Array([0., 0.], dtype=float...))
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
    r"""Propagate a jet through the affine map $y = Wh + b$: $y_a = W h_a$, $y_{ab} = W h_{ab}$.

    **Arguments:**

    - `jet`: the jet of $h$.
    - `w`: the matrix $W$.
    - `b`: the bias (optional).

    **Returns:** the jet of $y$.

    **Example:** the first derivatives of $Wz$ are the columns of $W$.

    >>> z = jnp.array([0.3, 0.7])
    >>> jet = Jet.seed(z, [jnp.array([1.0, 0.0]), jnp.array([0.0, 1.0])], ((0, 0),))
    >>> y = linear(jet, jnp.array([[1.0, 2.0], [3.0, 4.0]]))
    >>> y.d1[0], y.d1[1]
    (Array([1., 3.], dtype=float...), Array([2., 4.], dtype=float...))
    """
    v = w @ jet.v + (0 if b is None else b)
    return jet.map(v, [w @ x for x in jet.d1], [w @ x for x in jet.d2])


def combine(a: Jet, b: Jet, ca=1.0, cb=1.0) -> Jet:
    r"""Propagate through the linear combination $y = c_a a + c_b b$ of two jets at the same point.

    **Arguments:**

    - `a`, `b`: the jets.
    - `ca`, `cb`: constant coefficients.

    **Returns:** the jet of $y$.

    **Example:** $y = 2x - x^2$ at $x = 0.5$: $y = 0.75$, $y' = 1$, $y'' = -2$.

    >>> jet = Jet.seed(jnp.array([0.5]), [jnp.ones(1)], ((0, 0),))  # x = 0.5, d/dx
    >>> y = combine(jet, multiply(jet, jet), 2.0, -1.0)
    >>> y.v, y.d1[0], y.d2[0]
    (Array([0.75], dtype=float...), Array([1.], dtype=float...), Array([-2.], dtype=float...))
    """
    lin = lambda x, y: ca * x + cb * y
    return a.map(lin(a.v, b.v), list(map(lin, a.d1, b.d1)), list(map(lin, a.d2, b.d2)))


def multiply(a: Jet, b: Jet) -> Jet:
    r"""Propagate through the elementwise product $y = ab$ (Leibniz rule).

    $y_p = a_p b + a b_p$ and $y_{pq} = a_{pq} b + a_p b_q + a_q b_p + a b_{pq}$.

    **Arguments:**

    - `a`, `b`: the jets of the factors, at the same point.

    **Returns:** the jet of $y$.

    **Example:** $x^2$ at $x = 0.5$: value 0.25, slope 1, curvature 2.

    >>> jet = Jet.seed(jnp.array([0.5]), [jnp.ones(1)], ((0, 0),))  # x = 0.5, d/dx
    >>> y = multiply(jet, jet)
    >>> y.v, y.d1[0], y.d2[0]
    (Array([0.25], dtype=float...), Array([1.], dtype=float...), Array([2.], dtype=float...))
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
    r"""Propagate through an elementwise function $y = s(h)$: $y_a = s'(h) h_a$, $y_{ab} = s'(h) h_{ab} + s''(h) h_a h_b$.

    `tanh` and `sin` use their closed-form derivatives; any other $s$ gets $s'$ and $s''$
    by forward mode.

    **Arguments:**

    - `jet`: the jet of $h$.
    - `fn`: the elementwise function $s$.

    **Returns:** the jet of $y$.

    **Example:** $\tanh$ at 0.5: $\tanh' = 1 - \tanh^2$ and $\tanh'' = -2\tanh\,(1 - \tanh^2)$.

    >>> jet = Jet.seed(jnp.array([0.5]), [jnp.ones(1)], ((0, 0),))  # x = 0.5, d/dx
    >>> y = elementwise(jet, jnp.tanh)
    >>> t = math.tanh(0.5)
    >>> bool(jnp.allclose(jnp.stack([y.d1[0], y.d2[0]]), jnp.array([[1 - t**2], [-2 * t * (1 - t**2)]])))
    True
    """
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
    r"""Propagate through any function with `jvp`: the fallback for layers without a Taylor rule.

    $y_a = J_f h_a$ and $y_{ab} = J_f h_{ab} + D^2 f[h_a, h_b]$, the curvature term by
    nested `jvp`.

    **Arguments:**

    - `jet`: the jet of $h$.
    - `fn`: the function $f$.

    **Returns:** the jet of $y = f(h)$.

    **Example:** $x^3$ at $x = 0.5$: $3x^2 = 0.75$ and $6x = 3$.

    >>> jet = Jet.seed(jnp.array([0.5]), [jnp.ones(1)], ((0, 0),))  # x = 0.5, d/dx
    >>> y = generic(jet, lambda h: h**3)
    >>> y.v, y.d1[0], y.d2[0]
    (Array([0.125], dtype=float...), Array([0.75], dtype=float...), Array([3.], dtype=float...))
    """
    v, lin = jax.linearize(fn, jet.v)

    def curvature(ha, hb):
        return jax.jvp(lambda y: jax.jvp(fn, (y,), (ha,))[1], (jet.v,), (hb,))[1]

    d2 = [lin(h) + curvature(jet.d1[a], jet.d1[b]) for h, (a, b) in zip(jet.d2, jet.pairs)]
    return jet.map(v, [lin(h) for h in jet.d1], d2)


def propagate(module: Callable, jet: Jet) -> Jet:
    r"""Push a jet through a module: its own `taylor` rule if it has one, else `generic`.

    Layer by layer through an `eqx.nn.Sequential`. This is how `physax.pinn` gets every
    derivative a residual needs in one forward pass.

    **Arguments:**

    - `module`: the network or layer.
    - `jet`: the jet of its input.

    **Returns:** the jet of its output.

    **Example:** $u_{xx}$ and $u_{xy}$ of an MLP in one pass, against `jax.hessian`.

    >>> net = nn.MLP(2, "scalar", width=8, depth=2, key=jax.random.key(0))
    >>> z = jnp.array([0.3, 0.7])
    >>> jet = Jet.seed(z, [jnp.array([1.0, 0.0]), jnp.array([0.0, 1.0])], ((0, 0), (0, 1)))
    >>> out = eqx.filter_jit(propagate)(net, jet)
    >>> hessian = jax.jit(jax.hessian(net))(z)
    >>> bool(jnp.allclose(jnp.stack(out.d2), jnp.stack([hessian[0, 0], hessian[0, 1]]), atol=1e-5))
    True
    """
    if hasattr(module, "taylor"):
        return module.taylor(jet)
    if isinstance(module, eqx.nn.Sequential):
        for layer in module.layers:
            jet = propagate(layer, jet)
        return jet
    return generic(jet, module)
