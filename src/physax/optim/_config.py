"""Optimiser settings used by the training loops: Adam, then L-BFGS."""

from __future__ import annotations

import equinox as eqx
import optax


class Adam(eqx.Module):
    """Adam (Kingma & Ba 2015) with an optional exponential learning-rate decay.

    ``lr(step) = learning_rate * decay_rate ** (step / decay_steps)``.
    """

    steps: int = 10_000
    learning_rate: float = 1e-3
    decay_rate: float = 1.0
    decay_steps: int = 1_000

    def __check_init__(self):
        if self.steps < 0:
            raise ValueError(f"Adam steps must be >= 0, got {self.steps}.")
        if not self.learning_rate > 0:
            raise ValueError(f"Adam learning_rate must be > 0, got {self.learning_rate}.")
        if not 0 < self.decay_rate <= 1 or self.decay_steps < 1:
            raise ValueError("Adam needs 0 < decay_rate <= 1 and decay_steps >= 1.")

    def build(self) -> optax.GradientTransformation:
        lr = optax.exponential_decay(self.learning_rate, self.decay_steps, self.decay_rate)
        return optax.adam(lr)


class LBFGS(eqx.Module):
    """L-BFGS with a zoom (strong Wolfe) line search (Nocedal & Wright, Alg. 7.4 and 3.5).

    ``float64=True`` runs this phase in double precision: the line search of a float32
    L-BFGS runs out of precision once the loss is small, and stalls there.
    """

    steps: int = 0
    memory: int = 50
    float64: bool = True
    max_linesearch_steps: int = 25

    def __check_init__(self):
        if self.steps < 0 or self.memory < 1 or self.max_linesearch_steps < 1:
            raise ValueError("LBFGS needs steps >= 0, memory >= 1 and max_linesearch_steps >= 1.")

    def build(self) -> optax.GradientTransformationExtraArgs:
        search = optax.scale_by_zoom_linesearch(self.max_linesearch_steps, initial_guess_strategy="one")
        return optax.lbfgs(memory_size=self.memory, linesearch=search)
