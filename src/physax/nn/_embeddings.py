"""Input layers for coordinate networks: normalisation, Fourier features, periodic embedding."""

from __future__ import annotations

import math

import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import Array, Float, PRNGKeyArray

from .jet import Jet, elementwise, linear


class Normalize(eqx.Module):
    r"""Affinely map the box $[lo, hi]$ onto $[-1, 1]^d$ (keeps tanh networks well scaled).

    $z \mapsto 2 (z - lo) / (hi - lo) - 1$; the scale and shift are constants (not trained).

    **Arguments:**

    - `lo`, `hi`: the box corners, 1-d of equal length.
    - `dtype`: parameter dtype (float32).

    **Example:**

    >>> norm = Normalize(jnp.array([0.0, -2.0]), jnp.array([1.0, 2.0]))
    >>> norm(jnp.array([0.0, 2.0])).tolist(), norm(jnp.array([0.5, 0.0])).tolist()
    ([-1.0, 1.0], [0.0, 0.0])
    """

    scale: Float[Array, " d"]
    shift: Float[Array, " d"]

    def __init__(self, lo, hi, *, dtype=jnp.float32):
        lo, hi = jnp.asarray(lo, dtype), jnp.asarray(hi, dtype)
        if lo.shape != hi.shape or lo.ndim != 1:
            raise ValueError(f"Normalize needs 1-d lo/hi of equal length, got {lo.shape} and {hi.shape}.")
        self.scale = 2.0 / (hi - lo)
        self.shift = -1.0 - lo * self.scale

    def __call__(self, z: Float[Array, " d"], *, key=None) -> Float[Array, " d"]:
        return jax.lax.stop_gradient(self.scale) * z + jax.lax.stop_gradient(self.shift)

    def taylor(self, jet: Jet) -> Jet:
        s = jax.lax.stop_gradient(self.scale)
        return jet.map(self(jet.v), [s * h for h in jet.d1], [s * h for h in jet.d2])


class FourierFeatures(eqx.Module):
    r"""Random Fourier features $[\cos(2\pi B z), \sin(2\pi B z)]$, $B_{ij} \sim N(0, \sigma^2)$.

    Lets a coordinate network fit high frequencies despite its spectral bias
    (Tancik et al. 2020; Wang, Wang & Perdikaris 2021 for PINNs). $B$ is frozen.

    **Arguments:**

    - `in_size`: input dimension.
    - `n_features`: number of frequencies (the output has `2 * n_features` entries).
    - `sigma`: $\sigma$, the standard deviation of the frequencies.
    - `key`: PRNG key.
    - `dtype`: parameter dtype (float32).

    **Example:**

    >>> # every feature pair lies on the unit circle
    >>> ff = FourierFeatures(2, 16, sigma=5.0, key=jax.random.key(0))
    >>> phi = ff(jnp.array([0.3, -0.1]))
    >>> phi.shape, ff.out_size
    ((32,), 32)
    >>> bool(jnp.allclose(phi[:16] ** 2 + phi[16:] ** 2, 1.0, atol=1e-6))
    True
    """

    frequencies: Float[Array, "m d"]

    def __init__(self, in_size: int, n_features: int, sigma: float, *, key: PRNGKeyArray, dtype=jnp.float32):
        if n_features < 1 or sigma <= 0:
            raise ValueError(
                f"FourierFeatures needs n_features >= 1 and sigma > 0, got {n_features}, {sigma}."
            )
        self.frequencies = 2 * math.pi * sigma * jax.random.normal(key, (n_features, in_size), dtype)

    @property
    def out_size(self) -> int:
        return 2 * self.frequencies.shape[0]

    def __call__(self, z: Float[Array, " d"], *, key=None) -> Float[Array, " f"]:
        p = jax.lax.stop_gradient(self.frequencies) @ z
        return jnp.concatenate([jnp.cos(p), jnp.sin(p)])

    def taylor(self, jet: Jet) -> Jet:
        b = jax.lax.stop_gradient(self.frequencies)
        p = linear(jet, b)
        c, s = elementwise(p, jnp.cos), elementwise(p, jnp.sin)
        cat = lambda x, y: jnp.concatenate([x, y])
        return jet.map(cat(c.v, s.v), list(map(cat, c.d1, s.d1)), list(map(cat, c.d2, s.d2)))


class PeriodicEmbedding(eqx.Module):
    r"""Replace coordinate `axis` by $\cos(k\omega x), \sin(k\omega x)$, $k = 1..K$, $\omega = 2\pi / P$.

    Any function of the embedded input is exactly periodic in that coordinate, so periodic
    boundary conditions hold by construction (Dong & Ni 2021). The other coordinates come
    first, unchanged.

    **Arguments:**

    - `axes`: the periodic coordinates.
    - `periods`: their periods $P$, one per axis.
    - `harmonics`: $K$, the harmonics per axis.

    **Example:**

    >>> # (t, x) with x periodic of period 2: x and x + 2 embed alike
    >>> emb = PeriodicEmbedding(axes=(1,), periods=(2.0,), harmonics=2)
    >>> emb.out_size(2), emb(jnp.array([0.5, 0.3])).shape
    (5, (5,))
    >>> bool(jnp.allclose(emb(jnp.array([0.5, 0.3])), emb(jnp.array([0.5, 2.3])), atol=1e-6))
    True
    """

    axes: tuple[int, ...] = eqx.field(static=True)
    periods: tuple[float, ...] = eqx.field(static=True)
    harmonics: int = eqx.field(static=True)

    def __init__(self, axes: tuple[int, ...], periods: tuple[float, ...], harmonics: int = 1):
        if len(axes) != len(periods) or any(p <= 0 for p in periods) or harmonics < 1:
            raise ValueError("PeriodicEmbedding needs one positive period per axis and harmonics >= 1.")
        self.axes, self.periods, self.harmonics = (
            tuple(axes),
            tuple(float(p) for p in periods),
            harmonics,
        )

    def out_size(self, in_size: int) -> int:
        return in_size - len(self.axes) + 2 * self.harmonics * len(self.axes)

    def _matrix(self, d: int, dtype) -> Array:
        rows = []
        for ax, period in zip(self.axes, self.periods):
            for k in range(1, self.harmonics + 1):
                rows.append(jnp.zeros(d, dtype).at[ax].set(2 * math.pi * k / period))
        return jnp.stack(rows)

    def _keep(self, d: int) -> list[int]:
        return [i for i in range(d) if i not in self.axes]

    def __call__(self, z: Float[Array, " d"], *, key=None) -> Float[Array, " f"]:
        p = self._matrix(z.shape[0], z.dtype) @ z
        return jnp.concatenate([z[jnp.array(self._keep(z.shape[0]), dtype=int)], jnp.cos(p), jnp.sin(p)])

    def taylor(self, jet: Jet) -> Jet:
        d = jet.v.shape[0]
        keep = jnp.array(self._keep(d), dtype=int)
        p = linear(jet, self._matrix(d, jet.v.dtype))
        c, s = elementwise(p, jnp.cos), elementwise(p, jnp.sin)
        cat = lambda x, y, z: jnp.concatenate([x[keep], y, z])
        return jet.map(
            cat(jet.v, c.v, s.v),
            [cat(*t) for t in zip(jet.d1, c.d1, s.d1)],
            [cat(*t) for t in zip(jet.d2, c.d2, s.d2)],
        )
