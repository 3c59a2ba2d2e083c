r"""ELM-FBPINNs: frozen random features per subdomain, output weights by least squares.

Each subdomain network is an extreme learning machine: random, frozen hidden layers
$\phi_j(y) \in \mathbb{R}^K$ (plus a constant feature) and trainable output weights
$c_j$, so

$$\hat u(x) = \mathcal{C}\Big[\frac{1}{L}\sum_l \sum_{j\in l} \tilde\omega_j(x)\, c_j^\top \phi_j((x - \mu_j)/\sigma_j)\Big]$$

is linear in the coefficients (Anderson, Dolean, Moseley & Pestana 2024). For a linear
PDE the residual at each collocation point is affine in `c` and only the subdomains
containing the point enter its row: a sparse least-squares problem. `linearise`
assembles the rows (values and derivatives by the same pair-list Taylor pass as the
FBPINN) and the residual at the current coefficients; nonlinear problems iterate it
(Gauss-Newton / Levenberg-Marquardt, `._lstsq`).
"""

from __future__ import annotations

from collections.abc import Callable

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float, PRNGKeyArray

from ..nn.jet import Jet, elementwise, linear
from ..pinn import Field
from ..problems import AbstractProblem
from ._decomposition import Decomposition
from ._jetops import product, quotient, segment_sum, transform
from ._model import check_window, pair_jets, precision, seed_jets
from ._pairs import Pairs
from ._residual import jet_request, lookup_table, requested
from ._windows import AbstractWindow, CosineWindow


class RandomFeatures(eqx.Module):
    r"""Frozen random hidden layers $\mathbb{R}^d \to \mathbb{R}^{K+1}$: `tanh` features and a constant 1.

    Weights and biases are drawn uniformly from `[-scale, scale]` (inputs are in
    $[-1, 1]^d$ after the subdomain normalisation). `ELMFBPINN` holds one per subdomain.

    **Arguments:**

    - `in_size`: input dimension $d$.
    - `n_features`: features $K$ per hidden layer.
    - `depth`: frozen hidden layers.
    - `scale`: half-range of the uniform weights and biases.
    - `key`: PRNG key.
    - `dtype`: parameter dtype (float64).

    **Example:**

    >>> phi = RandomFeatures(2, 8, key=jax.random.key(0))(jnp.array([0.1, -0.3]))
    >>> phi.shape, float(phi[-1]), bool(jnp.all(jnp.abs(phi[:-1]) < 1))
    ((9,), 1.0, True)
    """

    weights: list[Array]
    biases: list[Array]

    def __init__(
        self, in_size: int, n_features: int, depth: int = 1, scale: float = 1.0, *, key, dtype=jnp.float64
    ):
        sizes = [in_size] + [n_features] * depth
        keys = jax.random.split(key, 2 * depth)
        self.weights = [
            jax.random.uniform(keys[2 * i], (o, n), dtype, -scale, scale)
            for i, (n, o) in enumerate(zip(sizes[:-1], sizes[1:]))
        ]
        self.biases = [
            jax.random.uniform(keys[2 * i + 1], (o,), dtype, -scale, scale) for i, o in enumerate(sizes[1:])
        ]

    def __call__(self, y, *, key=None):
        for w, b in zip(self.weights, self.biases):
            y = jnp.tanh(w @ y + b)
        return jnp.concatenate([y, jnp.ones((1,), y.dtype)])

    def taylor(self, jet: Jet) -> Jet:
        for w, b in zip(self.weights, self.biases):
            jet = elementwise(linear(jet, w, b), jnp.tanh)
        pad = lambda x, c: jnp.concatenate([x, jnp.full((1,), c, x.dtype)])
        return jet.map(pad(jet.v, 1.0), [pad(x, 0.0) for x in jet.d1], [pad(x, 0.0) for x in jet.d2])


