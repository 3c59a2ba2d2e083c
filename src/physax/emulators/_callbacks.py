"""Callbacks run between compiled training chunks: loss, gradient/weight norms, evaluation, saving."""

from __future__ import annotations

import abc
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import optax


class AbstractCallback(eqx.Module):
    """Called as ``callback(step, emulator, trainer)`` every `every` steps (and at the end);
    returns a dict of scalars merged into the history row (or ``{}``)."""

    every: int = eqx.field(static=True)

    def __check_init__(self):
        if self.every < 1:
            raise ValueError(f"callback period 'every' must be >= 1, got {self.every}.")

    @abc.abstractmethod
    def __call__(self, step: int, emulator, trainer) -> dict[str, Any]:
        """The scalars to log at `step`."""


def _loss_fn(trainer, data):
    def f(emulator):
        return trainer.configuration(
            emulator, data, ref_stepper=trainer.ref_stepper, residuum_fn=trainer.residuum_fn
        )

    return f


@eqx.filter_jit
def _value_and_grad_norm(trainer, emulator, data):
    loss, grads = eqx.filter_value_and_grad(_loss_fn(trainer, data))(emulator)
    return loss, optax.tree.norm(grads)


class Loss(AbstractCallback):
    """The configuration's loss on fixed windows `data` (e.g. all windows, or a validation set),
    recorded as `name`."""

    data: Any
    name: str = eqx.field(static=True, default="loss_eval")

    def __call__(self, step, emulator, trainer):
        return {self.name: float(_value_and_grad_norm(trainer, emulator, self.data)[0])}


class GradNorm(AbstractCallback):
    """Global L2 norm of the loss gradient on fixed windows `data`, recorded as `name`."""

    data: Any
    name: str = eqx.field(static=True, default="grad_norm_eval")

    def __call__(self, step, emulator, trainer):
        return {self.name: float(_value_and_grad_norm(trainer, emulator, self.data)[1])}


class WeightNorm(AbstractCallback):
    """Global L2 norm of the emulator's parameters, recorded as ``weight_norm``."""

    def __call__(self, step, emulator, trainer):
        return {"weight_norm": float(optax.tree.norm(eqx.filter(emulator, eqx.is_inexact_array)))}


class Evaluate(AbstractCallback):
    """``fn(emulator)`` (a float or a dict of floats), recorded under `name` when a float."""

    fn: Callable = eqx.field(static=True)
    name: str = eqx.field(static=True, default="eval")

    def __call__(self, step, emulator, trainer):
        out = self.fn(emulator)
        if isinstance(out, dict):
            return {k: float(v) for k, v in out.items()}
        return {self.name: float(out)}


class SaveNetwork(AbstractCallback):
    """Serialise the emulator (equinox leaves, atomically) to ``path`` formatted with ``step``,
    e.g. ``"run/net_{step:06d}.eqx"``."""

    path: str = eqx.field(static=True)

    def __call__(self, step, emulator, trainer):
        path = Path(str(self.path).format(step=step))
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".tmp-{path.name}")
        eqx.tree_serialise_leaves(tmp, emulator)
        os.replace(tmp, path)
        return {}


def tree_norm(tree) -> jax.Array:
    leaves = jax.tree.leaves(eqx.filter(tree, eqx.is_inexact_array))
    return jnp.sqrt(sum(jnp.sum(jnp.square(x)) for x in leaves)) if leaves else jnp.zeros(())
