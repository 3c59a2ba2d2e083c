r"""The finite-basis PINN model (Moseley, Markham & Nissen-Meyer 2023; multilevel: Dolean,
Heinlein, Mishra & Moseley 2024).

$$\hat u(x) = \mathcal{C}\Big[\frac{1}{L}\sum_{l=1}^{L}\sum_{j \in l}
  \frac{\omega_j(x)}{\sum_{k \in l} \omega_k(x)}\, N_j\big((x - \mu_j) / \sigma_j\big)\Big]$$

with windows $\omega_j$ supported on subdomain `j` (centre $\mu_j$, half
widths $\sigma_j$), so each network sees inputs in $[-1, 1]^d$, and the
shared unnormalisation $\mathcal{C}[v] = \text{shift} + \text{scale}\, v$ followed by
an optional hard-constraint transform. All subdomain networks are stacked into one module
(array leaves with a leading axis `J`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float, PRNGKeyArray

from ..nn.jet import Jet, generic, propagate
from ._decomposition import Decomposition
from ._jetops import affine, product, quotient, reduce_levels, segment_sum, transform
from ._pairs import Pairs
from ._windows import AbstractWindow, CosineWindow


def seed_jets(points: Array, dirs: tuple[Array, ...], pairs: tuple[tuple[int, int], ...]) -> Jet:
    """Identity jets for a batch of points (`dirs` are unit vectors, shared by all points)."""
    d1 = tuple(jnp.broadcast_to(e.astype(points.dtype), points.shape) for e in dirs)
    return Jet(points, d1, tuple(jnp.zeros_like(points) for _ in pairs), pairs)


def pair_jets(nets, centres, widths, win: AbstractWindow, seed: Jet, pairs: Pairs) -> tuple[Jet, Jet]:
    """Per pair: the jet of the subdomain network at the normalised input, and of the window."""
    arrays, static = eqx.partition(nets, eqx.is_inexact_array)
    gathered = jax.tree.map(lambda a: a[pairs.sub], arrays)
    mu, w = centres[pairs.sub], widths[pairs.sub]
    x = jax.tree.map(lambda a: a[pairs.point], seed)

    def one(arr, mu, w, x: Jet):
        net = eqx.combine(arr, static)
        s = 2.0 / w
        xin = x.map((x.v - mu) * s, [h * s for h in x.d1], [h * s for h in x.d2])
        return propagate(net, xin), generic(x, lambda y: win(y, mu, w))

    return jax.vmap(one)(gathered, mu, w, x)


def precision(dtype):
    """A context with 64-bit JAX enabled exactly when `dtype` is float64 (else unchanged)."""
    return jax.enable_x64(True) if jnp.dtype(dtype) == jnp.float64 else contextlib.nullcontext()


def check_window(window) -> AbstractWindow:
    if not isinstance(window, AbstractWindow):
        raise TypeError(
            f"window must be an AbstractWindow (e.g. fbpinn.CosineWindow()), got {window!r}; "
            "window names exist only in experiment configurations."
        )
    return window


class FBPINN(eqx.Module):
    """A finite-basis PINN: one small network per subdomain, blended by normalised windows.

    **Arguments:**

    - `decomposition`: the subdomains (`uniform`, `rectangular`, `multilevel`).
    - `net`: `net(key) -> module`, the network of one subdomain (e.g. a 2 x 16 `nn.MLP`
      from `d` inputs to a scalar); called once per subdomain under `vmap`.
    - `key`: PRNG key for the networks.
    - `window`: an `AbstractWindow`: `CosineWindow` (default),
      `SigmoidWindow` or `BumpWindow`.
    - `scale`, `shift`: the shared output unnormalisation `u = shift + scale * v`.
    - `constraint`: optional hard-constraint transform `(z, u) -> u'` applied last.
    - `dtype`: precision of the centres and widths (`float64`: built with 64-bit JAX
      enabled for the call; give the networks the same dtype).

    Call `model(z)` for a dense evaluation at one point (every subdomain; for small
    cases and checks) or `jets` / `values` for the pair-list evaluation.

    **Example:**

    >>> dec = uniform(Interval(-2 * math.pi, 2 * math.pi), 30)
    >>> model = FBPINN(dec, lambda k: nn.MLP(1, "scalar", 16, 2, key=k), key=jax.random.key(0))
    """

    nets: Any
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
        net: Callable[[PRNGKeyArray], eqx.Module],
        *,
        key: PRNGKeyArray,
        window: AbstractWindow = CosineWindow(),
        scale: float = 1.0,
        shift: float = 0.0,
        constraint: Callable | None = None,
        dtype=jnp.float32,
    ):
        J = decomposition.n_subdomains
        with precision(dtype):
            self.nets = eqx.filter_vmap(net)(jax.random.split(key, J))
            mu, w, _ = decomposition.boxes()
            self.centres, self.widths = jnp.asarray(mu, dtype), jnp.asarray(w, dtype)
        self.decomposition = decomposition
        self.window = check_window(window)
        self.scale, self.shift, self.constraint = float(scale), float(shift), constraint

    @property
    def n_subdomains(self) -> int:
        return self.decomposition.n_subdomains

    def subdomain_net(self, j: int) -> eqx.Module:
        """The network of subdomain `j` (unstacked)."""
        arrays, static = eqx.partition(self.nets, eqx.is_inexact_array)
        return eqx.combine(jax.tree.map(lambda a: a[j], arrays), static)

    def _levels(self) -> np.ndarray:
        return self.decomposition.boxes()[2]

    def blended(self, z: Float[Array, " d"]) -> Float[Array, " J"]:
        """Dense: each subdomain's normalised-window contribution at `z` (before unnormalisation)."""
        arrays, static = eqx.partition(self.nets, eqx.is_inexact_array)
        centres, widths = jax.lax.stop_gradient((self.centres, self.widths))

        def one(arr, mu, w):
            return eqx.combine(arr, static)((z - mu) * (2.0 / w)), self.window(z, mu, w)

        nn, win = jax.vmap(one)(arrays, centres, widths)
        lev, L = jnp.asarray(self._levels()), self.decomposition.n_levels
        den = jax.ops.segment_sum(win, lev, num_segments=L)
        ok = den > 0
        wn = jnp.where(ok[lev], win / jnp.where(ok, den, 1.0)[lev], 0.0)
        return wn * nn / jnp.maximum(jnp.sum(ok), 1)

    def __call__(self, z: Float[Array, " d"], *, key=None) -> Float[Array, ""]:
        u = self.shift + self.scale * jnp.sum(self.blended(z))
        return u if self.constraint is None else self.constraint(z, u)

    def jets(
        self,
        points: Float[Array, "n d"],
        pairs: Pairs,
        dirs: tuple[Array, ...] = (),
        pair_index: tuple[tuple[int, int], ...] = (),
    ) -> Jet:
        """Batched jets of `u` at `points` from the pair list (value, `dirs`, `pair_index`)."""
        centres, widths = jax.lax.stop_gradient((self.centres, self.widths))
        seed = seed_jets(points, dirs, pair_index)
        nn, win = pair_jets(self.nets, centres, widths, self.window, seed, pairs)
        m = pairs.n_points * pairs.n_levels
        num = segment_sum(product(win, nn), pairs.segment, m)
        den = segment_sum(win, pairs.segment, m)
        u = reduce_levels(quotient(num, den), pairs.n_points, pairs.n_levels, pairs.live_levels)
        u = affine(u, self.scale, self.shift)
        if self.constraint is not None:
            u = jax.vmap(lambda s, o: transform(s, o, self.constraint))(seed, u)
        return u

    def values(self, points: Float[Array, "n d"], pairs: Pairs) -> Float[Array, " n"]:
        """`u` at `points` by pair evaluation."""
        return self.jets(points, pairs).v
