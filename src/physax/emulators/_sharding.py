"""Data-parallel emulator and operator training: each device takes a slice of every minibatch."""

from __future__ import annotations

from collections.abc import Sequence

import jax
from jax.sharding import Mesh, NamedSharding, PartitionSpec

from .. import distributed

AXIS = "batch"


def batch_mesh(devices: int | str | Sequence[jax.Device] | None, batch_size: int) -> Mesh | None:
    """The 1-D ``"batch"`` mesh for `devices`, checked against `batch_size` (a `ValueError` if it does not split)."""
    mesh = distributed.device_mesh(devices, AXIS)
    distributed.check_divisible("batch_size", batch_size, mesh)
    return mesh


def split_batch(tree, mesh: Mesh | None):
    """Inside a compiled step: lay the minibatch (leading axis) out over the mesh.

    XLA then evaluates each device's share of the loss and all-reduces the gradient
    (data parallelism); parameters and optimiser state stay replicated.
    """
    if mesh is None:
        return tree
    split = NamedSharding(mesh, PartitionSpec(AXIS))
    return jax.tree.map(lambda x: jax.lax.with_sharding_constraint(x, split), tree)
