"""Observed data for inverse problems."""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float, PRNGKeyArray


class Observations(eqx.Module):
    """Measurements ``values[i] = u(points[i]) + noise``.

    Arguments:
        points: ``(n, d)`` observation locations, columns in the domain's coordinate order.
        values: ``(n,)`` (scalar field) or ``(n, m)`` observed values.

    Raises ``ValueError`` naming the fix when shapes disagree or data hold NaN/inf.
    """

    points: Float[Array, "n d"]
    values: Float[Array, "n ..."]

    def __init__(self, points, values, *, dim: int | None = None, dtype=jnp.float32):
        p, v = np.asarray(points), np.asarray(values)
        if p.ndim != 2:
            raise ValueError(f"observation points must be a 2-d array (n, d), got shape {p.shape}.")
        if dim is not None and p.shape[1] != dim:
            raise ValueError(
                f"observation points have {p.shape[1]} columns but the domain has {dim} coordinates."
            )
        if v.ndim == 2 and v.shape[1] == 1:
            v = v[:, 0]
        if v.shape[0] != p.shape[0]:
            raise ValueError(
                f"{p.shape[0]} observation points but {v.shape[0]} values; give one value per point."
            )
        if p.shape[0] == 0:
            raise ValueError("no observations: give at least one point.")
        for name, a in (("points", p), ("values", v)):
            bad = ~np.isfinite(a)
            if bad.any():
                row = int(np.argwhere(bad)[0][0])
                raise ValueError(
                    f"observation {name} contain NaN/inf ({int(bad.sum())} entries, first in row {row}); "
                    "remove or impute those rows."
                )
        self.points = jnp.asarray(p, dtype)
        self.values = jnp.asarray(v, dtype)

    def __len__(self) -> int:
        return self.points.shape[0]


def noisy(values: np.ndarray, noise: float, key: PRNGKeyArray) -> np.ndarray:
    """Add Gaussian noise of ``noise`` times the standard deviation of ``values``.

    The relative-to-std convention is Raissi, Perdikaris & Karniadakis (2019).
    """
    if noise < 0:
        raise ValueError(f"noise level must be >= 0, got {noise}.")
    values = np.asarray(values, np.float64)
    eps = np.asarray(jax.random.normal(key, values.shape, jnp.float32), np.float64)
    return values + noise * values.std() * eps
