"""Several devices and several processes with JAX's own runtime (`jax.distributed`, `jax.sharding`).

`initialize` joins a multi-process run described by ``PHYSAX_COORDINATOR``,
``PHYSAX_NUM_PROCESSES`` and ``PHYSAX_PROCESS_ID`` (or SLURM's variables); `device_mesh`
builds the 1-D mesh that the methods shard their natural axis over (collocation points,
shots, subdomains, batches, ensemble members); `is_writer` tells the one process that
writes files; `check_divisible` refuses a count that does not split over the devices.
"""

from ._mesh import (
    DivisibilityError as DivisibilityError,
    check_divisible as check_divisible,
    device_mesh as device_mesh,
    replicate as replicate,
    shard as shard,
    to_host as to_host,
)
from ._runtime import (
    DistributedConfigError as DistributedConfigError,
    barrier as barrier,
    initialize as initialize,
    is_writer as is_writer,
    requested as requested,
)
