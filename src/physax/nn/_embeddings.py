"""Input layers for coordinate networks: normalisation, Fourier features, periodic embedding."""

from __future__ import annotations

import math

import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import Array, Float, PRNGKeyArray

from .jet import Jet, elementwise, linear


class Normalize(eqx.Module):
    """Affinely map the box ``[lo, hi]`` onto ``[-1, 1]^d`` (keeps tanh networks well scaled)."""

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
    """Random Fourier features ``[cos(2 pi B z), sin(2 pi B z)]``, ``B ~ N(0, sigma^2)``.

    Lets a coordinate network fit high frequencies despite its spectral bias
    (Tancik et al. 2020; Wang, Wang & Perdikaris 2021 for PINNs). ``B`` is frozen.

    Arguments:
        in_size: input dimension.
        n_features: number of frequencies (the output has ``2 * n_features`` entries).
        sigma: standard deviation of the frequencies.
        key: PRNG key.
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
    """Replace coordinate ``axis`` by ``cos(k w x), sin(k w x)``, ``k = 1..harmonics``, ``w = 2 pi / period``.

    Any function of the embedded input is exactly periodic in that coordinate, so periodic
    boundary conditions hold by construction (Dong & Ni 2021).
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
