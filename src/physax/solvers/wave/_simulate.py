"""Public entry points: one shot (`simulate`) and a batch of shots (`simulate_shots`)."""

import equinox as eqx
import jax
import jax.numpy as jnp

from ._cpml import CPML
from ._engine import propagate
from ._loops import AbstractLoop, loop_from_engine, resolve_loop
from ._model import AcousticModel, Shot, WaveSolution
from ._validate import validate


@eqx.filter_jit
def _run(model, shot, dt, order, boundary, snapshot_every, checkpoint, segment_length, batched, unroll, loop):
    kwargs = dict(
        loop=loop,
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


def _options(unroll, loop, engine, model, boundary, order, snapshot_every) -> AbstractLoop:
    if unroll is not None and not (isinstance(unroll, int) and unroll >= 1):
        raise ValueError(f"`unroll` must be a positive int or None, got {unroll!r}.")
    loop = loop_from_engine(engine, loop)
    return resolve_loop(loop, model, boundary, order, snapshot_every)


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
    loop: AbstractLoop | None = None,
    engine: str | None = None,
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
    checkpointing). The native loop (`NativeLoop`) runs all steps in one compiled
    C++ call and reverse mode as its own discrete adjoint from checkpoints taken every
    `segment_length` steps. All arrays follow the dtype of `model.velocity`.

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
    - `unroll`: time steps per loop iteration of the XLA loop's scan. Unrolling
      speeds up forward runs on CPU but multiplies compile time and slows reverse
      mode; default 4 when `snapshot_every` is set, else 1.
    - `loop`: the time loop, `XLALoop()` or `NativeLoop()`. `None` (default) picks
      `NativeLoop()` where it applies (CPU, constant density, traces only; its kernel is
      built at first use, see `build_native`) and `XLALoop()` everywhere else, the same
      rule as `velocity_gradient` and `physax.inverse.fwi`. On the native loop `jax.grad`
      of any function of the traces runs the native discrete adjoint and `jax.jvp` the XLA
      loop's tangent (second derivatives need `XLALoop()`); the loops evaluate the same
      scheme and agree to float rounding. The choice is made in Python, before tracing.
      `ShardedLoop(devices=...)` runs the XLA loop on a grid split over several devices
      (halo exchange each step), for grids larger than one device holds.
    - `engine`: deprecated string form of `loop` (`"auto"`, `"native"`, `"xla"`).

    **Returns:** a `WaveSolution` with `traces` `(n_steps, n_receivers)`, where
    `traces[n]` is $p(n\,\Delta t)$, and optional `snapshots`.

    **Example:**

    >>> model = AcousticModel(jnp.full((40, 60), 2000.0), dx=10.0)
    >>> shot = Shot([[20, 30]], [[20, 50]], ricker(15.0, 1e-3, 200))
    >>> out = simulate(model, shot, dt=1e-3, boundary=CPML(10, f0=15.0), snapshot_every=50)
    >>> out.traces.shape, out.snapshots.shape
    ((200, 1), (4, 40, 60))
    """
    validate(model, shot, dt, order, boundary, snapshot_every, segment_length, batched=False)
    loop = _options(unroll, loop, engine, model, boundary, order, snapshot_every)
    return _run(
        model, shot, dt, order, boundary, snapshot_every, checkpoint, segment_length, False, unroll, loop
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
    loop: AbstractLoop | None = None,
    engine: str | None = None,
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

    >>> # each shot of the batch is the shot simulated alone
    >>> model = AcousticModel(jnp.full((30, 40), 2000.0), dx=10.0)
    >>> receivers = [[2, i] for i in range(0, 40, 5)]
    >>> one = [Shot([[2, ix]], receivers, ricker(15.0, 1e-3, 150)) for ix in (5, 20, 35)]
    >>> data = simulate_shots(model, stack_shots(one), dt=1e-3, order=4).traces
    >>> data.shape
    (3, 150, 8)
    >>> bool(jnp.allclose(data[1], simulate(model, one[1], dt=1e-3, order=4).traces, atol=1e-12))
    True
    """
    validate(model, shots, dt, order, boundary, snapshot_every, segment_length, batched=True)
    loop = _options(unroll, loop, engine, model, boundary, order, snapshot_every)
    return _run(
        model, shots, dt, order, boundary, snapshot_every, checkpoint, segment_length, True, unroll, loop
    )
