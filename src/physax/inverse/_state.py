"""What an interrupted FWI needs to continue (`FWIState`), and its divergence error."""

from __future__ import annotations

from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import optax
from jaxtyping import Array, Float

from .._train import Diverged


def strong(tree):
    """The tree with strongly typed leaves: optax's initial scalars are weakly typed, its
    updated ones not, which would compile the step a second time at every band's second
    iteration (and a checkpoint would not load into a fresh template)."""
    return jax.tree.map(lambda x: jnp.asarray(x, dtype=jnp.result_type(x)), tree)


class FWIState(eqx.Module):
    """The resumable state of `fwi`: pass `Result.state` (or a checkpointed copy) as `state=`.

    **Fields:**

    - `theta`: the unconstrained parameters of `BoundedVelocity` (0 is the start model).
    - `opt_state`: the optimiser state of the current band (`None` before the first step).
    - `scale`: the objective's scale in this band (1, or for line-search optimisers the
      factor that makes the first step move `theta` by ~0.1).
    - `band`: the index of the current frequency band.
    - `step`: iterations completed over all bands.

    **Example:**

    >>> # a template to load a checkpoint into (see FWIState.initial)
    >>> like = FWIState.initial(jnp.zeros((20, 30)), optax.adam(1e-2), band=1, step=40)
    >>> like.theta.shape, like.band, like.step, float(like.scale)
    ((20, 30), 1, 40, 1.0)
    """

    theta: Float[Array, "nz nx"]
    opt_state: Any
    scale: Float[Array, ""]
    band: int = eqx.field(static=True)
    step: int = eqx.field(static=True)

    @classmethod
    def initial(
        cls,
        theta: Float[Array, "nz nx"],
        optimizer: optax.GradientTransformation | None = None,
        *,
        band: int = 0,
        step: int = 0,
    ) -> FWIState:
        """A state at `band`, `step` with `optimizer`'s initial state (a template to load into).

        **Arguments:**

        - `theta`: the parameters (their shape and dtype are what matter for a template).
        - `optimizer`: the band's optax optimiser, or `None` for no optimiser state.
        - `band`, `step`: where the state stands.

        **Returns:** an `FWIState` with `scale` 1.

        **Example:**

        ```python
        like = FWIState.initial(jnp.zeros(shape, jnp.float32), optax.lbfgs(), band=2, step=35)
        ```
        """
        theta = jnp.asarray(theta)
        opt_state = None if optimizer is None else strong(optimizer.init(theta))
        return cls(theta, opt_state, jnp.ones((), theta.dtype), band, step)


class FWIDiverged(Diverged):
    """The FWI misfit or the updated parameters became NaN/inf.

    A subclass of `physax._train.Diverged` (catch that to handle every family). `state` is
    the last good `FWIState` (finite parameters, before the failing step), `step` the
    iteration that failed and `record` its history record.

    **Example:**

    >>> good = FWIState.initial(jnp.zeros((4, 4)))
    >>> try:
    ...     raise FWIDiverged(12, good, {"loss": float("nan")})
    ... except physax._train.Diverged as err:
    ...     print(err.step, err.state.step, str(err)[:34])
    12 0 FWI diverged: the loss became nan
    """

    what = "FWI"
    hint = "Lower the learning rate, or check dt against the CFL limit of bounds[1]."
