"""PDE residuals of a pair-evaluated model: the FBPINN analogue of `physax.pinn.evaluate`.

The residual `fn(Field, params)` is first run against a recorder to learn which
derivatives it asks for; the model then produces the batched jets of exactly those (one
pass over the pair list), and `fn` is mapped over points against the computed values.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
from jaxtyping import Array, Float

from ..nn.jet import Jet
from ..pinn import Field

Key = tuple[str, ...]


def requested(fn: Callable, coords: Sequence[str], dim: int, *args: Any) -> tuple[list[str], list[Key]]:
    """The directions and (sorted) second-derivative pairs `fn` reads from its field."""
    asked: set[Key] = set()

    def record(key: Key) -> Array:
        asked.add(key)
        return jnp.zeros(())

    fn(Field(jnp.zeros(dim), coords, record), *args)
    asked.discard(())
    if any(len(k) > 2 for k in asked):
        raise ValueError(
            "FBPINN and ELM-FBPINN models support derivatives up to second order; this residual "
            f"asks for {sorted(k for k in asked if len(k) > 2)}. Rewrite it as a first-order system."
        )
    pairs = sorted(k for k in asked if len(k) == 2)
    return sorted({n for k in asked for n in k}), pairs


def jet_request(coords: Sequence[str], directions: list[str], pairs: list[Key], dtype):
    """Unit direction vectors and index pairs for `FBPINN.jets`."""
    eye = jnp.eye(len(coords), dtype=dtype)
    index = {n: i for i, n in enumerate(directions)}
    dirs = tuple(eye[list(coords).index(n)] for n in directions)
    return dirs, tuple((index[a], index[b]) for a, b in pairs)


def lookup_table(jet: Jet, directions: list[str], pairs: list[Key]) -> dict[Key, Array]:
    values: dict[Key, Array] = {(): jet.v}
    values.update({(n,): jet.d1[i] for i, n in enumerate(directions)})
    values.update({k: jet.d2[i] for i, k in enumerate(pairs)})
    return values


def residuals(
    fn: Callable,
    jets_fn: Callable[[tuple, tuple], Jet],
    points: Float[Array, "n d"],
    coords: Sequence[str],
    *args: Any,
) -> Array:
    """`fn(Field, *args)` at every point, derivatives from `jets_fn(dirs, pair_index)`."""
    directions, pairs = requested(fn, coords, points.shape[1], *args)
    dirs, pidx = jet_request(coords, directions, pairs, points.dtype)
    table = lookup_table(jets_fn(dirs, pidx), directions, pairs)

    def one(z, values):
        return fn(Field(z, coords, values.__getitem__), *args)

    return jax.vmap(one)(points, table)
