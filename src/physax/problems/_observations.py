"""Observed data for inverse problems."""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float, PRNGKeyArray


class Observations(eqx.Module):
    """Measurements `values[i] = u(points[i]) + noise` of the solution, for inverse problems.

    **Arguments:**

    - `points`: `(n, d)` observation locations, columns in the domain's coordinate order.
    - `values`: `(n,)` (scalar field) or `(n, m)` observed values.
    - `dim`: the domain's number of coordinates, if `points` should be checked against it.
    - `dtype`: the floating dtype the data are stored in.

    A `ValueError` names the fix when the shapes disagree, or the data are not real
    numbers, hold NaN/inf or exceed the range of `dtype`.

    **Example:**

    >>> obs = Observations([[0.0, 0.5], [0.1, 0.5]], [1.0, 0.9], dim=2)
    >>> len(obs), obs.values.dtype
    (2, dtype('float32'))
    """

    points: Float[Array, "n d"]
    values: Float[Array, "n ..."]

    def __init__(self, points, values, *, dim: int | None = None, dtype=jnp.float32):
        p, v = _real_array("points", points), _real_array("values", values)
        if p.ndim != 2:
            raise ValueError(f"observation points must be a 2-d array (n, d), got shape {p.shape}.")
        if dim is not None and p.shape[1] != dim:
            raise ValueError(
                f"observation points have {p.shape[1]} columns but the domain has {dim} coordinates."
            )
        if v.ndim == 2 and v.shape[1] == 1:
            v = v[:, 0]
        if v.ndim not in (1, 2):
            raise ValueError(f"observation values must have shape (n,) or (n, m), got shape {v.shape}.")
        if v.shape[0] != p.shape[0]:
            raise ValueError(
                f"{p.shape[0]} observation points but {v.shape[0]} values; give one value per point."
            )
        if p.shape[0] == 0:
            raise ValueError("no observations: give at least one point.")
        big = float(jnp.finfo(dtype).max)
        for name, a in (("points", p), ("values", v)):
            bad = ~np.isfinite(a)
            if bad.any():
                row = int(np.argwhere(bad)[0][0])
                raise ValueError(
                    f"observation {name} contain NaN/inf ({int(bad.sum())} entries, first in row {row}); "
                    "remove or impute those rows."
                )
            if np.abs(a).max() > big:
                raise ValueError(
                    f"observation {name} exceed the range of {np.dtype(dtype).name} (|x| up to "
                    f"{np.abs(a).max():.3g} > {big:.3g}); rescale the data."
                )
        self.points = jnp.asarray(p, dtype)
        self.values = jnp.asarray(v, dtype)

    def __len__(self) -> int:
        return self.points.shape[0]


def _real_array(name: str, a) -> np.ndarray:
    """`a` as a real numeric array, or a `ValueError` naming what it holds instead."""
    try:
        a = np.asarray(a)
    except (ValueError, TypeError) as e:  # ragged nested lists
        raise ValueError(f"observation {name} are not a rectangular array ({e}).") from None
    if a.dtype.kind == "c":
        raise ValueError(
            f"observation {name} are complex; give real numbers (a complex field as two real columns)."
        )
    if a.dtype.kind not in "biuf":
        raise ValueError(f"observation {name} must be numbers, got an array of dtype {a.dtype}.")
    return a.astype(np.float64)


def noisy(values: np.ndarray, noise: float, key: PRNGKeyArray) -> np.ndarray:
    r"""Add Gaussian noise of `noise` times the standard deviation of `values`.

    $\tilde v_i = v_i + \eta\,\sigma(v)\,\varepsilon_i$ with $\varepsilon_i \sim N(0, 1)$:
    the relative-to-std convention of Raissi, Perdikaris & Karniadakis (2019).

    **Arguments:**

    - `values`: the clean values.
    - `noise`: the relative level $\eta \ge 0$ (e.g. 0.01 for 1 %).
    - `key`: the PRNG key of the noise.

    **Returns:** the noisy values as a float64 NumPy array.

    **Example:**

    >>> clean = np.sin(np.linspace(0.0, 6.0, 1000))
    >>> dirty = noisy(clean, 0.01, jax.random.key(0))
    >>> round(float((dirty - clean).std() / clean.std()), 2)
    0.01
    """
    if noise < 0:
        raise ValueError(f"noise level must be >= 0, got {noise}.")
    values = np.asarray(values, np.float64)
    eps = np.asarray(jax.random.normal(key, values.shape, jnp.float32), np.float64)
    return values + noise * values.std() * eps
