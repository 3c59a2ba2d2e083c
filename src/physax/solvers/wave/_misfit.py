"""L2 data misfit of receiver traces and its gradient with respect to velocity."""

import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import Array, Float

from ._cpml import CPML
from ._engine import check_engine, propagate, reverse_mode_engine
from ._model import AcousticModel, Shot
from ._validate import validate


def _misfit(velocity, model, shots, observed, dt, order, boundary, checkpoint, segment_length, engine):
    model = eqx.tree_at(lambda m: m.velocity, model, velocity)
    predicted = jax.vmap(
        lambda s: (
            propagate(
                model,
                s,
                dt=dt,
                order=order,
                boundary=boundary,
                snapshot_every=None,
                checkpoint=checkpoint,
                segment_length=segment_length,
                engine=engine,
            ).traces
        )
    )(shots)
    return 0.5 * jnp.sum((predicted - observed) ** 2)


_value_and_grad = eqx.filter_jit(jax.value_and_grad(_misfit))
_value = eqx.filter_jit(_misfit)


def _prepare(model, shots, observed, dt, order, boundary, segment_length, engine):
    validate(model, shots, dt, order, boundary, None, segment_length, batched=True)
    check_engine(engine)
    observed = jnp.asarray(observed, model.velocity.dtype)
    expected = (shots.sources.shape[0], shots.n_steps, shots.receivers.shape[1])
    if observed.shape != expected:
        raise ValueError(
            f"`observed` must have shape (n_shots, n_steps, n_receivers) = {expected}, got {observed.shape}."
        )
    return observed


def l2_misfit(
    model: AcousticModel,
    shots: Shot,
    observed: Float[Array, "n_shots n_steps n_receivers"],
    *,
    dt: float,
    order: int = 8,
    boundary: CPML | None = None,
    checkpoint: bool = True,
    segment_length: int | None = None,
    engine: str = "auto",
) -> Float[Array, ""]:
    r"""Least-squares data misfit $J(c) = \tfrac12 \sum_{s,n,r} (d_{snr}(c) - d^{obs}_{snr})^2$.

    **Arguments:** `model`, batched `shots` (see `stack_shots`), `observed` traces of
    shape `(n_shots, n_steps, n_receivers)`, and the options of `simulate`.

    **Returns:** the scalar misfit.

    **Example:**

    ```python
    j = l2_misfit(start_model, shots, observed, dt=1e-3, boundary=pml)
    ```
    """
    observed = _prepare(model, shots, observed, dt, order, boundary, segment_length, engine)
    return _value(
        model.velocity, model, shots, observed, dt, order, boundary, checkpoint, segment_length, engine
    )


def velocity_gradient(
    model: AcousticModel,
    shots: Shot,
    observed: Float[Array, "n_shots n_steps n_receivers"],
    *,
    dt: float,
    order: int = 8,
    boundary: CPML | None = None,
    checkpoint: bool = True,
    segment_length: int | None = None,
    engine: str = "auto",
) -> tuple[Float[Array, ""], Float[Array, "nz nx"]]:
    r"""Misfit and its gradient $\partial J / \partial c$ with respect to the velocity model.

    Reverse-mode differentiation through the checkpointed time loop (the discrete
    adjoint-state method: the backward pass propagates the adjoint wavefield
    driven by the residuals, Plessix 2006), with memory $O(\sqrt{n_{\text{steps}}})$
    wavefields when `checkpoint=True`. The density, if any, is held fixed and
    the CPML profile does not depend on the velocity being differentiated.

    **Arguments:** as `l2_misfit`. With `engine="auto"` the gradient runs on the native
    CPU loop and its hand-written discrete adjoint where `simulate` would use the native
    loop (`engine="native"`), else on the XLA loop; both give the same gradient to float
    rounding.

    **Returns:** `(misfit, gradient)` with the gradient shaped like `model.velocity`.

    **Example:**

    ```python
    j, g = velocity_gradient(start_model, shots, observed, dt=1e-3, boundary=pml)
    ```
    """
    observed = _prepare(model, shots, observed, dt, order, boundary, segment_length, engine)
    engine = reverse_mode_engine(engine, model, boundary, order)
    return _value_and_grad(
        model.velocity, model, shots, observed, dt, order, boundary, checkpoint, segment_length, engine
    )
