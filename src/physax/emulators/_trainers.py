"""One-line trainer constructors, one per configuration (Trainax's named trainers)."""

from __future__ import annotations

from collections.abc import Sequence

import optax

from ._configuration import AbstractConfiguration
from ._diverted import DivertedChain
from ._residuum import Composite, Residuum
from ._supervised import MixChain, Supervised
from ._trainer import Trainer


def _adam(optimizer, learning_rate):
    return optimizer if optimizer is not None else optax.adam(learning_rate)


def supervised_trainer(
    num_rollout_steps: int = 1,
    *,
    num_steps: int,
    batch_size: int,
    optimizer: optax.GradientTransformation | None = None,
    learning_rate: float = 1e-3,
    **config_kwargs,
) -> Trainer:
    """A :class:`Trainer` for :class:`Supervised` (extra keywords go to the configuration).

    **Example:** ``supervised_trainer(5, num_steps=1000, batch_size=32, learning_rate=1e-2)``.
    """
    return Trainer(
        Supervised(num_rollout_steps, **config_kwargs), _adam(optimizer, learning_rate), num_steps, batch_size
    )


def diverted_chain_trainer(
    num_rollout_steps: int = 1,
    num_branch_steps: int = 1,
    *,
    ref_stepper,
    num_steps: int,
    batch_size: int,
    optimizer: optax.GradientTransformation | None = None,
    learning_rate: float = 1e-3,
    **config_kwargs,
) -> Trainer:
    """A :class:`Trainer` for :class:`DivertedChain` with reference `ref_stepper`."""
    config = DivertedChain(num_rollout_steps, num_branch_steps, **config_kwargs)
    return Trainer(config, _adam(optimizer, learning_rate), num_steps, batch_size, ref_stepper=ref_stepper)


def mix_chain_trainer(
    num_rollout_steps: int = 1,
    *,
    num_post_physics_steps: int = 1,
    ref_stepper,
    num_steps: int,
    batch_size: int,
    optimizer: optax.GradientTransformation | None = None,
    learning_rate: float = 1e-3,
    **config_kwargs,
) -> Trainer:
    """A :class:`Trainer` for :class:`MixChain` with reference `ref_stepper`."""
    config = MixChain(num_rollout_steps, num_post_physics_steps=num_post_physics_steps, **config_kwargs)
    return Trainer(config, _adam(optimizer, learning_rate), num_steps, batch_size, ref_stepper=ref_stepper)


def residuum_trainer(
    num_rollout_steps: int = 1,
    *,
    residuum_fn,
    num_steps: int,
    batch_size: int,
    optimizer: optax.GradientTransformation | None = None,
    learning_rate: float = 1e-3,
    **config_kwargs,
) -> Trainer:
    """A :class:`Trainer` for :class:`Residuum` with `residuum_fn(u_next, u_prev)`."""
    config = Residuum(num_rollout_steps, **config_kwargs)
    return Trainer(config, _adam(optimizer, learning_rate), num_steps, batch_size, residuum_fn=residuum_fn)


def composite_trainer(
    configurations: Sequence[AbstractConfiguration],
    weights=None,
    *,
    num_steps: int,
    batch_size: int,
    ref_stepper=None,
    residuum_fn=None,
    optimizer: optax.GradientTransformation | None = None,
    learning_rate: float = 1e-3,
) -> Trainer:
    """A :class:`Trainer` for a weighted :class:`Composite` of configurations."""
    return Trainer(
        Composite(configurations, weights),
        _adam(optimizer, learning_rate),
        num_steps,
        batch_size,
        ref_stepper=ref_stepper,
        residuum_fn=residuum_fn,
    )
