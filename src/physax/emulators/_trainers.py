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
    """A `Trainer` for `Supervised` rollout training, optimised with Adam by default.

    **Arguments:**

    - `num_rollout_steps`: $T$ of `Supervised`.
    - `num_steps`, `batch_size`: as `Trainer`.
    - `optimizer`: an optax transformation (default: `optax.adam(learning_rate)`).
    - `learning_rate`: Adam's learning rate when no `optimizer` is given.
    - `**config_kwargs`: passed on to `Supervised` (`time_level_weights`, ...).

    **Returns:** the `Trainer`; call it as `trainer(emulator, trajectories, key=...)`.

    **Example:**

    >>> trainer = supervised_trainer(5, num_steps=1000, batch_size=32, learning_rate=1e-2)
    >>> trainer.configuration.num_snapshots
    6
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
    """A `Trainer` for `DivertedChain` training against the reference `ref_stepper`.

    **Arguments:**

    - `num_rollout_steps`, `num_branch_steps`: $T$ and $B$ of `DivertedChain`.
    - `ref_stepper`: the reference solver, one state to the next.
    - `num_steps`, `batch_size`: as `Trainer`.
    - `optimizer`, `learning_rate`: as `supervised_trainer`.
    - `**config_kwargs`: passed on to `DivertedChain`.

    **Returns:** the `Trainer`.

    **Example:**

    >>> grid = spectral.PeriodicGrid(1, 30, extent=1.0)
    >>> ref = spectral.Stepper(spectral.Advection(velocity=-0.75 / 30), grid, dt=1.0)
    >>> trainer = diverted_chain_trainer(5, 1, ref_stepper=ref, num_steps=1000, batch_size=32)
    >>> trainer.configuration.num_snapshots  # only the initial conditions are read
    1
    """
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
    """A `Trainer` for `MixChain` training with the reference `ref_stepper` after the emulator.

    **Arguments:**

    - `num_rollout_steps`: $T$ emulator steps.
    - `num_post_physics_steps`: $P$ reference steps.
    - `ref_stepper`: the reference solver, one state to the next.
    - `num_steps`, `batch_size`: as `Trainer`.
    - `optimizer`, `learning_rate`: as `supervised_trainer`.
    - `**config_kwargs`: passed on to `MixChain`.

    **Returns:** the `Trainer`.

    **Example:**

    >>> grid = spectral.PeriodicGrid(1, 30, extent=1.0)
    >>> ref = spectral.Stepper(spectral.Advection(velocity=-0.75 / 30), grid, dt=1.0)
    >>> trainer = mix_chain_trainer(3, num_post_physics_steps=2, ref_stepper=ref,
    ...                             num_steps=1000, batch_size=32)
    >>> trainer.configuration.num_snapshots
    6
    """
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
    """A `Trainer` for `Residuum` training with the two-level residuum `residuum_fn(u_next, u_prev)`.

    **Arguments:**

    - `num_rollout_steps`: $T$ of `Residuum`.
    - `residuum_fn`: the residuum of one sample, zero on the true solution.
    - `num_steps`, `batch_size`: as `Trainer`.
    - `optimizer`, `learning_rate`: as `supervised_trainer`.
    - `**config_kwargs`: passed on to `Residuum`.

    **Returns:** the `Trainer`.

    **Example:** first-order upwind advection at CFL $-0.75$ as the residuum.

    >>> residuum = lambda u_next, u_prev: u_next - (0.25 * u_prev + 0.75 * jnp.roll(u_prev, -1, -1))
    >>> trainer = residuum_trainer(5, residuum_fn=residuum, num_steps=1000, batch_size=32)
    >>> type(trainer.configuration).__name__
    'Residuum'
    """
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
    """A `Trainer` for a weighted `Composite` of configurations.

    **Arguments:**

    - `configurations`, `weights`: as `Composite`.
    - `num_steps`, `batch_size`: as `Trainer`.
    - `ref_stepper`, `residuum_fn`: for the parts that need them.
    - `optimizer`, `learning_rate`: as `supervised_trainer`.

    **Returns:** the `Trainer`.

    **Example:**

    >>> residuum = lambda u_next, u_prev: u_next - jnp.roll(u_prev, -1, axis=-1)
    >>> trainer = composite_trainer([Supervised(1), Residuum(1)], [1.0, 0.1],
    ...                             residuum_fn=residuum, num_steps=1000, batch_size=32)
    >>> trainer.configuration.weights
    Array([1. , 0.1], dtype=float...)
    """
    return Trainer(
        Composite(configurations, weights),
        _adam(optimizer, learning_rate),
        num_steps,
        batch_size,
        ref_stepper=ref_stepper,
        residuum_fn=residuum_fn,
    )
