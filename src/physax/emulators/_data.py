"""Trajectory data: keyed generation from any stepper and IC generator, ``.npz`` storage."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float, PRNGKeyArray

from ..solvers.spectral import rollout


def generate_trajectories(
    stepper: Callable[[Array], Array],
    initial_condition: Callable[..., Array],
    *,
    num_trajectories: int,
    num_steps: int,
    key: PRNGKeyArray,
    warmup_steps: int = 0,
    dtype=None,
) -> Float[Array, "n t c *spatial"]:
    r"""Roll `stepper` out from `num_trajectories` random initial conditions (vmapped).

    `initial_condition` is called as ``initial_condition(key=k)`` (e.g.
    ``functools.partial(random_fourier_series, grid, max_mode=5)``) with one key per trajectory
    split from `key`; the first `warmup_steps` steps are discarded (for chaotic systems such as
    Kuramoto-Sivashinsky, to start on the attractor). The result has ``num_steps + 1``
    snapshots per trajectory, the initial (post-warm-up) state first.

    **Returns:** shape ``(num_trajectories, num_steps + 1, C, *spatial)``, cast to `dtype` if
    given.

    **Arguments:**

    - `stepper`: any map of one state to the next (a `spectral.Stepper`, an emulator).
    - `initial_condition`: called as `initial_condition(key=k)`.
    - `num_trajectories`: how many trajectories.
    - `num_steps`: steps per trajectory after the warm-up.
    - `key`: the PRNG key of the initial conditions.
    - `warmup_steps`: steps discarded before the first snapshot.
    - `dtype`: cast the result to this dtype.

    **Example:** the data of the Trainax quickstart at a tenth of the size.

    >>> grid = spectral.PeriodicGrid(1, 30, extent=1.0)
    >>> stepper = spectral.Stepper(spectral.Advection(velocity=-0.75 / 30), grid, dt=1.0)
    >>> data = generate_trajectories(stepper, lambda key: sine_cosine_series(grid, key=key),
    ...                              num_trajectories=2, num_steps=9, key=jax.random.key(0))
    >>> data.shape
    (2, 10, 1, 30)
    """
    for name, v, low in (
        ("num_trajectories", num_trajectories, 1),
        ("num_steps", num_steps, 0),
        ("warmup_steps", warmup_steps, 0),
    ):
        if not isinstance(v, int | np.integer) or v < low:
            raise ValueError(f"{name} must be an int >= {low}, got {v!r}.")
    keys = jax.random.split(key, num_trajectories)
    u0 = eqx.filter_vmap(lambda k: initial_condition(key=k))(keys)
    if warmup_steps:
        u0 = eqx.filter_vmap(lambda u: rollout(stepper, u, warmup_steps, include_init=False)[-1])(u0)
    traj = eqx.filter_vmap(lambda u: rollout(stepper, u, int(num_steps)))(u0)
    return traj if dtype is None else traj.astype(dtype)


def save_trajectories(path: str | os.PathLike, trajectories, **metadata) -> Path:
    """Write trajectories and JSON-serialisable `metadata` (dt, PDE, grid, seed, ...) to `.npz`.

    The file is written to a temporary name first and then renamed, so it is never half
    written; `load_trajectories` reads it back.

    **Arguments:**

    - `path`: the file (parent folders are created).
    - `trajectories`: the array, e.g. `(N, T, C, *spatial)`.
    - `**metadata`: JSON-serialisable values stored beside it (its shape is added).

    **Returns:** the path as a `pathlib.Path`.

    **Example:**

    >>> path = save_trajectories("data/adv.npz", np.zeros((2, 5, 1, 8)), pde="advection", cfl=-0.75)
    >>> data, meta = load_trajectories(path)
    >>> data.shape, meta
    ((2, 5, 1, 8), {'pde': 'advection', 'cfl': -0.75, 'shape': [2, 5, 1, 8]})
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    meta = json.dumps({**metadata, "shape": list(np.shape(trajectories))})
    tmp = path.with_name(f".tmp-{path.name}")
    with open(tmp, "wb") as f:
        np.savez(f, trajectories=np.asarray(trajectories), metadata=np.asarray(meta))
    os.replace(tmp, path)
    return path


