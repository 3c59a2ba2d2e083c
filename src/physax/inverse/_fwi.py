"""Full-waveform inversion driver: multiscale bands, Adam or L-BFGS, bounded velocity."""

import functools
import time
from collections.abc import Callable, Sequence

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optax
from jaxtyping import Array, Float

from ..solvers.wave import CPML, AcousticModel, Shot, simulate_shots
from ..solvers.wave._engine import check_engine, reverse_mode_engine
from ._objective import MISFITS, data_misfit
from ._parametrisation import BoundedVelocity


class FWIResult(eqx.Module):
    """Output of `fwi`: the inverted velocity and per-iteration history.

    **Fields:** `velocity` `(nz, nx)`; `history`, a dict of equal-length lists
    `band` (index), `cutoff` (Hz), `iteration` (global), `misfit` (of the band's
    filtered data, before the update) and `wall_time_s`.
    """

    velocity: Float[Array, "nz nx"]
    history: dict = eqx.field(static=True)


def _objective(theta, param, model, shots, observed, cutoff, scale, dt, order, boundary, kind, engine):
    velocity = param(theta)
    model = eqx.tree_at(lambda m: m.velocity, model, velocity)
    predicted = simulate_shots(model, shots, dt=dt, order=order, boundary=boundary, engine=engine).traces
    return scale * data_misfit(predicted, observed, kind=kind, dt=dt, cutoff=cutoff)


_value_and_grad = eqx.filter_jit(jax.value_and_grad(_objective))

# L-BFGS's first step of a band is -gradient and its line search starts at step 1: the
# objective is scaled so that this step changes theta by at most `_FIRST_STEP` (logit units,
# ~50 m/s mid-range for 1500-3500 m/s bounds). Unscaled, FWI gradients are ~1e-5 and the zoom
# line search spent ~17-19 evaluations per band expanding the step, at the float32 noise floor.
_FIRST_STEP = 0.1


@eqx.filter_jit
def _adam_step(theta, state, opt, args):
    value, grad = jax.value_and_grad(_objective)(theta, *args)
    updates, state = opt.update(grad, state, theta)
    return optax.apply_updates(theta, updates), state, value


@eqx.filter_jit
def _lbfgs_step(theta, state, opt, args):
    value_and_grad = optax.value_and_grad_from_state(lambda t: _objective(t, *args))
    value, grad = value_and_grad(theta, state=state)
    updates, state = opt.update(
        grad, state, theta, value=value, grad=grad, value_fn=lambda t: _objective(t, *args)
    )
    return optax.apply_updates(theta, updates), state, value


@functools.cache
def _optimizer(name: str, learning_rate: float, memory: int):
    # one object per setting: the optimizer is a static argument of the compiled steps,
    # so a fresh `optax.adam(...)` per band would recompile the step for every band
    if name == "adam":
        return optax.adam(learning_rate), _adam_step
    return optax.lbfgs(memory_size=memory), _lbfgs_step


