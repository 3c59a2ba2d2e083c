"""Data-parallel PINN training across devices (and processes) with JAX's own sharding.

The collocation points (and observations) are split along their point axis over a 1-D
device mesh (`physax.distributed.device_mesh`, which may span processes); parameters and
optimiser state are replicated. The compiled training chunk is the same program: XLA
partitions it from the input shardings and inserts the all-reduce that the point means
need, so a sharded run computes the same losses as a one-device run (up to summation
order).
"""

from __future__ import annotations

from collections.abc import Sequence

import jax
from jax.sharding import Mesh, NamedSharding, PartitionSpec

from .. import distributed

AXIS = "points"


def point_mesh(devices: int | str | Sequence[jax.Device] | None) -> Mesh | None:
    """A 1-D device mesh named `"points"`, or `None` for a one-device run.

    `fit(devices=...)` splits the collocation points and observations over this mesh
    (data-parallel PINN training); the parameters are replicated.

    **Arguments:** `devices`: `None` or 1 (no sharding), 0 or `"all"` (every device of every
    process), `n` (`n` devices), or an explicit sequence of devices; see
    `physax.distributed.device_mesh`.

    **Returns:** a `jax.sharding.Mesh`, or `None` when there is nothing to split.

    **Example:**

    >>> # on a machine with one device there is nothing to split
    >>> point_mesh(None) is None, point_mesh(1) is None
    (True, True)
    >>> mesh = point_mesh(0)      # every device: a mesh when there are several
    >>> mesh is None or mesh.axis_names == ("points",)
    True
    """
    return distributed.device_mesh(devices, AXIS)


def check_divisible(name: str, n_points: int, mesh: Mesh | None) -> None:
    """Point sets that are sharded must split evenly over the devices (a `ValueError` if not).

    **Arguments:**

    - `name`: what the points are, for the message (e.g. `"n_interior"`).
    - `n_points`: how many.
    - `mesh`: the mesh of `point_mesh` (`None`: nothing to check).

    **Example:**

    >>> check_divisible("n_interior", 1000, None)      # one device: always fine
    >>> mesh = jax.sharding.Mesh(np.array(jax.devices()[:1]), ("points",))
    >>> check_divisible("n_interior", 1000, mesh)
    """
    distributed.check_divisible(name, n_points, mesh)


def place(tree, mesh: Mesh | None, *, shard: bool = True):
    """Put arrays whose point axis divides over the mesh on shards (`shard=True`), replicate the rest."""
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
