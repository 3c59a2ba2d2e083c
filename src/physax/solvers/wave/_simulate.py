"""Public entry points: one shot (`simulate`) and a batch of shots (`simulate_shots`)."""

import equinox as eqx
import jax
import jax.numpy as jnp

from . import _native
from ._cpml import CPML
from ._engine import check_engine, native_unsupported, propagate
from ._model import AcousticModel, Shot, WaveSolution
from ._validate import validate


@eqx.filter_jit
def _run(
    model, shot, dt, order, boundary, snapshot_every, checkpoint, segment_length, batched, unroll, engine
):
    kwargs = dict(
        engine=engine,
        unroll=unroll,
        dt=dt,
        order=order,
        boundary=boundary,
        snapshot_every=snapshot_every,
        checkpoint=checkpoint,
        segment_length=segment_length,
    )
    if batched:
        # one copy of the model per shot: reverse mode then accumulates each shot's
        # velocity cotangent elementwise in the loop and sums over shots once at the end,
        # instead of reducing over the shot axis at every time step
        n_shots = shot.wavelets.shape[0]
        per_shot = jax.tree.map(lambda x: jnp.broadcast_to(x, (n_shots, *x.shape)), model)
        return jax.vmap(lambda m, s: propagate(m, s, **kwargs))(per_shot, shot)
    return propagate(model, shot, **kwargs)


def _check_options(unroll, engine, model, boundary, order, snapshot_every):
    if unroll is not None and not (isinstance(unroll, int) and unroll >= 1):
        raise ValueError(f"`unroll` must be a positive int or None, got {unroll!r}.")
    check_engine(engine)
    if engine == "native":
        reason = native_unsupported(model, boundary, order, snapshot_every)
        if reason is not None:
            raise ValueError(
                f"engine='native' cannot run this problem: {reason}. Use engine='auto' or 'xla'."
            )
        if not _native.native_available():
            raise RuntimeError(
                "engine='native': the native CPU kernel could not be built (see the logged warning; "
                "it needs a C++ compiler such as g++, or $CXX). Use engine='auto' or 'xla'."
            )


