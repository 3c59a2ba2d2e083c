"""The chunked training loop: compiled chunks of optimiser steps, Python only between them."""

from __future__ import annotations

import math
import time

import equinox as eqx
import jax
import jax.numpy as jnp
import optax

from .._train import ProgressBar
from ._callbacks import AbstractCallback, tree_norm
from ._sharding import split_batch
from ._state import EmulatorDiverged, EmulatorState


def boundaries(start: int, total: int, chunk: int, callbacks) -> list[int]:
    """Chunk ends after `start`: every multiple of `chunk` and of each callback's `every`, and
    `total`. Absolute (not relative to `start`), so a resumed run replays the same chunks."""
    points = set(range(chunk, total, chunk)) | {total}
    for cb in callbacks:
        points |= set(range(cb.every, total, cb.every))
    return sorted(p for p in points if p > start)


def run_chunks(
    trainer,
    windows,
    static,
    state: EmulatorState,
    trajectories,
    table,
    per_epoch,
    *,
    callbacks=(),
    chunk=100,
    progress=True,
    wall_time_offset=0.0,
    block=None,
) -> tuple[EmulatorState, list[dict]]:
    """Train from `state` to ``trainer.num_steps``; returns the final state and one record per chunk.

    `callbacks`: `AbstractCallback` instances add their values to the record at their period;
    any other callable is called as ``callback(record, state)`` after every chunk.
    """
    if chunk < 1:
        raise ValueError(f"chunk must be >= 1, got {chunk}.")
    metric_cbs = [cb for cb in callbacks if isinstance(cb, AbstractCallback)]
    record_cbs = [cb for cb in callbacks if not isinstance(cb, AbstractCallback)]
    for cb in record_cbs:
        if not callable(cb):
            raise TypeError(f"callbacks must be AbstractCallback instances or callables, got {cb!r}.")
    history: list[dict] = []
    table = jnp.asarray(table)
    t0 = time.perf_counter()
    with ProgressBar(trainer.num_steps, state.step, enabled=progress) as bar:
        for stop in boundaries(state.step, trainer.num_steps, chunk, metric_cbs):
            step, params = state.step, state.params
            args = (trainer, windows, static, params, state.opt_state, trajectories, table, per_epoch)
            if block is None:
                new_params, new_opt, stats = _chunk(*args, jnp.asarray(step), jnp.asarray(stop - step))
            else:
                new_params, new_opt, stats = _host_chunk(args, step, stop, block)
            loss_sum, grad_norm = (float(x) for x in stats)
            record = {
                "step": stop,
                "phase": "train",
                "wall_time_s": wall_time_offset + time.perf_counter() - t0,
                "loss": loss_sum / (stop - step),
                "grad_norm": grad_norm,
                "weight_norm": float(tree_norm(new_params)),
                "epoch": (stop - 1) // per_epoch,
            }
            if not (math.isfinite(record["loss"]) and math.isfinite(record["weight_norm"])):
                raise EmulatorDiverged(stop, state, record, emulator=eqx.combine(params, static))
            state = EmulatorState(new_params, new_opt, stop)
            emulator = eqx.combine(new_params, static)
            for cb in metric_cbs:
                if stop % cb.every == 0 or stop == trainer.num_steps:
                    record.update(cb(stop, emulator, trainer))
            history.append(record)
            for cb in record_cbs:
                cb(record, state)
            bar.update(record)
    return state, history


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
    mesh = trainer.mesh()
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
        data, valid = split_batch((data, valid), mesh)
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
