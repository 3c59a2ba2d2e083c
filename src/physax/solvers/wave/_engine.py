"""Which time loop runs a shot: the native CPU loop (and its adjoint) or the XLA loop."""

import functools

import jax
import jax.numpy as jnp
from jax import lax
from jaxtyping import Array, Float

from . import _native
from ._cpml import CPML
from ._model import AcousticModel, Shot, WaveSolution
from ._propagate import _prepare, _xla_propagate, checkpoint_segment
from ._slab_cpml import slabs

ENGINES = ("auto", "native", "xla")


def check_engine(engine: str) -> None:
    if engine not in ENGINES:
        raise ValueError(f"`engine` must be one of {ENGINES}, got {engine!r}.")


def native_unsupported(model: AcousticModel, boundary: CPML | None, order: int, snapshot_every) -> str | None:
    """Why the native loop cannot run this problem, or None if it can."""
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


def _native_loop(
    model: AcousticModel, shot: Shot, *, dt: float, order: int, boundary: CPML | None, adjoint_segment=None
):
    setup = _prepare(model, shot, dt, order, boundary)
    dtype = setup.vel.dtype
    stacked, slab_ends = [], []
    for axis, (prof, ranges) in enumerate(zip(setup.profiles, setup.slab_ranges, strict=True)):
        n = setup.vel.shape[axis]
        if prof is None:
            stacked.append(jnp.zeros((4, n), dtype))
            slab_ends.append((0, n))
            continue
        stacked.append(jnp.stack([c.reshape(n) for c in prof]))
        lo = next((stop for start, stop in ranges if start == 0), 0)
        hi = next((start for start, stop in ranges if stop == n and start > 0), n)
        slab_ends.append((lo, hi))
    free = boundary is not None and boundary.free_surface
    return _native.native_traces(
        setup.dt2_kappa,
        stacked[0],
        stacked[1],
        jnp.stack(setup.src, axis=-1),
        setup.src_scale,
        shot.wavelets.astype(dtype),
        jnp.stack(setup.rec, axis=-1),
        order=order,
        dx=model.dx,
        free=free,
        z_slab=slab_ends[0],
        x_slab=slab_ends[1],
        adjoint_segment=adjoint_segment,
    )


@functools.partial(jax.custom_jvp, nondiff_argnums=(2,))
def _fast_traces(model: AcousticModel, shot: Shot, options: tuple) -> Float[Array, "t r"]:
    """Traces from the native loop on CPU (XLA elsewhere); derivatives from the XLA loop."""
    kwargs = dict(options)
    native_kw = {k: kwargs[k] for k in ("dt", "order", "boundary")}
    return lax.platform_dependent(
        model,
        shot,
        cpu=lambda m, s: _native_loop(m, s, **native_kw),
        default=lambda m, s: _xla_propagate(m, s, **kwargs).traces,
    )


@_fast_traces.defjvp
def _fast_traces_jvp(options, primals, tangents):
    # the native loop has no derivative of its own: forward mode (and with it reverse
    # mode, by transposition) differentiates the checkpointed XLA loop, as with engine="xla"
    return jax.jvp(lambda m, s: _xla_propagate(m, s, **dict(options)).traces, primals, tangents)


def reverse_mode_engine(engine: str, model: AcousticModel, boundary: CPML | None, order: int) -> str:
    """The engine for code that only differentiates in reverse mode (misfits, FWI).

    `"auto"` becomes `"native"` (native forward loop and native adjoint) where the
    native kernel runs this problem, else `"xla"`; other values are returned as given.
    """
    if engine != "auto":
        return engine
    if native_unsupported(model, boundary, order, None) is None and _native.native_available():
        return "native"
    return "xla"


def propagate(model: AcousticModel, shot: Shot, *, engine: str = "auto", **kwargs) -> WaveSolution:
    """Run one shot (no input validation; see `simulate`) on the chosen time-loop engine.

    `engine="auto"` takes the native CPU loop for what it supports (traces only,
    constant density) when it is built, with derivatives of any kind from the XLA
    loop, else the XLA loop; `"native"` (checked by `simulate` first) runs the native
    loop with its native reverse-mode adjoint; `"xla"` never uses the native loop.
    """
    reason = native_unsupported(model, kwargs["boundary"], kwargs["order"], kwargs["snapshot_every"])
    if engine == "xla" or reason is not None or not _native.native_available():
        return _xla_propagate(model, shot, **kwargs)
    if engine == "native":
        n_steps = shot.wavelets.shape[-1]
        segment = checkpoint_segment(n_steps, kwargs["checkpoint"], kwargs["segment_length"])
        traces = _native_loop(
            model,
            shot,
            dt=kwargs["dt"],
            order=kwargs["order"],
            boundary=kwargs["boundary"],
            adjoint_segment=min(segment, n_steps),
        )
    else:
        traces = _fast_traces(model, shot, tuple(sorted(kwargs.items())))
    return WaveSolution(traces=traces, snapshots=None)
