"""Base class and shared helpers of the training configurations (Trainax taxonomy)."""

from __future__ import annotations

import abc
from typing import ClassVar

import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import Array, Float

from ._losses import AbstractTimeLevelLoss


class AbstractConfiguration(eqx.Module):
    """A way to turn (emulator, data window, reference stepper / residuum) into a scalar loss.

    The configurations of the Trainax taxonomy (Koehler et al. 2024): `Supervised`,
    `DivertedChain`, `MixChain`, `Residuum` and `Composite`. The call signature is
    `config(emulator, data, *, ref_stepper=None, residuum_fn=None, sample_weights=None)`:

    - `data`: windows of shape `(B, S, C, *spatial)`, `S >= num_snapshots` snapshots per
      window, snapshot 0 the initial condition.
    - `emulator`, `ref_stepper`: maps of one state `(C, *spatial)` to the next.
    - `residuum_fn(u_next, u_prev)`: a one-sample residuum.
    - `sample_weights`: shape `(B,)`, weights of the batch mean (zeros mask padding).

    It returns a scalar. `num_snapshots` is the window length it reads;
    `needs_ref_stepper` and `needs_residuum` say what else it needs.

    **Example:**

    >>> config = MixChain(3, num_post_physics_steps=2)
    >>> config.num_snapshots, config.needs_ref_stepper, config.needs_residuum
    (6, True, False)
    """

    @property
    @abc.abstractmethod
    def num_snapshots(self) -> int:
        """Snapshots per training window this configuration reads (initial condition included)."""

    needs_ref_stepper: ClassVar[bool] = False
    needs_residuum: ClassVar[bool] = False

    @abc.abstractmethod
    def __call__(self, emulator, data, *, ref_stepper=None, residuum_fn=None, sample_weights=None): ...


def time_level_weights(weights, n: int) -> Array:
    """Validated per-level weights: ones by default, else an array of length `n`."""
    if weights is None:
        return jnp.ones((n,))
    w = jnp.asarray(weights, dtype=float)
    if w.shape != (n,):
        raise ValueError(f"time_level_weights must have shape ({n},), got {w.shape}.")
    return w


def exponential_discount(num_levels: int, gamma: float) -> Float[Array, " n"]:
    r"""Weights $\gamma^{t}$, $t = 0, \dots, n-1$: discount later rollout steps.

    **Arguments:**

    - `num_levels`: $n$, the number of weights.
    - `gamma`: $\gamma > 0$ (below 1 discounts, above 1 emphasises later steps).

    **Returns:** the weights, shape `(n,)`.

    **Example:**

    >>> exponential_discount(4, 0.5)
    Array([1.   , 0.5  , 0.25 , 0.125], dtype=float...)
    >>> config = Supervised(4, time_level_weights=exponential_discount(4, 0.9))
    """
    if not 0 < gamma:
        raise ValueError(f"gamma must be positive, got {gamma}.")
    return jnp.asarray(gamma, float) ** jnp.arange(num_levels)


def check_rollout(num_rollout_steps: int, cut_bptt_every: int) -> None:
    if not isinstance(num_rollout_steps, int) or num_rollout_steps < 1:
        raise ValueError(f"num_rollout_steps must be a positive int, got {num_rollout_steps!r}.")
    if not isinstance(cut_bptt_every, int) or cut_bptt_every < 0:
        raise ValueError(f"cut_bptt_every must be an int >= 0 (0 = never cut), got {cut_bptt_every!r}.")


def maybe_cut(x, step: int, every: int):
    """Stop the gradient after rollout `step` (1-based) when ``every > 0`` divides it."""
    return jax.lax.stop_gradient(x) if every and step % every == 0 else x


def check_data(data: Array, needed: int, name: str) -> None:
    if data.ndim < 3:
        raise ValueError(f"{name} expects data of shape (batch, snapshots, C, *spatial), got {data.shape}.")
    if data.shape[1] < needed:
        raise ValueError(
            f"{name} needs windows of {needed} snapshots (initial condition + rollout), got "
            f"{data.shape[1]}; use longer trajectories or fewer rollout steps."
        )


def batch_mean(values: Array, sample_weights: Array | None) -> Array:
    """Mean over the batch, weighted (e.g. zero weight for padding samples) when given."""
    if sample_weights is None:
        return jnp.mean(values)
    w = sample_weights.astype(values.dtype)
    return jnp.sum(w * values) / jnp.maximum(jnp.sum(w), 1)


def level_loss(loss: AbstractTimeLevelLoss, pred, ref, sample_weights):
    return batch_mean(loss(pred, ref), sample_weights)


def weight(w: Array, like: Array) -> Array:
    """A level weight in the loss's dtype (float64 weights must not promote a float32 loss)."""
    return w.astype(jnp.result_type(like))
