"""Time-loop strategies of the wave solver: `XLALoop`, `NativeLoop`, and automatic choice."""

from __future__ import annotations

import warnings

import equinox as eqx
import jax

from . import _native
from ._cpml import CPML
from ._model import AcousticModel
from ._slab_cpml import slabs


class AbstractLoop(eqx.Module):
    """Base class of the time loops `simulate` can run a shot on (`XLALoop`, `NativeLoop`).

    Pass an instance as `loop=`; `loop=None` picks `NativeLoop()` where it applies (see
    `resolve_loop`) and `XLALoop()` everywhere else. The loops evaluate the same scheme, so
    the choice changes speed and the transformations available, never the result beyond
    float rounding.

    **Example:**

    >>> [isinstance(loop, AbstractLoop) for loop in (XLALoop(), NativeLoop(), ShardedLoop())]
    [True, True, True]
    """


class XLALoop(AbstractLoop):
    r"""The time loop as a checkpointed `lax.scan` traced by XLA.

    Runs on every backend (CPU, GPU, TPU), for every problem (snapshots, variable density),
    under every JAX transformation: reverse mode differentiates the scan with
    `jax.checkpoint` segments (memory $O(\sqrt{n_{\text{steps}}})$ wavefields, Griewank
    1992), forward mode and higher derivatives follow from JAX's own rules.

    **Example:**

    >>> # forward mode (jax.jvp) of the traces in the velocity
    >>> model = AcousticModel(jnp.full((30, 30), 2000.0), dx=10.0)
    >>> shot = Shot([[15, 5]], [[15, 25]], ricker(15.0, 1e-3, 200))
    >>> def traces(c):
    ...     return simulate(AcousticModel(c, dx=10.0), shot, dt=1e-3, order=2, loop=XLALoop()).traces
    >>> out, tangent = jax.jvp(traces, (model.velocity,), (jnp.ones_like(model.velocity),))
    >>> out.shape, tangent.shape
    ((200, 1), (200, 1))
    """


class NativeLoop(AbstractLoop):
    """physax's native C++ time loop (CPU, constant density, traces only).

    All steps of a shot run in one compiled call through XLA's FFI, with threads over grid
    rows or over shots, as in deepwave. Reverse mode (`jax.grad`, `jax.vjp` of any function
    of the traces) runs the hand-written discrete adjoint of the same scheme from
    checkpoints taken every `segment_length` steps (the adjoint-state method, Plessix 2006);
    forward mode (`jax.jvp`) evaluates the tangent with the XLA loop. Second derivatives
    are not available: use `XLALoop()` for them. The kernel is built with the machine's C++
    compiler at first use (see `build_native`); asking for `NativeLoop()` where it cannot run
    raises with the reason.

    **Example:**

    >>> # the same traces as the XLA loop
    >>> model = AcousticModel(jnp.full((30, 30), 2000.0), dx=10.0)
    >>> shot = Shot([[15, 5]], [[15, 25]], ricker(15.0, 1e-3, 200))
    >>> native = simulate(model, shot, dt=1e-3, order=2, loop=NativeLoop()).traces
    >>> xla = simulate(model, shot, dt=1e-3, order=2, loop=XLALoop()).traces
    >>> bool(jnp.allclose(native, xla, atol=1e-12))
    True
    """


_ENGINES = {"auto": None, "native": NativeLoop(), "xla": XLALoop()}


def native_unsupported(model: AcousticModel, boundary: CPML | None, order: int, snapshot_every) -> str | None:
    """Why the native loop cannot run this problem, or None if it can (the build aside)."""
    if jax.default_backend() != "cpu":
        return f"it runs on the CPU and JAX's default backend is {jax.default_backend()!r}"
    if snapshot_every is not None:
        return "it returns traces only (no snapshots)"
    if model.density is not None:
        return "it solves the constant-density equation only"
    if not _native.supports(model.velocity.dtype):
        return f"it supports float32 and float64, not {model.velocity.dtype}"
    if boundary is not None:
        shape = (model.shape[0] + sum(boundary.widths[:2]), model.shape[1] + sum(boundary.widths[2:]))
        for axis, ends in enumerate((boundary.widths[:2], boundary.widths[2:])):
            if sum(ends) and slabs(shape[axis], ends, order // 2) is None:
                return "the grid is too small for separate absorbing layers"
    return None


def loop_from_engine(engine: str | None, loop: AbstractLoop | None) -> AbstractLoop | None:
    """Map the deprecated `engine=` string onto a loop object (with a `DeprecationWarning`)."""
    if engine is None:
        return loop
    if loop is not None:
        raise ValueError("give `loop=` only; `engine=` is its deprecated string form.")
    if engine not in _ENGINES:
        raise ValueError(f"`engine` must be one of {tuple(_ENGINES)}, got {engine!r}; better, pass `loop=`.")
    warnings.warn(
        "`engine=` is deprecated: pass loop=None (automatic), loop=NativeLoop() or loop=XLALoop().",
        DeprecationWarning,
        stacklevel=4,  # the caller of simulate / velocity_gradient
    )
    return _ENGINES[engine]


def resolve_loop(
    loop: AbstractLoop | None,
    model: AcousticModel,
    boundary: CPML | None,
    order: int,
    snapshot_every: int | None = None,
) -> AbstractLoop:
    """The concrete loop a call runs on; called in Python, before any trace of physax's own.

    `None` (automatic) is `NativeLoop()` when the native loop can run the problem (CPU,
    constant density, traces only, float32/float64, room for the layers) and its kernel is
    switched on and built (this builds it on first use), else `XLALoop()`. The same rule
    serves `simulate`, `simulate_shots`, `l2_misfit`, `velocity_gradient` and `fwi`.
    `NativeLoop()` raises `ValueError` if it cannot run the problem and `RuntimeError` if its
    kernel is switched off or cannot be built.
    """
    if loop is None:
        if native_unsupported(model, boundary, order, snapshot_every) is None and _native.native_available():
            return NativeLoop()
        return XLALoop()
    if isinstance(loop, XLALoop):
        return loop
    if isinstance(loop, NativeLoop):
        reason = native_unsupported(model, boundary, order, snapshot_every)
        if reason is not None:
            raise ValueError(
                f"NativeLoop() cannot run this problem: {reason}. Use loop=None (automatic) or XLALoop()."
            )
        if _native.switched_off():
            raise RuntimeError(
                "NativeLoop(): the native kernel is switched off by PHYSAX_NATIVE; unset it or use XLALoop()."
            )
        try:
            _native.build_native()
        except _native.NativeBuildError as err:
            raise RuntimeError(
                f"NativeLoop(): the native CPU kernel could not be built ({err}). Use loop=None or XLALoop()."
            ) from err
        return loop
    raise TypeError(f"`loop` must be XLALoop(), NativeLoop() or None (automatic), got {loop!r}.")
