"""Data-parallel PINN training across devices with JAX's own sharding.

The collocation points (and observations) are split along their point axis over a 1-D
device mesh; parameters and optimiser state are replicated. The compiled training chunk is
the same program: XLA partitions it from the input shardings and inserts the all-reduce
that the point means need, so a sharded run computes the same losses as a one-device run
(up to summation order).
"""

from __future__ import annotations

from collections.abc import Sequence

import jax
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec

AXIS = "points"


def point_mesh(devices: int | Sequence[jax.Device] | None) -> Mesh | None:
    """A 1-D mesh named ``"points"``, or ``None`` for a one-device run.

    `devices`: ``None`` or 1 (no sharding), 0 (every local device), ``n`` (the first `n`
    local devices), or an explicit sequence of devices.
    """
    if devices is None:
        return None
    if isinstance(devices, int):
        available = jax.local_devices()
        if devices < 0 or devices > len(available):
            raise ValueError(
                f"devices={devices}, but {len(available)} local device(s) are available; use 0 for "
                "all of them or 1 for no sharding (on CPU, XLA_FLAGS=--xla_force_host_platform_device_count=N "
                "simulates N devices)."
            )
        chosen = available if devices == 0 else available[:devices]
    else:
        chosen = list(devices)
        if not chosen:
            raise ValueError("devices must name at least one device.")
    if len(chosen) == 1:
        return None
    return Mesh(np.array(chosen), (AXIS,))


def check_divisible(name: str, n_points: int, mesh: Mesh | None) -> None:
    """Point sets that are sharded must split evenly over the devices."""
    if mesh is not None and n_points % mesh.size:
        raise ValueError(
            f"{name} has {n_points} points, which do not split evenly over {mesh.size} devices; "
            f"use a multiple of {mesh.size}."
        )


def place(tree, mesh: Mesh | None, *, shard: bool = True):
    """Put arrays whose point axis divides over the mesh on shards (``shard=True``), replicate the rest."""
    if mesh is None:
        return tree
    split = NamedSharding(mesh, PartitionSpec(AXIS))
    whole = NamedSharding(mesh, PartitionSpec())

    def put(x):
        if not isinstance(x, jax.Array):
            return x
        sharded = shard and x.ndim >= 1 and x.shape[0] % mesh.size == 0
        return jax.device_put(x, split if sharded else whole)

    return jax.tree.map(put, tree)
