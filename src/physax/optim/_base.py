"""The interface every optimisation phase follows, and what it minimises."""

from __future__ import annotations

import abc
from collections.abc import Callable
from typing import Any, ClassVar

import equinox as eqx
import jax
import jax.numpy as jnp
from jax.flatten_util import ravel_pytree
from jaxtyping import Array


class Objective(eqx.Module):
    r"""What an optimiser minimises: a scalar `value(params)` and, for least squares, the residuals.

    The residual vector $r$ is the one whose half squared norm is the value,
    $\tfrac12 \|r(\theta)\|^2$.

    **Arguments:**

    - `value`: `params -> scalar` loss.
    - `residuals`: `params -> r` (1-D, real) with `value = 0.5 * ||r||**2`; needed by
      `LevenbergMarquardt` only.
    - `jacobian`: `params -> J` (`len(r)` x number of parameters, columns in the order of
      `jax.flatten_util.ravel_pytree(params)`); optional, by default the cheaper of
      `jax.jacfwd` (tall $J$) and `jax.jacrev` (wide $J$) of `residuals`.

    **Example:**

    >>> obj = Objective(lambda p: 0.5 * jnp.sum((p - 1.0) ** 2), residuals=lambda p: p - 1.0)
    >>> float(obj.value(jnp.zeros(3))), obj.dense_jacobian(jnp.zeros(3)).shape
    (1.5, (3, 3))
    """

    value: Callable[[Any], Array]
    residuals: Callable[[Any], Array] | None = None
    jacobian: Callable[[Any], Array] | None = None

    def dense_jacobian(self, params) -> Array:
        """The Jacobian of the residuals w.r.t. the flattened parameters, `(m, n)`."""
        if self.residuals is None:
            raise ValueError("this optimiser needs a least-squares objective: give Objective(residuals=...).")
        if self.jacobian is not None:
            return self.jacobian(params)
        flat, unravel = ravel_pytree(params)
        r = lambda x: self.residuals(unravel(x))
        m = jax.eval_shape(r, flat).shape[0]
        return (jax.jacfwd if m >= flat.shape[0] else jax.jacrev)(r)(flat)


class AbstractOptimiser(eqx.Module):
    """A training phase: `steps` iterations of one optimiser, Optax-style.

    `init(params, objective) -> state` and `step(params, state, objective) -> (params, state)`;
    the PINN/FBPINN loops run `step` inside a compiled `fori_loop`. `float64=True` asks
    the caller to run the phase in double precision (scoped, never a global flip).
    `transform` (e.g. `jnp.sqrt` or `jnp.log`) minimises `transform(loss)` instead
    of the loss, which Urbán et al. (2025) found to help quasi-Newton methods once the
    loss is small. Every concrete phase declares the fields `steps: int` and
    `float64: bool` and the class variable `name`.

    **Example:**

    >>> # a plain gradient-descent phase
    >>> class GradientDescent(AbstractOptimiser):
    ...     steps: int = 100
    ...     float64: bool = False
    ...     learning_rate: float = 0.1
    ...     name = "gd"
    ...     def init(self, params, objective):
    ...         return None
    ...     def step(self, params, state, objective):
    ...         grad = jax.grad(objective.value)(params)
    ...         return jax.tree.map(lambda p, g: p - self.learning_rate * g, params, grad), state
    >>> opt, obj = GradientDescent(), Objective(lambda p: jnp.sum((p - 1.0) ** 2))
    >>> params = jnp.zeros(2)
    >>> state = opt.init(params, obj)
    >>> params, state = jax.lax.fori_loop(0, 50, lambda i, c: opt.step(*c, obj), (params, state))
    >>> params.round(4).tolist()
    [1.0, 1.0]
    """

    # every concrete phase has the fields `steps: int` and `float64: bool` (declared
    # there, not here, so each class keeps its own positional order)
    name: ClassVar[str]
    #: whether the state survives a redraw of collocation points (first-order methods);
    #: curvature-based methods restart instead, their curvature belongs to the old objective.
    first_order: ClassVar[bool] = False

    @abc.abstractmethod
    def init(self, params, objective: Objective) -> Any:
        """The optimiser state for `params`."""

    @abc.abstractmethod
    def step(self, params, state, objective: Objective) -> tuple[Any, Any]:
        """One iteration: the new `(params, state)`."""

    def restart(self, params, state, objective: Objective) -> Any:
        """The state to continue from after the collocation points were redrawn (`objective`
        is the loss on the new points): a fresh `init` unless the phase says otherwise (the
        dense quasi-Newton phases can keep their curvature, `keep_curvature=True`)."""
        return self.init(params, objective)

    def _value(self, objective: Objective) -> Callable[[Any], Array]:
        transform = getattr(self, "transform", None)
        if transform is None:
            return objective.value
        return lambda p: transform(objective.value(p))


def check_phase(opt: AbstractOptimiser) -> None:
    """Shared checks: steps >= 0 and a callable (or no) transform."""
    if opt.steps < 0:
        raise ValueError(f"{type(opt).__name__} steps must be >= 0, got {opt.steps}.")
    transform = getattr(opt, "transform", None)
    if transform is not None and not callable(transform):
        raise ValueError(f"{type(opt).__name__} transform must be a function such as jnp.sqrt or jnp.log.")


def as_dtype(x, like):
    return jnp.asarray(x, dtype=like.dtype)
