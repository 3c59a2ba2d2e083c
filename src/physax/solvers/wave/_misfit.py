"""L2 data misfit of receiver traces and its gradient with respect to velocity."""

import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import Array, Float

from ._cpml import CPML
from ._engine import propagate
from ._loops import AbstractLoop, loop_from_engine, resolve_loop
from ._model import AcousticModel, Shot
from ._validate import validate


def _misfit(velocity, model, shots, observed, dt, order, boundary, checkpoint, segment_length, loop):
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
                loop=loop,
            ).traces
        )
    )(shots)
    return 0.5 * jnp.sum((predicted - observed) ** 2)


_value_and_grad = eqx.filter_jit(jax.value_and_grad(_misfit))
_value = eqx.filter_jit(_misfit)


def _prepare(model, shots, observed, dt, order, boundary, segment_length, loop, engine):
    validate(model, shots, dt, order, boundary, None, segment_length, batched=True)
    loop = resolve_loop(loop_from_engine(engine, loop), model, boundary, order)
    observed = jnp.asarray(observed, model.velocity.dtype)
    expected = (shots.sources.shape[0], shots.n_steps, shots.receivers.shape[1])
    if observed.shape != expected:
        raise ValueError(
            f"`observed` must have shape (n_shots, n_steps, n_receivers) = {expected}, got {observed.shape}."
        )
    return observed, loop


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
    loop: AbstractLoop | None = None,
    engine: str | None = None,
) -> Float[Array, ""]:
    r"""Least-squares data misfit $J(c) = \tfrac12 \sum_{s,n,r} (d_{snr}(c) - d^{obs}_{snr})^2$.

    **Arguments:** `model`, batched `shots` (see `stack_shots`), `observed` traces of
    shape `(n_shots, n_steps, n_receivers)`, and the options of `simulate`.

    **Returns:** the scalar misfit.

    **Example:**

    >>> # zero at the true model, positive away from it
    >>> true = AcousticModel(jnp.full((30, 30), 2000.0), dx=10.0)
    >>> shots = stack_shots([Shot([[2, 15]], [[2, 5], [2, 25]], ricker(15.0, 1e-3, 200))])
    >>> observed = simulate_shots(true, shots, dt=1e-3, order=4).traces
    >>> float(l2_misfit(true, shots, observed, dt=1e-3, order=4))
    0.0
    >>> slow = AcousticModel(jnp.full((30, 30), 1800.0), dx=10.0)
    >>> bool(l2_misfit(slow, shots, observed, dt=1e-3, order=4) > 0)
    True
    """
    observed, loop = _prepare(model, shots, observed, dt, order, boundary, segment_length, loop, engine)
    return _value(
        model.velocity, model, shots, observed, dt, order, boundary, checkpoint, segment_length, loop
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
    loop: AbstractLoop | None = None,
    engine: str | None = None,
) -> tuple[Float[Array, ""], Float[Array, "nz nx"]]:
    r"""Misfit and its gradient $\partial J / \partial c$ with respect to the velocity model.

    Reverse-mode differentiation through the checkpointed time loop (the discrete
    adjoint-state method: the backward pass propagates the adjoint wavefield
    driven by the residuals, Plessix 2006), with memory $O(\sqrt{n_{\text{steps}}})$
    wavefields when `checkpoint=True`. The density, if any, is held fixed and
    the CPML profile does not depend on the velocity being differentiated.

    **Arguments:** as `l2_misfit`. With `loop=None` the gradient runs on the native CPU
    loop and its hand-written discrete adjoint wherever `simulate` would use `NativeLoop()`
    (the same automatic choice), else on the XLA loop; both give the same gradient to
    float rounding. `jax.grad` of any function of `simulate(...).traces` takes the same
    path at the same cost.

    **Returns:** `(misfit, gradient)` with the gradient shaped like `model.velocity`.

    **Example:**

    >>> # a model that is too slow everywhere is told to speed up
    >>> true = AcousticModel(jnp.full((30, 30), 2000.0), dx=10.0)
    >>> shots = stack_shots([Shot([[2, 15]], [[2, 5], [2, 25]], ricker(15.0, 1e-3, 200))])
    >>> observed = simulate_shots(true, shots, dt=1e-3, order=4).traces
    >>> slow = AcousticModel(jnp.full((30, 30), 1900.0), dx=10.0)
    >>> j, g = velocity_gradient(slow, shots, observed, dt=1e-3, order=4)
    >>> g.shape, bool(jnp.sum(g) < 0)        # descent direction -g raises the velocity
    ((30, 30), True)
    """
    observed, loop = _prepare(model, shots, observed, dt, order, boundary, segment_length, loop, engine)
    return _value_and_grad(
        model.velocity, model, shots, observed, dt, order, boundary, checkpoint, segment_length, loop
    )
