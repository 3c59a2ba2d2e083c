"""PDE parameters: known constants or unknowns identified from data."""

from __future__ import annotations

import math

import equinox as eqx


class Parameter(eqx.Module):
    """A scalar PDE coefficient.

    Arguments:
        value: the true value (the one used in forward problems and for reporting errors).
        trainable: if true, the parameter is unknown and identified jointly with the network.
        init: starting guess for a trainable parameter (default: ``value``).
        positive: train ``log(value)`` instead of ``value``, so the estimate stays positive
            and small coefficients (e.g. a viscosity of 0.003) are learned on a relative scale.
    """

    value: float = eqx.field(static=True)
    trainable: bool = eqx.field(static=True, default=False)
    init: float | None = eqx.field(static=True, default=None)
    positive: bool = eqx.field(static=True, default=False)

    def __check_init__(self):
        start = self.value if self.init is None else self.init
        if not math.isfinite(start) or not math.isfinite(self.value):
            raise ValueError(f"parameter value and init must be finite, got {self.value}, {self.init}.")
        if self.positive and start <= 0:
            raise ValueError(f"a positive parameter needs a positive init/value, got {start}.")

    @property
    def start(self) -> float:
        return self.value if self.init is None else self.init

    def to_raw(self, v):
        """Optimiser coordinates of the value ``v``."""
        import jax.numpy as jnp

        return jnp.log(v) if self.positive else v

    def from_raw(self, raw):
        """The value for optimiser coordinates ``raw``."""
        import jax.numpy as jnp

        return jnp.exp(raw) if self.positive else raw