def fwi(
    start: AcousticModel,
    shots: Shot,
    observed: Float[Array, "n_shots n_steps n_receivers"],
    *,
    dt: float,
    bounds: tuple[float, float],
    bands: Sequence[float | None] = (None,),
    iterations: int | Sequence[int] = 20,
    optimizer: str | Sequence[str] = "adam",
    learning_rate: float = 0.05,
    lbfgs_memory: int = 10,
    misfit: str = "l2",
    smoothing: float = 2.0,
    mask_rows: int = 0,
    depth_power: float = 0.0,
    order: int = 4,
    boundary: CPML | None = None,
    callback: Callable[[int, dict], None] | None = None,
    engine: str = "auto",
) -> FWIResult:
    r"""Full-waveform inversion of the velocity model (Tarantola 1984; Virieux & Operto 2009).

    Minimises `data_misfit` between `simulate_shots(c)` and `observed` over the
    velocity $c = $ `BoundedVelocity`$(\theta)$ (bounds, smoothing, masking and depth
    preconditioning by reparametrisation). Frequency continuation (Bunks et al.
    1995): for each cutoff in `bands`, low-pass both data sets with a zero-phase
    Butterworth (`None` = full band) and run `iterations` steps, restarting the
    optimiser state between bands. Gradients come from reverse mode through the
    checkpointed solver (the adjoint-state method). One compiled step serves all
    bands (the cutoff is a traced argument).

    **Arguments:**

    - `start`: starting `AcousticModel` (its density, if any, is kept fixed).
    - `shots`, `observed`: batched shots and their traces `(n_shots, n_steps, n_receivers)`.
    - `dt`: time step; `order`, `boundary` as in `simulate`. Give the `CPML` a fixed
      `velocity_max` so the absorbing layer does not change during the inversion.
    - `bounds`: `(vmin, vmax)`.
    - `bands`: low-pass cutoffs (Hz), increasing.
    - `iterations`: steps per band (an int or one per band).
    - `optimizer`: `"adam"` (optax, `learning_rate` in units of $\theta$) or
      `"lbfgs"` (optax L-BFGS with a zoom line search; each iteration costs one or
      more gradient evaluations), or one of them per band, e.g. Adam for the low
      bands and L-BFGS to finish.
    - `lbfgs_memory`: number of past (step, gradient change) pairs L-BFGS keeps.
    - `misfit`: `"l2"` or `"ncc"`.
    - `smoothing`, `mask_rows`, `depth_power`: see `BoundedVelocity`.
    - `callback`: called as `callback(iteration, record)` after every step.
    - `engine`: the solver's time loop, as in `simulate`; `"auto"` runs the misfit and
      its gradient on the native CPU loop and its discrete adjoint where that applies
      (constant density, CPU), else on the XLA loop.

    **Returns:** an `FWIResult`.

    **Example:**

    ```python
    result = fwi(start, shots, observed, dt=1e-3, bounds=(1500.0, 3500.0),
                 bands=(4.0, 7.0, None), iterations=10, boundary=CPML(20, f0=8.0, velocity_max=3500.0))
    ```
    """
    if misfit not in MISFITS:
        raise ValueError(f"unknown misfit {misfit!r}; choose one of {MISFITS}.")
    bands = list(bands)
    iters = [iterations] * len(bands) if isinstance(iterations, int) else list(iterations)
    if not bands or len(iters) != len(bands) or min(iters) < 0:
        raise ValueError("give one non-negative iteration count per band and at least one band.")
    if not (isinstance(lbfgs_memory, int) and lbfgs_memory >= 1):
        raise ValueError(f"`lbfgs_memory` must be a positive int, got {lbfgs_memory!r}.")
    optimizers = [optimizer] * len(bands) if isinstance(optimizer, str) else list(optimizer)
    if len(optimizers) != len(bands):
        raise ValueError(f"give one optimizer per band ({len(bands)}), got {len(optimizers)}.")
    for name in optimizers:
        if name not in ("adam", "lbfgs"):
            raise ValueError(f"unknown optimizer {name!r}; choose 'adam' or 'lbfgs'.")
    param = BoundedVelocity(
        start.velocity,
        vmin=bounds[0],
        vmax=bounds[1],
        smoothing=smoothing,
        mask_rows=mask_rows,
        depth_power=depth_power,
    )
    observed = jnp.asarray(observed, start.velocity.dtype)
    check_engine(engine)
    engine = reverse_mode_engine(engine, start, boundary, order)
    theta = jnp.zeros_like(start.velocity)
    history = {"band": [], "cutoff": [], "iteration": [], "misfit": [], "wall_time_s": []}
    t0, it = time.perf_counter(), 0
    for b, (cutoff, n_it, name) in enumerate(zip(bands, iters, optimizers, strict=True)):
        fc = jnp.asarray(np.inf if cutoff is None else cutoff, start.velocity.dtype)
        scale = jnp.ones((), start.velocity.dtype)
        if name == "lbfgs" and n_it > 0:
            args = (param, start, shots, observed, fc, scale, dt, order, boundary, misfit, engine)
            _, g0 = _value_and_grad(theta, *args)
            gmax = float(jnp.max(jnp.abs(g0)))
            if np.isfinite(gmax) and gmax > 0:
                scale = jnp.asarray(_FIRST_STEP / gmax, start.velocity.dtype)
        args = (param, start, shots, observed, fc, scale, dt, order, boundary, misfit, engine)
        opt, step = _optimizer(
            name, float(learning_rate) if name == "adam" else 0.0, lbfgs_memory if name == "lbfgs" else 0
        )
        # strong dtypes: optax's initial scalars are weakly typed, its updated ones not, which
        # would compile the step a second time at the second iteration of every band
        state = jax.tree.map(lambda x: jnp.asarray(x, dtype=jnp.result_type(x)), opt.init(theta))
        for _ in range(n_it):
            theta, state, value = step(theta, state, opt, args)
            record = dict(
                band=b,
                cutoff=float(fc),
                iteration=it,
                misfit=float(value / scale),
                wall_time_s=time.perf_counter() - t0,
            )
            for key, val in record.items():
                history[key].append(val)
            if not np.isfinite(record["misfit"]):
                raise FloatingPointError(
                    f"FWI misfit became {record['misfit']} at iteration {it}; lower the learning "
                    "rate or check dt against the CFL limit of `bounds[1]`."
                )
            if callback is not None:
                callback(it, record)
            it += 1
    return FWIResult(velocity=param(theta), history=history)
