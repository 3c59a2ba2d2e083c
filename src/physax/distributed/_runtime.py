"""Start JAX's multi-controller runtime from physax's (or SLURM's) environment variables."""

from __future__ import annotations

import os

import jax

_STARTED = False

COORDINATOR = "PHYSAX_COORDINATOR"
NUM_PROCESSES = "PHYSAX_NUM_PROCESSES"
PROCESS_ID = "PHYSAX_PROCESS_ID"


class DistributedConfigError(ValueError):
    """The multi-process environment variables are incomplete or invalid.

    Raised by `initialize` (a `ValueError`), with a one-line message naming the fix.

    **Example:**

    >>> import os
    >>> os.environ["PHYSAX_COORDINATOR"] = "localhost:1234"  # the other two are missing
    >>> try:
    ...     initialize()
    ... except DistributedConfigError as e:
    ...     print(e)
    PHYSAX_NUM_PROCESSES, PHYSAX_PROCESS_ID not set; a multi-process run needs all of PHYSAX_COORDINATOR, PHYSAX_NUM_PROCESSES, PHYSAX_PROCESS_ID.
    >>> del os.environ["PHYSAX_COORDINATOR"]
    """


def _from_env() -> dict | None:
    """The arguments of `jax.distributed.initialize`, ``{}`` to let JAX detect SLURM, or None."""
    names = (COORDINATOR, NUM_PROCESSES, PROCESS_ID)
    given = {n: os.environ.get(n) for n in names if os.environ.get(n) not in (None, "")}
    if given:
        missing = [n for n in names if n not in given]
        if missing:
            raise DistributedConfigError(
                f"{', '.join(missing)} not set; a multi-process run needs all of {', '.join(names)}."
            )
        try:
            n, i = int(given[NUM_PROCESSES]), int(given[PROCESS_ID])
        except ValueError:
            raise DistributedConfigError(f"{NUM_PROCESSES} and {PROCESS_ID} must be integers.") from None
        if n < 1 or not 0 <= i < n:
            raise DistributedConfigError(
                f"{PROCESS_ID}={i} must lie in 0..{NUM_PROCESSES}-1 = {n - 1} (and {NUM_PROCESSES} >= 1)."
            )
        if ":" not in given[COORDINATOR]:
            raise DistributedConfigError(f"{COORDINATOR} must be host:port, got {given[COORDINATOR]!r}.")
        return {"coordinator_address": given[COORDINATOR], "num_processes": n, "process_id": i}
    if int(os.environ.get("SLURM_NTASKS", "1") or 1) > 1 and "SLURM_PROCID" in os.environ:
        return {}  # JAX's SLURM cluster detection reads the job's variables itself
    return None


def initialize() -> bool:
    r"""Join a multi-process JAX run when the environment describes one; idempotent.

    With ``PHYSAX_COORDINATOR=host:port``, ``PHYSAX_NUM_PROCESSES=N`` and
    ``PHYSAX_PROCESS_ID=i`` set (all three), or inside a SLURM job step of more than one
    task (``SLURM_NTASKS > 1``; JAX reads SLURM's variables itself), calls
    `jax.distributed.initialize` so that `jax.devices()` lists the devices of every
    process. On CPU the processes exchange data through gloo collectives
    (``jax_cpu_collectives_implementation``). Without these variables it does nothing, so
    a one-process run is untouched. Call it before any other JAX use; the CLI and
    `physax.experiments.run`/`resume` call it for you.

    **Returns:** True if this process is part of a multi-process run.

    **Raises:** `DistributedConfigError` (a `ValueError`) for incomplete or invalid
    variables.

    **Example:** without `PHYSAX_*` or SLURM variables it does nothing.

    >>> initialize()
    False
    >>> if is_writer():
    ...     print(jax.process_count(), "process")
    1 process
    """
    global _STARTED
    if _STARTED or jax.distributed.is_initialized():  # by an earlier call, or by the user's own script
        _STARTED = True
        return jax.process_count() > 1
    kwargs = _from_env()
    if kwargs is None:
        return False
    jax.config.update("jax_cpu_collectives_implementation", "gloo")
    jax.distributed.initialize(**kwargs)
    _STARTED = True
    return jax.process_count() > 1


def requested() -> bool:
    """True if the environment asks for a multi-process run (without starting it).

    Either all three `PHYSAX_*` variables (or some of them, which `initialize` then
    refuses), or a SLURM job step of more than one task.

    **Example:**

    >>> requested()  # no PHYSAX_* or SLURM variables here
    False
    """
    try:
        return _from_env() is not None
    except DistributedConfigError:
        return True


def is_writer() -> bool:
    """True on the process that writes files (process 0); True in a one-process run.

    **Example:** write the run directory from one process only.

    >>> if is_writer():
    ...     print("writing results.json")
    writing results.json
    """
    return jax.process_index() == 0


def barrier(name: str) -> None:
    r"""Wait until every process reaches the barrier `name` (a no-op with one process).

    **Arguments:**

    - `name`: the barrier's name, the same on every process.

    **Example:** let process 0 write a file before the others read it.

    >>> if is_writer():
    ...     _ = open("config.toml", "w").write("seed = 0\n")
    >>> barrier("config written")
    >>> open("config.toml").read()
    'seed = 0\n'
    """
    if jax.process_count() > 1:
        from jax.experimental import multihost_utils

        multihost_utils.sync_global_devices(name)
