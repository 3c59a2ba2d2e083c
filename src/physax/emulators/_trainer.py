"""Training loop for every configuration: compiled chunks of optimiser steps on device."""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import optax
from jaxtyping import Array, Float, PRNGKeyArray

from .._train import Diverged, ProgressBar
from ._callbacks import AbstractCallback, tree_norm
from ._configuration import AbstractConfiguration
from ._data import as_trajectories
from ._windows import Windows, permutation_table


class EmulatorDiverged(Diverged):
    """The training loss became NaN/inf; `emulator` is the last finite emulator, `step` its step."""

    what = "emulator training"
    hint = "Lower the learning rate or the rollout length."

    def __init__(self, message: str, emulator, step: int, record: dict | None = None):
        super().__init__(step, emulator, record or {}, message)
        self.emulator = emulator


class Trainer(eqx.Module):
    r"""Train an autoregressive emulator with any configuration (Trainax's general trainer).

    Windows of ``configuration.num_snapshots`` snapshots are cut out of the trajectories by
    index (:class:`Windows`), visited in a fresh random order every epoch in minibatches of
    `batch_size` (a short last minibatch is masked, not dropped), and the configuration's loss
    is minimised with `optimizer` for `num_steps` steps. Chunks of steps run inside one compiled
    ``fori_loop``; Python only logs, runs callbacks and draws the progress bar between chunks.

    **Arguments:** `configuration`; `optimizer` (an optax transformation); `num_steps`;
    `batch_size`; `ref_stepper` (for diverted/mix chains); `residuum_fn` (for residuum
    configurations); `sub_stacking` (all windows, default, or only each trajectory's first);
    `steps_per_call`: ``None`` runs each chunk as one compiled ``fori_loop``; an int `k` runs
    compiled blocks of `k` unrolled steps from Python (asynchronously dispatched, no host sync
    inside a chunk). ``"auto"`` (default) picks ``None`` on GPU/TPU and for small networks
    (<= 10 000 parameters) and 1 otherwise, because XLA:CPU runs convolutions inside a while
    loop several times slower than outside one (4.5x measured for a 5-step ConvNet rollout).

    **Example:**

    ```python
    trainer = Trainer(Supervised(5), optax.adam(1e-2), num_steps=1000, batch_size=32)
    emulator, history = trainer(emulator, trajectories, key=jax.random.key(42))
    ```
    """

    configuration: AbstractConfiguration
    optimizer: optax.GradientTransformation
    num_steps: int = eqx.field(static=True)
    batch_size: int = eqx.field(static=True)
    ref_stepper: Any = None
    residuum_fn: Any = None
    sub_stacking: bool = eqx.field(static=True, default=True)
    steps_per_call: int | str | None = eqx.field(static=True, default="auto")

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

    def __call__(
        self,
        emulator,
        trajectories: Float[Array, "n t c *spatial"],
        *,
        key: PRNGKeyArray,
        callbacks: Sequence[AbstractCallback] = (),
        chunk: int = 100,
        progress: bool = True,
        on_chunk=None,
    ) -> tuple[Any, list[dict]]:
        """Train; returns ``(emulator, history)``, one history row per chunk/callback point
        with ``step``, ``wall_time_s``, ``loss`` (mean over the chunk), ``grad_norm`` and
        ``weight_norm`` (at the chunk's last step) and the callbacks' values.
        ``on_chunk(row, emulator, opt_state)`` is called after each row (e.g. to checkpoint)."""
        trajectories = as_trajectories(trajectories)
        check_emulator(emulator, trajectories[0, 0])
        windows = self.windows(trajectories)
        table, per_epoch = permutation_table(windows.num_windows, self.batch_size, self.num_steps, key=key)
        params, static = eqx.partition(emulator, eqx.is_inexact_array)
        opt_state = strong(self.optimizer.init(params))
        return run_chunks(
            self,
            windows,
            static,
            params,
            opt_state,
            trajectories,
            table,
            per_epoch,
            callbacks=callbacks,
            chunk=chunk,
            progress=progress,
            on_chunk=on_chunk,
            block=self.block(emulator),
        )


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


