"""Initial, boundary and interior conditions, each written for one point."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

import equinox as eqx
from jaxtyping import Array

Region = Literal["initial", "boundary", "interior"]


class Condition(eqx.Module):
    """A condition ``residual(u, params) = 0`` imposed at points of ``region``.

    ``residual`` receives a :class:`physax.pinn.Field` (value and derivatives at one point)
    and the resolved parameter dict, and returns the residual at that point.
    """

    region: Region = eqx.field(static=True)
    residual: Callable[..., Array] = eqx.field(static=True)

    def __check_init__(self):
        if self.region not in ("initial", "boundary", "interior"):
            raise ValueError(f"region must be 'initial', 'boundary' or 'interior', got {self.region!r}.")


def dirichlet(value: Callable[[Array], Array], region: Region = "boundary") -> Condition:
    """``u(z) = value(z)`` on ``region``."""
    return Condition(region, lambda u, params: u() - value(u.z))


def initial(value: Callable[[Array], Array]) -> Condition:
    """``u(t0, x) = value(z)`` on the initial slice."""
    return dirichlet(value, "initial")
