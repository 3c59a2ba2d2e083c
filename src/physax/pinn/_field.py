"""What a PDE residual sees: a field's value and partial derivatives at one point.

Residuals and conditions are written for a single point against a `Field`::

    def residual(self, u, params):
        return u.d("t") + params["lambda1"] * u() * u.d("x") - params["lambda2"] * u.d("x", "x")

`evaluate` runs the residual twice at trace time: first against a recorder that
notes which derivatives it asks for, then against the derivatives of the model computed
together in one forward-mode Taylor pass (`physax.nn._jet`). The recording pass
produces only dead code, which XLA removes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import Array, Float

from ..nn.jet import Jet, propagate

Key = tuple[str, ...]


class Field:
    r"""The value `u()` and partials `u.d("x")`, `u.d("x", "x")`, `u.d("t", "x")` of a field at the point `u.z`.

    Residuals and conditions are written for one point against a `Field`; `evaluate`
    hands them one whose derivatives come from a single Taylor-mode pass through the
    network. `u.d` takes one to four coordinate names (`u.d("x", "x", "x")` is
    $u_{xxx}$), `u.coord("x")` is the point's coordinate.

    **Arguments:**

    - `z`: the point.
    - `coords`: the coordinate names, in the order of `z`.
    - `lookup`: maps `()` to the value and a sorted tuple of names to that derivative.

    **Example:**

    >>> # Burgers' residual u_t + u u_x - nu u_xx against given values
    >>> derivatives = {(): 1.0, ("t",): -0.3, ("x",): 2.0, ("x", "x"): -4.0}
    >>> u = Field(jnp.array([0.5, 0.2]), ("t", "x"), derivatives.__getitem__)
    >>> u(), u.d("x"), u.coord("t")
    (1.0, 2.0, Array(0.5, dtype=float64))
    >>> u.d("t") + u() * u.d("x") - 0.1 * u.d("x", "x")
    2.1
    """

    def __init__(self, z: Float[Array, " d"], coords: Sequence[str], lookup: Callable[[Key], Array]):
        self.z = z
        self.coords = tuple(coords)
        self._lookup = lookup

    def __call__(self) -> Array:
        """The value of the field."""
        return self._lookup(())

    def d(self, *names: str) -> Array:
        """Partial derivative along one to four coordinates (`u.d("x", "x", "x")` is u_xxx)."""
        if not 1 <= len(names) <= 4:
            raise ValueError(f"Field.d takes one to four coordinate names, got {names}.")
        for n in names:
            if n not in self.coords:
                raise ValueError(f"no coordinate '{n}'; this field depends on {self.coords}.")
        return self._lookup(tuple(sorted(names)) if len(names) >= 2 else names)

    def coord(self, name: str) -> Array:
        """The coordinate `name` of the point (e.g. `u.coord("x")`)."""
        if name not in self.coords:
            raise ValueError(f"no coordinate '{name}'; this field depends on {self.coords}.")
        return self.z[self.coords.index(name)]


def evaluate(
    fn: Callable[..., Any],
    model: Callable,
    z: Float[Array, " d"],
    coords: Sequence[str],
    *args: Any,
) -> Any:
    r"""Evaluate `fn(Field, *args)` for the field `model` at the point `z`.

    `fn` runs twice at trace time: first against a recorder that notes which derivatives it
    asks for, then against the derivatives of `model` computed together. Every first and
    second derivative is computed in a single Taylor-mode pass (`physax.nn.jet`); third and
    fourth derivatives (rarer: KdV, beams) by nested forward-mode `jvp`. The recording pass
    produces only dead code, which XLA removes.

    **Arguments:**

    - `fn`: `fn(field, *args)`, e.g. `problem.residual` (with `args = (params,)`).
    - `model`: the field, a function of one point.
    - `z`: the point, `(d,)`.
    - `coords`: the coordinate names.
    - `*args`: passed on to `fn`.

    **Returns:** what `fn` returns.

    **Example:**

    >>> # u = exp(-t) sin(x) solves the heat equation u_t = u_xx
    >>> u = lambda z: jnp.exp(-z[0]) * jnp.sin(z[1])
    >>> heat = lambda f, k: f.d("t") - k * f.d("x", "x")
    >>> float(evaluate(heat, u, jnp.array([0.3, 1.2]), ("t", "x"), 1.0))
    0.0
    """
    shape = eqx.filter_eval_shape(model, z)
    requested: set[Key] = set()

    def record(key: Key) -> Array:
        requested.add(key)
        return jnp.zeros(shape.shape, shape.dtype)

    fn(Field(z, coords, record), *args)
    requested.discard(())
    higher = sorted(k for k in requested if len(k) > 2)
    requested -= set(higher)
    pairs_named = sorted(k for k in requested if len(k) == 2)
    directions = sorted({n for k in requested for n in k})
    index = {n: i for i, n in enumerate(directions)}
    pairs = tuple((index[a], index[b]) for a, b in pairs_named)
    eye = jnp.eye(len(coords), dtype=z.dtype)
    jet = propagate(model, Jet.seed(z, [eye[coords.index(n)] for n in directions], pairs))
    values: dict[Key, Array] = {(): jet.v}
    values.update({(n,): jet.d1[i] for n, i in index.items()})
    values.update({k: jet.d2[j] for j, k in enumerate(pairs_named)})
    values.update({k: _nested_jvp(model, z, [eye[coords.index(n)] for n in k]) for k in higher})
    return fn(Field(z, coords, values.__getitem__), *args)


def _nested_jvp(model: Callable, z: Array, directions: Sequence[Array]) -> Array:
    """The mixed directional derivative of `model` at `z` along `directions` (nested jvp)."""

    def along(g: Callable, e: Array) -> Callable:
        return lambda y: jax.jvp(g, (y,), (e,))[1]

    f = model
    for e in directions:
        f = along(f, e)
    return f(z)