def _boundaries(start: int, total: int, chunk: int, callbacks) -> list[int]:
    points = set(range(min(total, start + chunk), total, chunk)) | {total}
    for cb in callbacks:
        points |= set(range((start // cb.every + 1) * cb.every, total, cb.every))
    return sorted(p for p in points if p > start)


def run_chunks(
    trainer,
    windows,
    static,
    params,
    opt_state,
    trajectories,
    table,
    per_epoch,
    *,
    callbacks=(),
    chunk=100,
    progress=True,
    on_chunk=None,
    start=0,
    wall_offset=0.0,
    block=None,
):
    if chunk < 1:
        raise ValueError(f"chunk must be >= 1, got {chunk}.")
    history: list[dict] = []
    table = jnp.asarray(table)
    t0 = time.perf_counter()
    step = start
    with ProgressBar(trainer.num_steps, start, enabled=progress) as bar:
        for stop in _boundaries(start, trainer.num_steps, chunk, callbacks):
            args = (trainer, windows, static, params, opt_state, trajectories, table, per_epoch)
            if block is None:
                new_params, new_opt, stats = _chunk(*args, jnp.asarray(step), jnp.asarray(stop - step))
            else:
                new_params, new_opt, stats = _host_chunk(args, step, stop, block)
            loss_sum, grad_norm = (float(x) for x in stats)
            if not math.isfinite(loss_sum):
                raise EmulatorDiverged(
                    f"training loss is {loss_sum} between steps {step} and {stop}; lower the "
                    "learning rate or the rollout length (the last finite emulator is attached).",
                    eqx.combine(params, static),
                    step,
                )
            params, opt_state, n, step = new_params, new_opt, stop - step, stop
            emulator = eqx.combine(params, static)
            row = {
                "step": step,
                "phase": "train",
                "wall_time_s": wall_offset + time.perf_counter() - t0,
                "loss": loss_sum / max(n, 1),
                "grad_norm": grad_norm,
                "weight_norm": float(tree_norm(params)),
                "epoch": (step - 1) // per_epoch if step else 0,
            }
            for cb in callbacks:
                if step % cb.every == 0 or step == trainer.num_steps:
                    row.update(cb(step, emulator, trainer))
            history.append(row)
            if on_chunk is not None:
                on_chunk(row, emulator, opt_state)
            bar.update(row)
    return eqx.combine(params, static), history


def _host_chunk(args, step: int, stop: int, block: int):
    trainer, windows, static, params, opt_state, trajectories, table, per_epoch = args
    loss_sum = gnorm = None
    k = step
    while k < stop:
        n = block if stop - k >= block else 1
        params, opt_state, (loss, gnorm) = _block(
            trainer, windows, static, params, opt_state, trajectories, table, per_epoch, jnp.asarray(k), n
        )
        loss_sum = loss if loss_sum is None else loss_sum + loss
        k += n
    return params, opt_state, (loss_sum, gnorm)


@eqx.filter_jit
def _block(trainer, windows, static, params, opt_state, trajectories, table, per_epoch, start, n: int):
    step = _step_fn(trainer, windows, static, trajectories, table, per_epoch, start)
    zero = jnp.zeros((), jnp.result_type(float))
    carry = (params, opt_state, zero, zero)
    for i in range(n):  # unrolled: XLA:CPU runs convolutions faster outside while loops
        carry = step(i, carry)
    return carry[0], carry[1], (carry[2], carry[3])


def _step_fn(trainer, windows, static, trajectories, table, per_epoch, start):
    batch = table.shape[1] // per_epoch
    num_windows = windows.num_windows

    def objective(p, data, weights):
        return trainer.loss(eqx.combine(p, static), data, weights)

    def step(i, carry):
        p, s, loss_sum, _ = carry
        k = start + i
        row = jnp.minimum(k // per_epoch, table.shape[0] - 1)
        idx = jax.lax.dynamic_slice_in_dim(table[row], (k % per_epoch) * batch, batch)
        valid = idx >= 0
        data = windows.gather(trajectories, jnp.where(valid, idx, 0) % num_windows)
        loss, grads = jax.value_and_grad(objective)(p, data, valid)
        updates, s = trainer.optimizer.update(grads, s, p)
        gnorm = optax.tree.norm(grads).astype(loss_sum.dtype)
        return optax.apply_updates(p, updates), s, loss_sum + loss.astype(loss_sum.dtype), gnorm

    return step


# Arrays only besides the static modules, and a traced chunk length: one compilation per run.
@eqx.filter_jit
def _chunk(trainer, windows, static, params, opt_state, trajectories, table, per_epoch, start, n):
    step = _step_fn(trainer, windows, static, trajectories, table, per_epoch, start)
    zero = jnp.zeros((), jnp.result_type(float))
    p, s, loss_sum, gnorm = jax.lax.fori_loop(0, n, step, (params, opt_state, zero, zero))
    return p, s, (loss_sum, gnorm)
