"""First-order and limited-memory phases: Adam, then L-BFGS (both through Optax)."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

import jax
import optax

from ._base import AbstractOptimiser, Objective, check_phase


class Adam(AbstractOptimiser):
    """Adam (Kingma & Ba 2015) with an optional exponential learning-rate decay.

    ``lr(step) = learning_rate * decay_rate ** (step / decay_steps)``.

    **Arguments:**

    - `steps`: iterations of this phase.
    - `learning_rate`, `decay_rate`, `decay_steps`: the schedule above.
    - `float64`: run the phase in double precision.
    - `transform`: minimise ``transform(loss)`` (e.g. ``jnp.log``) instead of the loss.

    **Example:**

    >>> Adam(steps=5000, learning_rate=1e-3, decay_rate=0.9, decay_steps=1000)
    """

    steps: int = 10_000
    learning_rate: float = 1e-3
    decay_rate: float = 1.0
    decay_steps: int = 1_000
    float64: bool = False
    transform: Callable | None = None
    name: ClassVar[str] = "adam"
    first_order: ClassVar[bool] = True

    def __check_init__(self):
        check_phase(self)
        if not self.learning_rate > 0:
            raise ValueError(f"Adam learning_rate must be > 0, got {self.learning_rate}.")
        if not 0 < self.decay_rate <= 1 or self.decay_steps < 1:
            raise ValueError("Adam needs 0 < decay_rate <= 1 and decay_steps >= 1.")

    def build(self) -> optax.GradientTransformation:
        lr = optax.exponential_decay(self.learning_rate, self.decay_steps, self.decay_rate)
        return optax.adam(lr)

    def init(self, params, objective: Objective | None = None):
        return self.build().init(params)

    def step(self, params, state, objective: Objective):
        grads = jax.grad(self._value(objective))(params)
        updates, state = self.build().update(grads, state, params)
        return optax.apply_updates(params, updates), state


class LBFGS(AbstractOptimiser):
    """L-BFGS with a zoom (strong Wolfe) line search (Nocedal & Wright, Alg. 7.4 and 3.5).

    ``float64=True`` runs this phase in double precision: the line search of a float32
    L-BFGS runs out of precision once the loss is small, and stalls there.

    **Arguments:**

    - `steps`: iterations (each with its line search).
    - `memory`: curvature pairs kept.
    - `float64`: run the phase in double precision (default).
    - `max_linesearch_steps`: zoom iterations per step.
    - `transform`: minimise ``transform(loss)`` (e.g. ``jnp.sqrt``) instead of the loss.

    **Example:**

    >>> LBFGS(steps=2000, memory=50)
    """

    steps: int = 0
    memory: int = 50
    float64: bool = True
    max_linesearch_steps: int = 25
    transform: Callable | None = None
    name: ClassVar[str] = "lbfgs"

    def __check_init__(self):
        check_phase(self)
        if self.memory < 1 or self.max_linesearch_steps < 1:
            raise ValueError("LBFGS needs steps >= 0, memory >= 1 and max_linesearch_steps >= 1.")

    def build(self) -> optax.GradientTransformationExtraArgs:
        search = optax.scale_by_zoom_linesearch(self.max_linesearch_steps, initial_guess_strategy="one")
        return optax.lbfgs(memory_size=self.memory, linesearch=search)

    def init(self, params, objective: Objective | None = None):
        return self.build().init(params)

    def step(self, params, state, objective: Objective):
        opt, value_fn = self.build(), self._value(objective)
        value, grad = optax.value_and_grad_from_state(value_fn)(params, state=state)
        updates, state = opt.update(grad, state, params, value=value, grad=grad, value_fn=value_fn)
        return optax.apply_updates(params, updates), state
