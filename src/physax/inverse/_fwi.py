"""Full-waveform inversion driver: multiscale bands, any optax optimiser, bounded velocity."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optax
from jaxtyping import Array, Float

from .. import distributed
from .._train import History, ProgressBar, Result
from ..solvers.wave import CPML, AbstractLoop, AcousticModel, Shot, simulate_shots
from ..solvers.wave._loops import resolve_loop
from ._objective import AbstractMisfit, L2Misfit, check_misfit, data_misfit
from ._parametrisation import BoundedVelocity
from ._shots import shot_mesh, shot_parallel_misfit
from ._state import FWIDiverged, FWIState, strong

# A line-search optimiser's first step of a band is -gradient with a unit step: the objective
# is scaled so that this step changes theta by at most `_FIRST_STEP` (logit units, ~50 m/s
# mid-range for 1500-3500 m/s bounds). Unscaled, FWI gradients are ~1e-5 and L-BFGS's zoom
# line search spent ~17-19 evaluations per band expanding the step, at the float32 noise floor.
_FIRST_STEP = 0.1


def _objective(
    theta, param, model, shots, observed, cutoff, scale, dt, order, boundary, misfit, loop, mesh=None
):
    if mesh is not None:  # shots split over devices: one all-reduce per misfit and gradient
        rest = (param, model, shots, observed, cutoff, dt, order, boundary, misfit, loop)
        return scale * shot_parallel_misfit(mesh, theta, *rest)
    model = eqx.tree_at(lambda m: m.velocity, model, param(theta))
    predicted = simulate_shots(model, shots, dt=dt, order=order, boundary=boundary, loop=loop).traces
    return scale * data_misfit(predicted, observed, misfit=misfit, dt=dt, cutoff=cutoff)


_value_and_grad = eqx.filter_jit(jax.value_and_grad(_objective))


@eqx.filter_jit
def _step(theta, opt_state, opt, linesearch, args):
    fn = lambda t: _objective(t, *args)  # noqa: E731
    if linesearch:  # reuse the value and gradient the line search computed at its accepted point
        value, grad = optax.value_and_grad_from_state(fn)(theta, state=opt_state)
    else:
        value, grad = jax.value_and_grad(fn)(theta)
    if isinstance(opt, optax.GradientTransformationExtraArgs):
        updates, opt_state = opt.update(grad, opt_state, theta, value=value, grad=grad, value_fn=fn)
    else:
        updates, opt_state = opt.update(grad, opt_state, theta)
    return optax.apply_updates(theta, updates), opt_state, value


def _has_linesearch(opt_state) -> bool:
    return optax.tree.get(opt_state, "value", default=None) is not None


def _per_band(value, n: int, name: str) -> list:
    # an optax transformation is a NamedTuple, so a Sequence too: one object is one for all bands
    single = not isinstance(value, Sequence) or isinstance(value, str | optax.GradientTransformation)
    values = [value] * n if single else list(value)
    if len(values) != n:
        raise ValueError(f"give one {name} per band ({n}), got {len(values)}.")
    return values


def _check_state(state: FWIState, shape, ends: list[int]) -> None:
    starts = [0, *ends[:-1]]
    if not isinstance(state, FWIState) or tuple(state.theta.shape) != tuple(shape):
        raise ValueError(f"`state` must be an FWIState of this inversion (theta of shape {shape}).")
    if not (0 <= state.band < len(ends) and starts[state.band] <= state.step <= ends[state.band]):
        raise ValueError(
            f"`state` (band {state.band}, step {state.step}) does not fit the bands and iterations given."
        )


def fwi(
    start: AcousticModel,
    shots: Shot,
    observed: Float[Array, "n_shots n_steps n_receivers"],
    *,
    dt: float,
    bounds: tuple[float, float],
    bands: Sequence[float | None] = (None,),
    iterations: int | Sequence[int] = 20,
    optimizer: optax.GradientTransformation | Sequence[optax.GradientTransformation] = optax.adam(0.05),
    misfit: AbstractMisfit = L2Misfit(),
    smoothing: float = 2.0,
    mask_rows: int = 0,
    depth_power: float = 0.0,
    order: int = 4,
    boundary: CPML | None = None,
    loop: AbstractLoop | None = None,
    callbacks: Sequence[Callable[[dict, FWIState], None]] = (),
    state: FWIState | None = None,
    progress: bool = False,
    devices: int | str | Sequence[jax.Device] | None = None,
) -> Result:
    r"""Full-waveform inversion of the velocity model (Tarantola 1984; Virieux & Operto 2009).

    Minimises `data_misfit` between `simulate_shots(c)` and `observed` over the
    velocity $c = $ `BoundedVelocity`$(\theta)$ (bounds, smoothing, masking and depth
    preconditioning by reparametrisation). Frequency continuation (Bunks et al.
    1995): for each cutoff in `bands`, low-pass both data sets with a zero-phase
    Butterworth (`None` = full band) and run `iterations` steps, restarting the
    optimiser state between bands. Gradients come from reverse mode through the
    solver: on the native loop its discrete adjoint (the adjoint-state method, Plessix
    2006), on the XLA loop the checkpointed scan. One compiled step serves all bands
    (the cutoff is a traced argument).

    **Arguments:**

    - `start`: starting `AcousticModel` (its density, if any, is kept fixed).
    - `shots`, `observed`: batched shots and their traces `(n_shots, n_steps, n_receivers)`.
    - `dt`: time step; `order`, `boundary`, `loop` as in `simulate` (`loop=None` picks the
      native loop where it applies, the same rule as `simulate`). Give the `CPML` a fixed
      `velocity_max` so the absorbing layer does not change during the inversion.
    - `bounds`: `(vmin, vmax)`.
    - `bands`: low-pass cutoffs (Hz), increasing.
    - `iterations`: steps per band (an int or one per band).
    - `optimizer`: an optax transformation, or one per band (e.g. `optax.adam(0.05)` for
      the low bands and `optax.lbfgs(memory_size=10)` to finish; Adam's learning rate is
      in units of $\theta$). Optimisers with a line search (their state stores the
      objective's `value`, as `optax.lbfgs` does) get the value and gradient from it and a
      band-wise objective scale (see `FWIState.scale`). Reuse one object across bands and
      calls: it is a static argument of the compiled step.
    - `misfit`: `L2Misfit()` (default), `NCCMisfit()` or any `AbstractMisfit`.
    - `smoothing`, `mask_rows`, `depth_power`: see `BoundedVelocity`.
    - `callbacks`: each called as `callback(record, state)` after every iteration, with the
      history record and the new `FWIState` (save it to resume later).
    - `state`: an `FWIState` to continue from (`Result.state`, or one passed to a callback);
      the run then ends where an uninterrupted run ends.
    - `progress`: draw a progress bar.
    - `devices`: shot-parallel inversion over several devices (and processes, see
      `physax.distributed`): the shots and observed traces are split over a 1-D mesh,
      each device simulates and back-propagates its own shots, and one all-reduce sums
      the misfit and its gradient (`None`/1: one device; 0 or `"all"`: every device;
      `n`: `n` devices). The shot count must be a multiple of the device count.

    **Returns:** a `physax._train.Result`: `model` the inverted `AcousticModel`, `history`
    one record per iteration (`step` = iterations done, `band`, `cutoff` (Hz), `iteration`,
    `misfit` of the band's filtered data before the update, `wall_time_s`), `state` the
    final `FWIState`, `stats` empty.

    **Raises:** `FWIDiverged` (a `physax._train.Diverged`) carrying the last good state if
    the misfit or the parameters become NaN/inf.

    **Example:**

    >>> true = synthetic_model(40, 20, 20.0)
    >>> start = AcousticModel(smooth_model(true.velocity, 6.0), dx=20.0)
    >>> shots = surface_shots(40, n_shots=2, f0=8.0, dt=2e-3, n_steps=300)
    >>> pml = CPML((0, 10, 10, 10), f0=8.0, free_surface=True, velocity_max=3500.0)
    >>> observed = simulate_shots(true, shots, dt=2e-3, order=4, boundary=pml).traces
    >>> result = fwi(start, shots, observed, dt=2e-3, bounds=(1500.0, 3500.0), bands=(4.0, None),
    ...              iterations=3, optimizer=optax.lbfgs(memory_size=10), order=4, boundary=pml)
    >>> result.model.velocity.shape, result.history["band"].tolist()
    ((20, 40), [0.0, 0.0, 0.0, 1.0, 1.0, 1.0])
    """
    bands = list(bands)
    iters = _per_band(iterations, len(bands), "iteration count")
    if not bands or any(not isinstance(n, int | np.integer) or n < 0 for n in iters):
        raise ValueError("give one non-negative iteration count per band and at least one band.")
    optimizers = _per_band(optimizer, len(bands), "optimizer")
    for opt in optimizers:
        if not isinstance(opt, optax.GradientTransformation):
            raise TypeError(
                f"`optimizer` must be an optax transformation such as optax.adam(0.05), got {opt!r}."
            )
    check_misfit(misfit)
    param = BoundedVelocity(
        start.velocity,
        vmin=bounds[0],
        vmax=bounds[1],
        smoothing=smoothing,
        mask_rows=mask_rows,
        depth_power=depth_power,
    )
    dtype = start.velocity.dtype
    observed = jnp.asarray(observed, dtype)
    loop = resolve_loop(loop, start, boundary, order)
    mesh = shot_mesh(devices, observed.shape[0])
    if mesh is not None:
        shots, observed = distributed.shard((shots, observed), mesh)
    ends = np.cumsum(iters).tolist()
    if state is None:
        state = FWIState.initial(jnp.zeros_like(start.velocity))
    _check_state(state, start.shape, ends)
    theta, opt_state, scale, band, step = state.theta, state.opt_state, state.scale, state.band, state.step
    fresh = opt_state is None  # a band starts with a new optimiser state
    history, t0 = History(), time.perf_counter()
    with ProgressBar(ends[-1], step, enabled=progress) as bar:
        while band < len(bands):
            if step >= ends[band]:
                band, fresh = band + 1, True
                continue
            opt, cutoff = optimizers[band], bands[band]
            fc = jnp.asarray(np.inf if cutoff is None else cutoff, dtype)
            one = jnp.ones((), dtype)
            args = (param, start, shots, observed, fc, one, dt, order, boundary, misfit, loop, mesh)
            if fresh:
                opt_state, scale, fresh = strong(opt.init(theta)), jnp.ones((), dtype), False
                if _has_linesearch(opt_state):
                    gmax = float(jnp.max(jnp.abs(_value_and_grad(theta, *args)[1])))
                    if np.isfinite(gmax) and gmax > 0:
                        scale = jnp.asarray(_FIRST_STEP / gmax, dtype)
            args = (*args[:5], scale, *args[6:])
            good = FWIState(theta, opt_state, scale, band, step)
            new_theta, new_opt_state, value = _step(theta, opt_state, opt, _has_linesearch(opt_state), args)
            record = dict(
                step=step + 1,
                band=band,
                cutoff=float(fc),
                iteration=step,
                misfit=float(value / scale),
                wall_time_s=time.perf_counter() - t0,
            )
            if not (np.isfinite(record["misfit"]) and bool(jnp.all(jnp.isfinite(new_theta)))):
                raise FWIDiverged(
                    step,
                    good,
                    record,
                    f"FWI diverged at iteration {step}: the misfit is {record['misfit']:.4g} and the "
                    f"updated parameters are {'' if jnp.all(jnp.isfinite(new_theta)) else 'not '}finite; "
                    f"the last good state is at step {step}. {FWIDiverged.hint}",
                )
            theta, opt_state, step = new_theta, new_opt_state, step + 1
            history.append(record)
            new_state = FWIState(theta, opt_state, scale, band, step)
            bar.update(record)
            for callback in callbacks:
                callback(record, new_state)
    model = eqx.tree_at(lambda m: m.velocity, start, param(theta))
    return Result(
        model=model, history=history, state=FWIState(theta, opt_state, scale, band - 1, step), stats={}
    )
