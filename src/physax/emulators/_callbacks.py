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
    """A callback of the emulator `Trainer`: scalars logged every `every` steps (and at the end).

    Called as `callback(step, emulator, trainer)`; returns a dict of scalars merged into
    the history record (or `{}`). Subclasses implement `__call__`; `every` (the period in
    steps, at least 1) is their first field.

    **Example:** log the first stencil weight.

    >>> class FirstWeight(AbstractCallback):
    ...     def __call__(self, step, emulator, trainer):
    ...         return {"w0": float(emulator.weight[0])}
    >>> net = nn.LinearConv(1, 1, 1, 2, key=jax.random.key(0))
    >>> sorted(FirstWeight(every=100)(0, net, None))
    ['w0']
    """

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
    """The configuration's loss on fixed windows `data` (all windows, or a validation set), logged as `name`.

    **Arguments:**

    - `every`: the period in steps.
    - `data`: windows `(B, S, C, *spatial)` with at least the configuration's `num_snapshots`.
    - `name`: the history column (default `"loss_eval"`).

    **Example:** the loss of an untrained stencil on one window of a moving sine.

    >>> x = jnp.arange(16) / 16
    >>> windows = jnp.stack([jnp.roll(jnp.sin(2 * jnp.pi * x)[None], -s, -1) for s in range(2)])[None]
    >>> net = nn.LinearConv(1, 1, 1, 2, key=jax.random.key(0))
    >>> trainer = Trainer(Supervised(1), optax.adam(1e-2), num_steps=10, batch_size=4)
    >>> record = Loss(every=5, data=windows)(0, net, trainer)
    >>> list(record), bool(record["loss_eval"] > 0)
    (['loss_eval'], True)
    """

    data: Any
    name: str = eqx.field(static=True, default="loss_eval")

    def __call__(self, step, emulator, trainer):
        return {self.name: float(_value_and_grad_norm(trainer, emulator, self.data)[0])}


class GradNorm(AbstractCallback):
    """Global L2 norm of the loss gradient on fixed windows `data`, logged as `name`.

    **Arguments:**

    - `every`: the period in steps.
    - `data`: windows `(B, S, C, *spatial)`.
    - `name`: the history column (default `"grad_norm_eval"`).

    **Example:**

    >>> x = jnp.arange(16) / 16
    >>> windows = jnp.stack([jnp.roll(jnp.sin(2 * jnp.pi * x)[None], -s, -1) for s in range(2)])[None]
    >>> net = nn.LinearConv(1, 1, 1, 2, key=jax.random.key(0))
    >>> trainer = Trainer(Supervised(1), optax.adam(1e-2), num_steps=10, batch_size=4)
    >>> list(GradNorm(every=5, data=windows)(0, net, trainer))
    ['grad_norm_eval']
    """

    data: Any
    name: str = eqx.field(static=True, default="grad_norm_eval")

    def __call__(self, step, emulator, trainer):
        return {self.name: float(_value_and_grad_norm(trainer, emulator, self.data)[1])}


class WeightNorm(AbstractCallback):
    """Global L2 norm of the emulator's parameters, logged as `weight_norm`.

    **Arguments:**

    - `every`: the period in steps.

    **Example:** the stencil $[0.6, 0.8]$ has norm 1.

    >>> net = nn.LinearConv(1, 1, 1, 2, key=jax.random.key(0))
    >>> net = eqx.tree_at(lambda m: m.conv.conv.weight, net, jnp.array([[[0.6, 0.8]]]))
    >>> round(WeightNorm(every=10)(0, net, None)["weight_norm"], 6)
    1.0
    """

    def __call__(self, step, emulator, trainer):
        return {"weight_norm": float(optax.tree.norm(eqx.filter(emulator, eqx.is_inexact_array)))}


class Evaluate(AbstractCallback):
    """Log `fn(emulator)`: a float (under `name`) or a dict of floats (under its keys).

    For metrics no configuration computes, e.g. a rollout error on test trajectories.

    **Arguments:**

    - `every`: the period in steps.
    - `fn`: the function of the emulator.
    - `name`: the history column for a float (default `"eval"`).

    **Example:**

    >>> net = nn.LinearConv(1, 1, 1, 2, key=jax.random.key(0))
    >>> Evaluate(every=10, fn=lambda m: {"stencil_sum": m.weight.sum()})(0, net, None).keys()
    dict_keys(['stencil_sum'])
    """

    fn: Callable = eqx.field(static=True)
    name: str = eqx.field(static=True, default="eval")

    def __call__(self, step, emulator, trainer):
        out = self.fn(emulator)
        if isinstance(out, dict):
            return {k: float(v) for k, v in out.items()}
        return {self.name: float(out)}


class SaveNetwork(AbstractCallback):
    """Serialise the emulator (its equinox leaves, atomically) to `path` formatted with the step.

    Load it back with `eqx.tree_deserialise_leaves(path, like)`, `like` a network of the
    same architecture.

    **Arguments:**

    - `every`: the period in steps.
    - `path`: a format string with `{step}`, e.g. `"run/net_{step:06d}.eqx"`.

    **Example:**

    >>> net = nn.LinearConv(1, 1, 1, 2, key=jax.random.key(0))
    >>> SaveNetwork(every=100, path="run/net_{step:06d}.eqx")(300, net, None)
    {}
    >>> import os; os.listdir("run")
    ['net_000300.eqx']
    """

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
