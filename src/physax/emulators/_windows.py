"""Index-based sub-stacking of trajectories into windows, and per-epoch minibatch permutations."""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float, Int, PRNGKeyArray


class Windows(eqx.Module):
    r"""All windows of `length` consecutive snapshots of a trajectory set, addressed by index.

    With ``sub_stacking=True`` trajectory $n$ of $L$ snapshots yields windows starting at
    $s = 0, \dots, L - \text{length}$; window index $j = n (L - \text{length} + 1) + s$ (the
    ordering of Trainax's sub-stacker). With ``sub_stacking=False`` only $s = 0$. Windows are
    never stored: `gather` slices a minibatch of them out of the trajectories, so memory
    stays at the trajectories plus one minibatch however many windows overlap.

    **Arguments:**

    - `num_trajectories`: how many trajectories.
    - `num_snapshots`: $L$, snapshots per trajectory.
    - `length`: snapshots per window (a configuration's `num_snapshots`).
    - `sub_stacking`: every window start (default), or only $s = 0$.

    **Example:** 4 trajectories of 10 snapshots hold $4 \times 5$ windows of 6.

    >>> w = Windows(4, 10, 6)
    >>> w.num_windows
    20
    >>> w.gather(jnp.zeros((4, 10, 1, 8)), jnp.arange(8)).shape
    (8, 6, 1, 8)
    """

    num_trajectories: int = eqx.field(static=True)
    num_snapshots: int = eqx.field(static=True)
    length: int = eqx.field(static=True)
    sub_stacking: bool = eqx.field(static=True, default=True)

    def __check_init__(self):
        if self.length < 1:
            raise ValueError(f"window length must be >= 1, got {self.length}.")
        if self.num_snapshots < self.length:
            raise ValueError(
                f"trajectories have {self.num_snapshots} snapshots but training windows need "
                f"{self.length} (initial condition + rollout steps); generate longer "
                "trajectories or lower the number of rollout steps."
            )

    @property
    def per_trajectory(self) -> int:
        return self.num_snapshots - self.length + 1 if self.sub_stacking else 1

    @property
    def num_windows(self) -> int:
        return self.num_trajectories * self.per_trajectory

    def gather(
        self, trajectories: Float[Array, "n t c *spatial"], indices: Int[Array, " b"]
    ) -> Float[Array, "b length c *spatial"]:
        """The windows with the given indices, shape ``(len(indices), length, C, *spatial)``."""
        traj, start = jnp.divmod(indices, self.per_trajectory)

        def one(n, s):
            return jax.lax.dynamic_slice_in_dim(trajectories[n], s, self.length, axis=0)

        return jax.vmap(one)(traj, start)

    def materialise(self, trajectories) -> Float[Array, "w length c *spatial"]:
        """Every window at once (only for small data: evaluation, tests)."""
        return self.gather(trajectories, jnp.arange(self.num_windows))


def permutation_table(
    num_windows: int, batch_size: int, num_steps: int, *, key: PRNGKeyArray
) -> tuple[Int[np.ndarray, "e m"], int]:
    """Per-epoch permutations of the windows, padded to whole minibatches.

    Each epoch visits every window once in a fresh random order (epoch keys chained as
    `k_{e+1} = split(k_e)[0]`, the order Trainax uses, so the same key gives the same
    batches); its last minibatch may be short (as in Trainax) and is padded with index `-1`.
    A batch larger than the data set trains full-batch.

    **Arguments:**

    - `num_windows`: windows in the data set.
    - `batch_size`: windows per minibatch.
    - `num_steps`: optimiser steps the table must cover.
    - `key`: the PRNG key of the order.

    **Returns:** `(table, batches_per_epoch)`, the table of shape
    `(epochs, batches_per_epoch * batch_size)`; step `i` uses row `i // batches_per_epoch`,
    slice `(i % batches_per_epoch) * batch_size` of length `batch_size`.

    **Example:** 10 windows in batches of 4: three batches per epoch, the last one half
    padding.

    >>> table, per_epoch = permutation_table(10, 4, 7, key=jax.random.key(0))
    >>> table.shape, per_epoch, int((table[0] == -1).sum())
    ((3, 12), 3, 2)
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}.")
    batch_size = min(batch_size, num_windows)
    per_epoch = -(-num_windows // batch_size)
    epochs = max(1, -(-num_steps // per_epoch))

    # A chain of keys, k_{e+1} = split(k_e)[0], as Trainax's PermutationMixer: same key, same order.
    def body(k, _):
        return jax.random.split(k)[0], jax.random.permutation(k, num_windows)

    _, perms = jax.lax.scan(body, key, None, length=epochs)
    perms = np.asarray(perms)
    table = np.full((epochs, per_epoch * batch_size), -1, dtype=np.int32)
    table[:, :num_windows] = perms
    return table, per_epoch
