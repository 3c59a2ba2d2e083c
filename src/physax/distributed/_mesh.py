"""One-dimensional device meshes over every process's devices, and placing data on them."""

from __future__ import annotations

from collections.abc import Sequence

import jax
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec


class DivisibilityError(ValueError):
    """A sharded count does not split evenly over the devices and cannot be padded.

    Raised by `check_divisible` (a `ValueError`, with a one-line message naming the fix).

    **Example:** a mesh that stands in for three devices (the same CPU three times).

    >>> from jax.sharding import Mesh
    >>> three = Mesh(np.array(jax.devices()[:1] * 3), ("batch",))
    >>> try:
    ...     check_divisible("n_interior", 1000, three)
    ... except DivisibilityError as e:
    ...     print(e)
    n_interior is 1000, which does not split evenly over 3 devices; use a multiple of 3 (e.g. 1002).
    """


def device_mesh(devices: int | str | Sequence[jax.Device] | None, axis: str = "batch") -> Mesh | None:
    r"""A 1-D `jax.sharding.Mesh` named `axis` over the global devices, or None for one device.

    The mesh may span processes (after `initialize`): its devices are taken in the
    order of `jax.devices()`, process by process, the same on every process.

    **Arguments:**

    - `devices`: ``None`` or 1 (no mesh); 0 or ``"all"`` (every device of every
      process); ``n`` (``n`` devices: the first ``n`` with one process, ``n / P`` from each
      of ``P`` processes otherwise, so ``n`` must be a multiple of ``P``); or an explicit
      sequence of devices.
    - `axis`: the mesh axis name.

    **Returns:** the mesh, or None when it would hold a single device.

    **Example:** the same code on one device (no mesh) and on many.

    >>> mesh = device_mesh("all", axis="shots")
    >>> mesh is None or mesh.axis_names == ("shots",)
    True
    >>> device_mesh(1) is None
    True
    """
    if devices is None:
        return None
    if isinstance(devices, str):
        if devices != "all":
            raise ValueError(f"devices must be an int, 'all' or a list of devices, got {devices!r}.")
        devices = 0
    if isinstance(devices, bool) or isinstance(devices, int | np.integer):
        chosen = _count(int(devices))
    else:
        chosen = list(devices)
        if not chosen:
            raise ValueError("devices must name at least one device.")
    if len(chosen) == 1:
        return None
    return Mesh(np.array(chosen), (axis,))


def _count(n: int) -> list:
    every, procs = jax.devices(), jax.process_count()
    if n < 0 or n > len(every):
        raise ValueError(
            f"devices={n}, but {len(every)} device(s) are available"
            f"{f' over {procs} processes' if procs > 1 else ' (local devices)'}; use 0 for all of "
            "them or 1 for no sharding (on CPU, XLA_FLAGS=--xla_force_host_platform_device_count=N "
            "simulates N devices)."
        )
    if n == 0 or n == len(every):
        return every
    if procs == 1:
        return every[:n]
    if n % procs:
        raise ValueError(f"devices={n} must be a multiple of the {procs} processes (or 0 for all).")
    per = n // procs
    return [d for p in range(procs) for d in [x for x in every if x.process_index == p][:per]]


def check_divisible(name: str, count: int, mesh: Mesh | None, *, hint: str | None = None) -> None:
    """Raise `DivisibilityError` (one line) if `count` items do not split evenly over `mesh`.

    **Arguments:**

    - `name`: what is counted, for the message (e.g. `"n_interior"`).
    - `count`: the number of items.
    - `mesh`: the mesh (`None`: one device, always fine).
    - `hint`: the fix to suggest (default: the next multiple of the device count).

    **Example:** a count that is a multiple of the device count passes on any machine.

    >>> check_divisible("batch_size", 8 * jax.device_count(), device_mesh("all"))
    """
    if mesh is None or count % mesh.size == 0:
        return
    fix = hint or f"use a multiple of {mesh.size} (e.g. {-(-count // mesh.size) * mesh.size})"
    raise DivisibilityError(
        f"{name} is {count}, which does not split evenly over {mesh.size} devices; {fix}."
    )


def shard(tree, mesh: Mesh | None, *, axis: int = 0):
    """Split the arrays of `tree` along `axis` over the mesh (every process passes the same values).

    Leaves that are not arrays are left alone. With `mesh=None` the tree is returned as is.

    **Arguments:**

    - `tree`: a pytree of arrays.
    - `mesh`: a 1-D mesh from `device_mesh`, or `None`.
    - `axis`: the array axis to split (its length must split evenly over the devices).

    **Returns:** the tree with its arrays placed on the mesh.

    **Example:** collocation points split over every device (or left alone on one).

    >>> points = shard(jnp.zeros((64 * jax.device_count(), 2)), device_mesh("all"))
    >>> points.shape[0] == 64 * jax.device_count()
    True
    """
    if mesh is None:
        return tree
    name = mesh.axis_names[0]

    def put(x):
        if not isinstance(x, jax.Array | np.ndarray):
            return x
        spec = [None] * x.ndim
        spec[axis] = name
        return jax.device_put(x, NamedSharding(mesh, PartitionSpec(*spec)))

    return jax.tree.map(put, tree)


def replicate(tree, mesh: Mesh | None):
    """Put a copy of every array of `tree` on every device of the mesh.

    For parameters and optimiser states in data-parallel training.

    **Arguments:**

    - `tree`: a pytree of arrays.
    - `mesh`: a 1-D mesh from `device_mesh`, or `None` (the tree is returned as is).

    **Returns:** the tree with replicated arrays.

    **Example:**

    >>> params = replicate({"w": jnp.ones(3)}, device_mesh("all"))
    >>> params["w"].shape
    (3,)
    """
    if mesh is None:
        return tree
    whole = NamedSharding(mesh, PartitionSpec())
    return jax.tree.map(lambda x: jax.device_put(x, whole) if isinstance(x, jax.Array) else x, tree)


def to_host(tree):
    """Every array of `tree` with its full value on this process (arrays split over processes gathered).

    Arrays this process holds whole are returned as they are; arrays split over several
    processes are gathered into NumPy arrays (a collective: every process must call it).
    Use it before saving or printing a sharded state.

    **Arguments:**

    - `tree`: a pytree (leaves that are not arrays are left alone).

    **Returns:** the tree with every array complete on this process.

    **Example:**

    >>> x = shard(jnp.arange(4.0 * jax.device_count()), device_mesh("all"))
    >>> to_host({"x": x, "note": "kept"})["x"].sum() == x.sum()
    Array(True, dtype=bool)
    """

    from jax.experimental import multihost_utils

    def get(x):
        if not isinstance(x, jax.Array) or x.is_fully_addressable:
            return x
        if jax.dtypes.issubdtype(x.dtype, jax.dtypes.prng_key):
            impl = jax.random.key_impl(x)
            return jax.random.wrap_key_data(jax.numpy.asarray(get(jax.random.key_data(x))), impl=impl)
        if x.is_fully_replicated:
            return np.asarray(x)
        return np.asarray(multihost_utils.process_allgather(x, tiled=True))

    return jax.tree.map(get, tree)