def simulate(
    model: AcousticModel,
    shot: Shot,
    *,
    dt: float,
    order: int = 8,
    boundary: CPML | None = None,
    snapshot_every: int | None = None,
    checkpoint: bool = True,
    segment_length: int | None = None,
    unroll: int | None = None,
    engine: str = "auto",
) -> WaveSolution:
    r"""Simulate one shot of the 2D acoustic wave equation by finite differences.

    Solves, for pressure $p$ with bulk modulus $\kappa = \rho c^2$,

    $$\frac{1}{\kappa}\,\partial_t^2 p = \nabla\cdot\Big(\frac{1}{\rho}\nabla p\Big)
      + \sum_k s_k(t)\,\delta(\mathbf{x} - \mathbf{x}_k),$$

    with the leapfrog scheme
    $p^{n+1} = 2p^n - p^{n-1} + \Delta t^2 \kappa\,[L_x + L_z]p^n
    + \Delta t^2 \kappa\, s_k(t_n) / h^2$ at each source cell (grid-point delta
    $\delta \approx 1/h^2$). For constant density (`density=None`, $\rho = 1$,
    $\kappa = c^2$) $L_x$ is the central second difference of order `order`; with
    a density model $L_x p = D_x^-\big(\rho^{-1}_{i+1/2} D_x^+ p\big)$ with
    staggered first differences of the same order and $\rho_{i+1/2}$ the mean of
    the neighbours. Absorbing layers follow Komatitsch & Martin (2007), see `CPML`.

    The XLA time loop is a `lax.scan` over segments of `segment_length` steps (default
    $\lceil\sqrt{n_{\text{steps}}}\rceil$), each wrapped in `jax.checkpoint`, so
    reverse-mode gradients store one state per segment plus one segment of steps:
    memory grows like $\sqrt{n_{\text{steps}}}$ (Griewank 1992 style two-level
    checkpointing). The native loop (see `engine`) runs all steps in one compiled
    C++ call and, with `engine="native"`, its own discrete adjoint from checkpoints
    taken every `segment_length` steps (reverse mode only). All arrays follow the
    dtype of `model.velocity`.

    In a homogeneous medium the trace at distance $r$ is
    $\rho\, \mathcal{F}^{-1}\big[\tfrac{i}{4}H_0^{(1)}(\omega r / c)\,\hat s(\omega)\big]$
    (see `greens_function_trace`).

    **Arguments:**

    - `model`: the `AcousticModel` (velocity, optional density, `dx`).
    - `shot`: the `Shot` (source and receiver grid indices, wavelets; the wavelet
      length is the number of steps).
    - `dt`: time step (s); a `ValueError` names the largest stable value if too big.
    - `order`: spatial order, 2, 4, 6 or 8.
    - `boundary`: a `CPML`, or `None` for rigid ($p = 0$) edges just outside the grid.
    - `snapshot_every`: also return the wavefield every `k` steps (then the
      checkpoint segments are `k` steps long).
    - `checkpoint`: wrap segments in `jax.checkpoint` (set False for a plain scan).
    - `segment_length`: steps per checkpoint segment (ignored with snapshots).
    - `unroll`: time steps per loop iteration of the compiled scan. Unrolling
      speeds up forward runs on CPU but multiplies compile time and slows reverse
      mode; default 4 when `snapshot_every` is set, else 1.
    - `engine`: the time loop. `"auto"` (default) runs forward simulations that
      return traces only, with constant density, on physax's native CPU kernel
      (one compiled loop over all steps, built at first use with the machine's C++
      compiler; see `physax.solvers.wave.native_available`) and everything else,
      every derivative included, on the XLA `lax.scan` loop; `"xla"` always uses the
      XLA loop; `"native"` runs the native kernel with reverse-mode derivatives from
      its own discrete adjoint (checkpoints every `segment_length` steps; no forward
      mode: use `"auto"` for `jax.jvp`) and raises if it cannot run the problem.
      `velocity_gradient` and `fwi` pick `"native"` by themselves where it applies.
      The loops evaluate the same scheme and agree to float rounding.

    **Returns:** a `WaveSolution` with `traces` `(n_steps, n_receivers)`, where
    `traces[n]` is $p(n\,\Delta t)$, and optional `snapshots`.

    **Example:**

    ```python
    model = AcousticModel(jnp.full((100, 200), 2000.0), dx=10.0)
    shot = Shot([[50, 100]], [[50, 150]], ricker(15.0, 1e-3, 800))
    out = simulate(model, shot, dt=1e-3, boundary=CPML(20, f0=15.0))
    out.traces.shape  # (800, 1)
    ```
    """
    validate(model, shot, dt, order, boundary, snapshot_every, segment_length, batched=False)
    _check_options(unroll, engine, model, boundary, order, snapshot_every)
    return _run(
        model, shot, dt, order, boundary, snapshot_every, checkpoint, segment_length, False, unroll, engine
    )


def simulate_shots(
    model: AcousticModel,
    shots: Shot,
    *,
    dt: float,
    order: int = 8,
    boundary: CPML | None = None,
    snapshot_every: int | None = None,
    checkpoint: bool = True,
    segment_length: int | None = None,
    unroll: int | None = None,
    engine: str = "auto",
) -> WaveSolution:
    """Simulate a batch of shots at once (`jax.vmap` of `simulate` over shots).

    Each shot works on its own copy of the padded model (so reverse mode sums the
    shots' velocity gradients once, not at every time step): memory per shot is the
    wavefields plus a few model-sized arrays.

    **Arguments:** as `simulate`, with `shots` a `Shot` whose fields carry a leading
    shot axis (see `stack_shots`).

    **Returns:** a `WaveSolution` whose fields have a leading shot axis, e.g.
    `traces` of shape `(n_shots, n_steps, n_receivers)`.

    **Example:**

    ```python
    shots = stack_shots([Shot([[2, ix]], receivers, wavelet) for ix in (20, 100, 180)])
    data = simulate_shots(model, shots, dt=1e-3, boundary=CPML(20, f0=15.0)).traces
    ```
    """
    validate(model, shots, dt, order, boundary, snapshot_every, segment_length, batched=True)
    _check_options(unroll, engine, model, boundary, order, snapshot_every)
    return _run(
        model, shots, dt, order, boundary, snapshot_every, checkpoint, segment_length, True, unroll, engine
    )
