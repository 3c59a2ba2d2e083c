"""The emulator trainer: any configuration, compiled chunks of optimiser steps, resumable."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import optax
from jaxtyping import Array, Float, PRNGKeyArray

from .. import distributed
from .._train import History, Result
from ._callbacks import AbstractCallback
from ._configuration import AbstractConfiguration
from ._data import as_trajectories
from ._loop import run_chunks
from ._sharding import batch_mesh
from ._state import EmulatorDiverged as EmulatorDiverged, EmulatorState
from ._windows import Windows, permutation_table


class Trainer(eqx.Module):
    r"""Train an autoregressive emulator with any configuration (Trainax's general trainer).

    Windows of ``configuration.num_snapshots`` snapshots are cut out of the trajectories by
    index (`Windows`), visited in a fresh random order every epoch in minibatches of
    `batch_size` (a short last minibatch is masked, not dropped), and the configuration's loss
    is minimised with `optimizer` for `num_steps` steps. Chunks of steps run inside one compiled
    ``fori_loop``; Python only logs, runs callbacks and draws the progress bar between chunks.

    **Arguments:**

    - `configuration`: the training configuration (`Supervised(5)`, `DivertedChain(...)`, ...).
    - `optimizer`: an optax transformation.
    - `num_steps`: optimiser steps.
    - `batch_size`: windows per minibatch.
    - `ref_stepper`: the reference solver (for diverted and mix chains).
    - `residuum_fn`: the two-level residuum (for residuum configurations).
    - `sub_stacking`: all windows of every trajectory (default), or only each one's first.
    - `steps_per_call`: `None` runs each chunk as one compiled `fori_loop`; an int `k` runs
      compiled blocks of `k` unrolled steps from Python (asynchronously dispatched, no host
      sync inside a chunk). `"auto"` (default) picks `None` on GPU/TPU and for small
      networks (at most 10 000 parameters) and 1 otherwise, because XLA:CPU runs
      convolutions inside a while loop several times slower than outside one (4.5x measured
      for a 5-step ConvNet rollout).
    - `devices`: data-parallel training: every minibatch is split over a device mesh (which
      may span processes, see `physax.distributed`), the gradient all-reduced and the
      parameters replicated (`None`/1: one device; 0 or `"all"`: every device; `batch_size`
      must be a multiple of the device count).

    **Example:** a two-point stencil (`nn.LinearConv`) learns advection by one cell to the
    left per step: its weights go to $[0, 1]$. A `Trainer` with more `num_steps` continues
    from `result.state` (same key: same batches, bit-identical to an uninterrupted run).

    >>> x = jnp.arange(16) / 16
    >>> u0 = jnp.stack([jnp.sin(2 * jnp.pi * m * x) for m in (1, 2, 3)])[:, None]
    >>> data = jnp.stack([jnp.roll(u0, -s, axis=-1) for s in range(11)], axis=1)
    >>> net = nn.LinearConv(1, 1, 1, 2, key=jax.random.key(1))
    >>> trainer = Trainer(Supervised(1), optax.adam(1e-1), num_steps=200, batch_size=8)
    >>> result = trainer(net, data, key=jax.random.key(2), progress=False)
    >>> result.model.weight.round(2), result.state.step
    (Array([0., 1.], dtype=float...), 200)
    >>> bool(result.history[-1]["loss"] < 1e-4)
    True
    """

    configuration: AbstractConfiguration
    optimizer: optax.GradientTransformation
    num_steps: int = eqx.field(static=True)
    batch_size: int = eqx.field(static=True)
    ref_stepper: Any = None
    residuum_fn: Any = None
    sub_stacking: bool = eqx.field(static=True, default=True)
    steps_per_call: int | str | None = eqx.field(static=True, default="auto")
    devices: int | str | None = eqx.field(static=True, default=None)

    def __check_init__(self):
        if not isinstance(self.configuration, AbstractConfiguration):
            raise TypeError("configuration must be a physax.emulators configuration, e.g. Supervised(5).")
        if self.num_steps < 0 or self.batch_size < 1:
            raise ValueError(
                f"need num_steps >= 0 and batch_size >= 1, got {self.num_steps}, {self.batch_size}."
            )
        if self.configuration.needs_ref_stepper and self.ref_stepper is None:
            raise ValueError(f"{type(self.configuration).__name__} needs ref_stepper=<reference solver>.")
        if self.configuration.needs_residuum and self.residuum_fn is None:
            raise ValueError(f"{type(self.configuration).__name__} needs residuum_fn=<two-level residuum>.")

    def block(self, emulator) -> int | None:
        """The resolved `steps_per_call` for `emulator`."""
        spc = self.steps_per_call
        if spc == "auto":
            n = sum(x.size for x in jax.tree.leaves(eqx.filter(emulator, eqx.is_inexact_array)))
            return None if jax.default_backend() != "cpu" or n <= 10_000 else 1
        if spc is not None and (not isinstance(spc, int) or spc < 1):
            raise ValueError(f"steps_per_call must be None, 'auto' or an int >= 1, got {spc!r}.")
        return spc

    def mesh(self):
        """The device mesh the minibatches are split over (None: one device)."""
        return batch_mesh(self.devices, self.batch_size)

    def windows(self, trajectories) -> Windows:
        n, length = trajectories.shape[:2]
        return Windows(n, length, self.configuration.num_snapshots, self.sub_stacking)

    def loss(self, emulator, windows_data, sample_weights=None) -> Array:
        return self.configuration(
            emulator,
            windows_data,
            ref_stepper=self.ref_stepper,
            residuum_fn=self.residuum_fn,
            sample_weights=sample_weights,
        )

    def init(self, emulator) -> EmulatorState:
        """The state at step 0: the emulator's trainable arrays and a fresh optimiser state."""
        params, _ = eqx.partition(emulator, eqx.is_inexact_array)
        return EmulatorState(params, strong(self.optimizer.init(params)), 0)

    def emulator(self, emulator, state: EmulatorState):
        """`emulator` with the trainable arrays of `state` (e.g. of a loaded checkpoint)."""
        return eqx.combine(state.params, eqx.partition(emulator, eqx.is_inexact_array)[1])

    def __call__(
        self,
        emulator,
        trajectories: Float[Array, "n t c *spatial"],
        *,
        key: PRNGKeyArray,
        state: EmulatorState | None = None,
        callbacks: Sequence[AbstractCallback | Callable[[dict, EmulatorState], None]] = (),
        chunk: int = 100,
        progress: bool = True,
        wall_time_offset: float = 0.0,
    ) -> Result:
        """Train `emulator` on `trajectories` ``(N, T, C, *spatial)``.

        **Arguments:**

        - `key`: the minibatch order (one permutation table for the whole run, drawn from it).
        - `state`: continue from this `EmulatorState` (from an earlier `Result.state`, an
          `EmulatorDiverged`, or a checkpoint) instead of step 0; `emulator` then only
          supplies the architecture. With the same `key` and `chunk` the run ends at
          bit-identical weights to an uninterrupted one.
        - `callbacks`: `AbstractCallback` instances (`Loss`, `GradNorm`, `Evaluate`, ...) add
          their values to the history at their period; any other callable is called as
          ``callback(record, state)`` after every chunk (the shared physax signature), e.g. to
          checkpoint `state`.
        - `chunk`: optimiser steps per compiled call (and per history record).
        - `progress`: draw a progress bar.
        - `wall_time_offset`: seconds already spent (added to ``wall_time_s`` when resuming).

        **Returns:** a `physax._train.Result`: `model` (the trained emulator), `history` (one
        record per chunk: ``step``, ``wall_time_s``, ``loss`` (mean over the chunk),
        ``grad_norm`` and ``weight_norm`` (at the chunk's last step), ``epoch`` and the
        callbacks' values; only the chunks this call ran), `state` (an `EmulatorState`) and
        empty `stats`.

        **Raises:** `EmulatorDiverged` (its `state` is the last good state) when the loss or
        the weights become NaN/inf.
        """
        trajectories = as_trajectories(trajectories)
        check_emulator(emulator, trajectories[0, 0])
        windows = self.windows(trajectories)
        table, per_epoch = permutation_table(windows.num_windows, self.batch_size, self.num_steps, key=key)
        params, static = eqx.partition(emulator, eqx.is_inexact_array)
        if state is None:
            state = self.init(emulator)
        else:
            _check_state(state, params, self.num_steps)
        mesh = self.mesh()
        if mesh is not None:  # everything but the minibatches is replicated
            state, trajectories = distributed.replicate((state, trajectories), mesh)
        state, history = run_chunks(
            self,
            windows,
            static,
            state,
            trajectories,
            table,
            per_epoch,
            callbacks=callbacks,
            chunk=chunk,
            progress=progress,
            wall_time_offset=wall_time_offset,
            block=self.block(emulator),
        )
        return Result(eqx.combine(state.params, static), History(history), state, {})


def _check_state(state, params, num_steps: int) -> None:
    if not isinstance(state, EmulatorState):
        raise TypeError(f"state must be an EmulatorState (e.g. result.state), got {type(state).__name__}.")
    if not 0 <= state.step <= num_steps:
        raise ValueError(f"state is at step {state.step}, outside this trainer's 0..{num_steps}.")
    same = jax.tree.structure(state.params) == jax.tree.structure(params) and all(
        a.shape == b.shape
        for a, b in zip(jax.tree.leaves(state.params), jax.tree.leaves(params), strict=True)
    )
    if not same:
        raise ValueError("state was made for another emulator architecture; pass the emulator it trained.")


def strong(tree):
    """Drop weak types from an optimiser state so the compiled loop's carry keeps one type."""
    return jax.tree.map(lambda x: jnp.asarray(x, dtype=x.dtype) if isinstance(x, jax.Array) else x, tree)


def check_emulator(emulator, state: Array) -> None:
    """Raise a clear error unless `emulator` maps one state to a state of the same shape."""
    try:
        out = eqx.filter_eval_shape(emulator, state)
    except (ValueError, TypeError) as e:
        raise ValueError(f"the emulator cannot take a data state of shape {state.shape}: {e}") from None
    if getattr(out, "shape", None) != state.shape:
        raise ValueError(
            f"the emulator maps a state of shape {state.shape} to {getattr(out, 'shape', out)}; an "
            f"autoregressive emulator must return the same shape: build it with "
            f"in_channels = out_channels = {state.shape[0]} (the data's channels)."
        )