class ELMFBPINN(eqx.Module):
    """An FBPINN whose subdomain networks are random feature maps with linear outputs.

    **Arguments:**

    - `decomposition`: the subdomains.
    - `n_features`: random features `K` per subdomain (plus one constant).
    - `key`: PRNG key for the features.
    - `depth`: frozen hidden layers.
    - `feature_scale`: half-range of the uniform random weights and biases.
    - `window`, `scale`, `shift`, `constraint`: as in `FBPINN`.
    - `dtype`: precision of the features and coefficients (default `float64`: built, and
      later solved and evaluated by `elm_solve` and `predict`, with 64-bit
      JAX enabled for the call only; the global `jax_enable_x64` is not needed).

    `coefficients` (`J x (K + 1)`) are the unknowns; see `elm_solve`.

    **Example:**

    >>> dec = uniform(Interval(0.0, 1.0, "t"), 20)
    >>> elm = ELMFBPINN(dec, 32, key=jax.random.key(0))
    """

    features: RandomFeatures
    coefficients: Float[Array, "J k"]
    centres: Float[Array, "J d"]
    widths: Float[Array, "J d"]
    decomposition: Decomposition
    window: AbstractWindow
    scale: float = eqx.field(static=True)
    shift: float = eqx.field(static=True)
    constraint: Callable | None = eqx.field(static=True)

    def __init__(
        self,
        decomposition: Decomposition,
        n_features: int = 32,
        *,
        key: PRNGKeyArray,
        depth: int = 1,
        feature_scale: float = 1.0,
        window: AbstractWindow = CosineWindow(),
        scale: float = 1.0,
        shift: float = 0.0,
        constraint: Callable | None = None,
        dtype=jnp.float64,
    ):
        if n_features < 1 or depth < 1 or not feature_scale > 0:
            raise ValueError("ELMFBPINN needs n_features >= 1, depth >= 1 and feature_scale > 0.")
        if jnp.dtype(dtype) not in (jnp.dtype(jnp.float32), jnp.dtype(jnp.float64)):
            raise ValueError(f"ELMFBPINN dtype must be float32 or float64, got {dtype}.")
        J, d = decomposition.n_subdomains, decomposition.domain.dim
        with precision(dtype):
            make = lambda k: RandomFeatures(d, n_features, depth, feature_scale, key=k, dtype=dtype)
            self.features = eqx.filter_vmap(make)(jax.random.split(key, J))
            self.coefficients = jnp.zeros((J, n_features + 1), dtype)
            mu, w, _ = decomposition.boxes()
            self.centres, self.widths = jnp.asarray(mu, dtype), jnp.asarray(w, dtype)
        self.decomposition = decomposition
        self.window = check_window(window)
        self.scale, self.shift, self.constraint = float(scale), float(shift), constraint

    @property
    def dtype(self):
        return self.coefficients.dtype

    @property
    def n_unknowns(self) -> int:
        return int(np.prod(self.coefficients.shape))

    def basis(self, points: Float[Array, "n d"], pairs: Pairs, dirs=(), pair_index=()) -> tuple[Jet, Jet]:
        """Per pair, the jet of `scale * w~_j(x) phi_j(x) / L_x` (`(P, K+1)`); and the seed jets."""
        seed = seed_jets(points, dirs, pair_index)
        phi, win = pair_jets(self.features, self.centres, self.widths, self.window, seed, pairs)
        den = segment_sum(win, pairs.segment, pairs.n_points * pairs.n_levels)
        den = jax.tree.map(lambda a: a[pairs.segment], den)
        wn = quotient(win, den)
        f = self.scale / pairs.live_levels[pairs.point]
        wn = wn.map(f * wn.v, [f * x for x in wn.d1], [f * x for x in wn.d2])
        return product(wn, phi), seed

    def field_jets(self, basis: Jet, seed: Jet, pairs: Pairs, coefficients) -> Jet:
        """Jets of `u` at the points for the given coefficients."""
        c = coefficients[pairs.sub]
        dot = lambda x: jax.ops.segment_sum(jnp.sum(x * c, -1), pairs.point, pairs.n_points)
        u = basis.map(self.shift + dot(basis.v), [dot(x) for x in basis.d1], [dot(x) for x in basis.d2])
        if self.constraint is not None:
            u = jax.vmap(lambda s, o: transform(s, o, self.constraint))(seed, u)
        return u

    def values(self, points: Float[Array, "n d"], pairs: Pairs) -> Float[Array, " n"]:
        b, seed = self.basis(points, pairs)
        return self.field_jets(b, seed, pairs, self.coefficients).v


