"""PDE parameters: known constants or unknowns identified from data."""

from __future__ import annotations

import math

import equinox as eqx


class Parameter(eqx.Module):
    r"""A scalar PDE coefficient: a known constant, or an unknown identified from data.

    A trainable parameter is optimised jointly with the network in its raw coordinate
    $\theta$: the value itself, or $\log v$ for a `positive` one (so the estimate stays
    positive and a small coefficient such as a viscosity of 0.003 is learned on a relative
    scale).

    **Arguments:**

    - `value`: the true value (the one used in forward problems and for reporting errors).
    - `trainable`: if true, the parameter is unknown and identified jointly with the network.
    - `init`: starting guess for a trainable parameter (default: `value`).
    - `positive`: train $\log v$ instead of $v$.

    **Example:**

    >>> nu = Parameter(0.003, trainable=True, init=0.01, positive=True)
    >>> raw = nu.to_raw(nu.start)
    >>> round(float(raw), 3), round(float(nu.from_raw(raw)), 4)
    (-4.605, 0.01)
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


def as_parameter(p, positive: bool = False) -> Parameter:
    """`p` itself if it is a `Parameter`, else a fixed `Parameter(float(p), positive=positive)`."""
    return p if isinstance(p, Parameter) else Parameter(float(p), positive=positive)
