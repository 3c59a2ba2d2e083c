r"""Read the coefficients of a linear residual by evaluating it on unit "fields".

A problem's residual is written for one point against a field object (``u()``,
``u.d("x")``, ``u.d("x", "x")``, ``u.coord("x")``). If the residual is linear in the field,

$$r(u) = \sum_\alpha a_\alpha(z)\, D^\alpha u + r_0(z),$$

then evaluating it on a field whose derivatives are all zero gives ``r_0``, and on a field
with ``D^\alpha u = 1`` (everything else zero) gives ``a_\alpha + r_0``. This is how the FEM
adapter builds its weak forms from the same residual the PINNs train on.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

Key = tuple[str, ...]


class NotApplicable(ValueError):
    """The problem is outside what the FEM adapter solves (nonlinear, wrong derivatives or conditions).

    A `ValueError`, raised by `solve` before any assembly, with a message saying which
    part of the problem does not fit.

    **Example:** Burgers' equation is nonlinear.

    >>> try:
    ...     solve(problems.Burgers(), n=8)
    ... except NotApplicable as e:
    ...     print(e)
    the residual of Burgers is not linear in the field.
    """


class _Probe:
    """A stand-in for `physax.pinn.Field` whose value and derivatives are given numbers."""

    def __init__(self, z, coords: Sequence[str], lookup: Callable[[Key], jax.Array]):
        self.z, self.coords, self._lookup = z, tuple(coords), lookup

    def __call__(self):
        return self._lookup(())

    def d(self, *names: str):
        for n in names:
            if n not in self.coords:
                raise ValueError(f"no coordinate '{n}'; this field depends on {self.coords}.")
        return self._lookup(tuple(sorted(names)) if len(names) >= 2 else tuple(names))

    def coord(self, name: str):
        return self.z[self.coords.index(name)]


def requested_keys(fn: Callable, coords: Sequence[str], z: np.ndarray, *args) -> list[Key]:
    """The value/derivative keys ``fn(field, *args)`` reads at the point ``z`` (``()`` is the value)."""
    seen: set[Key] = set()

    def record(key: Key):
        seen.add(key)
        return jnp.zeros((), jnp.float64)

    with jax.enable_x64(True):
        fn(_Probe(jnp.asarray(z, jnp.float64), coords, record), *args)
    return sorted(seen, key=lambda k: (len(k), k))


@eqx.filter_jit
def _evaluate(fn, args, keys, coords, fields, pts):
    def one(values, z):
        lookup = lambda k: values[keys.index(k)] if k in keys else jnp.zeros((), jnp.float64)
        return jnp.asarray(fn(_Probe(z, coords, lookup), *args), jnp.float64)

    return jax.vmap(jax.vmap(one, (None, 0)), (0, None))(fields, pts)


def linear_coefficients(
    fn: Callable, coords: Sequence[str], points: np.ndarray, *args, name: str = "the residual"
) -> tuple[dict[Key, np.ndarray], np.ndarray]:
    r"""Coefficients ``a_alpha`` and the constant part ``r_0`` of a linear pointwise residual.

    **Arguments:**

    - `fn`: ``fn(field, *args) -> scalar``, e.g. ``problem.residual`` with ``args = (params,)``.
      Pass the same callable again (a problem's bound method, not a new lambda) and the
      compiled evaluation is reused.
    - `coords`: the coordinate names, in the order of the columns of `points`.
    - `points`: ``(n, d)`` evaluation points.
    - `args`: further arguments of `fn`.
    - `name`: what to call `fn` in an error message.

    **Returns:** ``(coefficients, r0)``: ``{key: (n,) array}`` per value/derivative key
    (``()`` the value, ``("x",)``, ``("x", "x")``, ...) and the ``(n,)`` constant part.

    **Raises:** `NotApplicable` if ``fn`` is not affine in the field (checked on random fields).

    **Example:**

    >>> c, r0 = linear_coefficients(lambda u: 3.0 * u.d("x", "x") + 2.0, ("x",), np.zeros((1, 1)))
    >>> float(c[("x", "x")][0]), float(r0[0])
    (3.0, 2.0)
    """
    pts = np.asarray(points, np.float64)
    n = len(pts)
    keys = tuple(requested_keys(fn, coords, pts[0], *args))
    n_keys = len(keys)
    rng = np.random.default_rng(0)
    # fields probed: zero, each unit field, and two random fields for the linearity check
    fields = np.vstack([np.zeros((1, n_keys)), np.eye(n_keys), 1.7 * rng.normal(size=(2, n_keys))])
    size = max(16, 1 << (n - 1).bit_length())  # a few padded sizes: compiled once each
    padded = np.concatenate([pts, np.repeat(pts[:1], size - n, axis=0)])
    with jax.enable_x64(True):
        out = np.asarray(_evaluate(fn, args, keys, tuple(coords), jnp.asarray(fields), jnp.asarray(padded)))
    out = out[:, :n]
    r0 = out[0]
    coeffs = {k: out[1 + i] - r0 for i, k in enumerate(keys)}
    for j in (-2, -1):  # affine: a nonlinear term (u u_x, u^3, sin u) fails this
        got = out[j] - r0
        want = sum((a * coeffs[k] for a, k in zip(fields[j], keys)), np.zeros_like(r0))
        scale = 1.0 + np.max(np.abs(want), initial=0.0)
        if not np.all(np.isfinite(got)) or np.max(np.abs(got - want), initial=0.0) > 1e-8 * scale:
            raise NotApplicable(f"{name} is not linear in the field.")
    return coeffs, r0
