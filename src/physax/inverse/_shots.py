"""Shot-parallel FWI misfit: each device simulates and back-propagates its own shots."""

from __future__ import annotations

from collections.abc import Sequence

import equinox as eqx
import jax
from jax.sharding import Mesh, PartitionSpec

from .. import distributed
from ..solvers.wave import simulate_shots
from ._objective import data_misfit

AXIS = "shots"


def shot_mesh(devices: int | str | Sequence[jax.Device] | None, n_shots: int) -> Mesh | None:
    """The 1-D `"shots"` mesh for `devices` (see `physax.distributed.device_mesh`), checked.

    **Raises:** `physax.distributed.DivisibilityError` (a `ValueError`) if `n_shots` does
    not split evenly over the devices.
    """
    mesh = distributed.device_mesh(devices, AXIS)
    distributed.check_divisible("the number of shots", n_shots, mesh)
    return mesh


def shot_parallel_misfit(
    mesh: Mesh, theta, param, model, shots, observed, cutoff, dt, order, boundary, misfit, loop
):
    r"""$J(\theta) = \sum_{\text{devices}} \sum_{s \in \text{device}} J_s(\theta)$ with `shard_map`.

    The shots and their observed traces are split along the shot axis; $\theta$, the
    parametrisation and the model are replicated. Each device runs the solver on its own
    shots and the per-device misfits are summed by one `psum`; reverse mode transposes
    that sum into one all-reduce of the velocity gradient (the standard shot-parallel
    layout of seismic inversion, e.g. Virieux & Operto 2009). The misfit must be a sum
    over shots (`L2Misfit`, `NCCMisfit` and low-passing per trace are).
    """
    arrays, static = eqx.partition((param, model, cutoff), eqx.is_array)

    def local(theta, shots, observed, arrays):
        param, model, cutoff = eqx.combine(arrays, static)
        model = eqx.tree_at(lambda m: m.velocity, model, param(theta))
        predicted = simulate_shots(model, shots, dt=dt, order=order, boundary=boundary, loop=loop).traces
        value = data_misfit(predicted, observed, misfit=misfit, dt=dt, cutoff=cutoff)
        return jax.lax.psum(value, AXIS)

    split, whole = PartitionSpec(AXIS), PartitionSpec()
    # check_vma=False: the solver starts its scans from unvarying zeros that the shots make varying
    fn = jax.shard_map(
        local, mesh=mesh, in_specs=(whole, split, split, whole), out_specs=whole, check_vma=False
    )
    return fn(theta, shots, observed, arrays)