def load_trajectories(path: str | os.PathLike) -> tuple[np.ndarray, dict]:
    """Read `(trajectories, metadata)` written by `save_trajectories`.

    **Arguments:**

    - `path`: the `.npz` file.

    **Returns:** the trajectories (a NumPy array) and the metadata dict (with `shape`).
    `FileNotFoundError` if there is no file, `ValueError` if it holds no trajectories.

    **Example:**

    >>> _ = save_trajectories("run.npz", np.ones((1, 3, 1, 4)), seed=0)
    >>> data, meta = load_trajectories("run.npz")
    >>> data.shape, meta["seed"]
    ((1, 3, 1, 4), 0)
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no trajectory file at {path}; create it with save_trajectories.")
    with np.load(path, allow_pickle=False) as f:
        if "trajectories" not in f:
            raise ValueError(f"{path} holds no 'trajectories' array; it was not written by physax.")
        meta = json.loads(str(f["metadata"])) if "metadata" in f else {}
        return np.asarray(f["trajectories"]), meta


def as_trajectories(data) -> Array:
    """Validate a ``(num_trajectories, num_snapshots, C, *spatial)`` array."""
    data = jnp.asarray(data)
    if data.ndim < 4:
        raise ValueError(
            f"trajectories must have shape (num_trajectories, num_snapshots, C, *spatial), got "
            f"{data.shape}; add a channel axis with data[:, :, None]."
        )
    return data


def sine_cosine_series(
    grid, *, key: PRNGKeyArray, max_mode: int = 5, num_channels: int = 1, dtype=None
) -> Float[Array, " c *spatial"]:
    r"""$u_0(x) = \sum_{m=1}^{K} a_m \sin(2\pi m x/L) + b_m \cos(2\pi m x/L)$, $a_m, b_m \sim U(-1, 1)$.

    The initial-condition distribution of the Trainax quickstart (Koehler et al. 2024): uniform
    amplitudes, no offset, no normalisation, 1D only. Use it to compare with Trainax like for
    like; `physax.solvers.spectral.random_fourier_series` draws normal coefficients and
    rescales to max-abs 1 instead.

    **Arguments:**

    - `grid`: a 1-d `spectral.PeriodicGrid`.
    - `key`: the PRNG key.
    - `max_mode`: $K$, with $1 \le K < N/2$.
    - `num_channels`: channels of the state.
    - `dtype`: floating dtype (default: JAX's default float).

    **Returns:** shape `(num_channels, N)`.

    **Example:**

    >>> u0 = sine_cosine_series(spectral.PeriodicGrid(1, 30), key=jax.random.key(0), max_mode=5)
    >>> u0.shape
    (1, 30)
    """
    if grid.num_spatial_dims != 1:
        raise ValueError("sine_cosine_series is 1D; use random_fourier_series for 2D grids.")
    if not 1 <= max_mode < grid.num_points // 2:
        raise ValueError(f"max_mode must be in [1, N/2), got {max_mode}.")
    x = grid.coordinates(dtype)[0] * (2 * np.pi / float(grid.extent))
    ks, kc, _ = jax.random.split(key, 3)  # the third key would draw an offset (Trainax layout)
    a = jax.random.uniform(ks, (num_channels, max_mode), x.dtype, -1.0, 1.0)
    b = jax.random.uniform(kc, (num_channels, max_mode), x.dtype, -1.0, 1.0)
    m = jnp.arange(1, max_mode + 1, dtype=x.dtype)[:, None] * x[None]
    return a @ jnp.sin(m) + b @ jnp.cos(m)