def linearise(
    model: ELMFBPINN, fn: Callable, coords, points: Array, pairs: Pairs, params
) -> tuple[Array, Array]:
    """Residuals `r (n,)` at `points` and the Jacobian entries `(P, K+1)` of each pair.

    Row `pairs.point[p]`, columns `pairs.sub[p] * (K+1) + k` hold `entries[p, k]`: the
    derivative of the residual at that point with respect to coefficient $k$ of that
    subdomain. For a linear residual `r + A c = 0` is the least-squares system of
    `elm_solve` (see `system` and `solve`); nonlinear problems iterate it.

    **Arguments:**

    - `model`: the `ELMFBPINN`.
    - `fn`: a residual `fn(field, params)`, e.g. `problem.residual` or a condition's.
    - `coords`: the coordinate names (`problem.domain.coords`).
    - `points`: `(n, d)` points.
    - `pairs`: their pair list (`build_pairs`).
    - `params`: the PDE parameters (`problem.resolve({})`).

    **Returns:** `(r, entries)`.

    **Example:**

    >>> cosine = problems.CosineODE(omega=15.0)
    >>> elm = ELMFBPINN(uniform(cosine.domain, 8), 16, key=jax.random.key(0))
    >>> points = jnp.linspace(-2 * jnp.pi, 2 * jnp.pi, 50)[:, None]
    >>> pairs = build_pairs(elm.decomposition, points)
    >>> r, entries = eqx.filter_jit(linearise)(elm, cosine.residual, cosine.domain.coords, points, pairs,
    ...                                    cosine.resolve({}))
    >>> r.shape, entries.shape == (len(pairs), 17)
    ((50,), True)
    """
    directions, dpairs = requested(fn, coords, points.shape[1], params)
    dirs, pidx = jet_request(coords, directions, dpairs, points.dtype)
    basis, seed = model.basis(points, pairs, dirs, pidx)

    def from_u(u: Jet, z, s: Jet):
        # the residual as a function of the jet of u before the hard constraint
        if model.constraint is not None:
            u = transform(s, u, model.constraint)
        return fn(Field(z, coords, lookup_table(u, directions, dpairs).__getitem__), params)

    c = model.coefficients
    dot = lambda x: jax.ops.segment_sum(jnp.sum(x * c[pairs.sub], -1), pairs.point, pairs.n_points)
    raw = basis.map(model.shift + dot(basis.v), [dot(x) for x in basis.d1], [dot(x) for x in basis.d2])
    r, sens = jax.vmap(jax.value_and_grad(from_u), in_axes=(0, 0, 0))(raw, points, seed)
    s = jax.tree.map(lambda a: a[pairs.point], sens)
    entries = s.v[:, None] * basis.v
    for a, b in zip(s.d1, basis.d1):
        entries = entries + a[:, None] * b
    for a, b in zip(s.d2, basis.d2):
        entries = entries + a[:, None] * b
    return r, entries


def problem_rows(problem: AbstractProblem, skip: frozenset[str]):
    """`(name, residual fn, region)` for the PDE and every condition not in `skip`."""
    rows = [("pde", problem.residual, "interior")]
    rows += [(k, c.residual, c.region) for k, c in problem.conditions().items() if k not in skip]
    return rows
