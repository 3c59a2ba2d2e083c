r"""Traces from the native loop, differentiable in both modes.

`native_traces` is a `jax.custom_jvp` function of the velocity and the wavelets. Its
primal runs the native forward kernel. Its JVP runs the same kernel keeping the state
every `segment` steps and returns the tangent as one call of `_born_p`, the linearised
modelling (Born) operator $J = \partial\,\text{traces} / \partial(c, s)$, a primitive that is
linear in the tangents:

- evaluated (forward mode, `jax.jvp`), $J\,\delta$ is the tangent of the XLA loop;
- transposed (reverse mode: `jax.grad`/`jax.vjp` of *any* function of the traces), $J^\top
  \bar d$ is the native discrete adjoint driven by the cotangent $\bar d$ of the traces,
  from the checkpoints of the forward pass (the adjoint-state method, Plessix 2006), then
  chained through $c \mapsto (\Delta t^2 c^2, \text{source scale})$.

So reverse mode costs one native forward pass plus one native adjoint pass, whatever the
loss, and the tangent and the adjoint are exact transposes up to float rounding (both
discretise the same scheme). A `jax.custom_vjp` would give the same reverse mode but
refuse `jax.jvp`; transposing a primitive keeps both (as `_slab_cpml` does).
"""

from __future__ import annotations

import functools
from typing import NamedTuple

import jax
import jax.numpy as jnp
from jax import core
from jax.extend.core import Primitive
from jax.interpreters import ad, batching, mlir

from . import _native
from ._cpml import CPML
from ._model import AcousticModel, Shot
from ._propagate import _prepare, _xla_propagate


class Config(NamedTuple):
    """Hashable, static description of one native run (a primitive parameter)."""

    dt: float
    order: int
    dx: float
    boundary: CPML | None
    segment: int


def kernel_inputs(velocity, wavelets, sources, receivers, config: Config):
    """The kernel's arguments and static attributes for one shot.

    **Returns:** `(inputs, static)`: `inputs` = `(c2dt2, prof_z, prof_x, sources,
    src_scale, wavelets, receivers)` on the padded grid (CPML coefficients stacked as
    `(4, n)` = a, b, a_half, b_half), `static` = `(order, dx, free, z_slab, x_slab)`
    with `z_slab = (lo, hi)`: memory variables on rows `[0, lo)` and `[hi, nz)`.
    """
    model = AcousticModel(velocity, dx=config.dx)
    shot = Shot(sources, receivers, wavelets)
    setup = _prepare(model, shot, config.dt, config.order, config.boundary)
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
    free = config.boundary is not None and config.boundary.free_surface
    inputs = (
        setup.dt2_kappa,
        stacked[0],
        stacked[1],
        jnp.stack(setup.src, axis=-1).astype(jnp.int32),
        setup.src_scale,
        shot.wavelets.astype(dtype),
        jnp.stack(setup.rec, axis=-1).astype(jnp.int32),
    )
    static = (config.order, float(config.dx), bool(free), tuple(slab_ends[0]), tuple(slab_ends[1]))
    return inputs, static


@functools.partial(jax.custom_jvp, nondiff_argnums=(4,))
def _traces(velocity, wavelets, sources, receivers, config: Config):
    inputs, static = kernel_inputs(velocity, wavelets, sources, receivers, config)
    return _native.forward(inputs, static, 0)[0]


@_traces.defjvp
def _traces_jvp(config, primals, tangents):
    inputs, static = kernel_inputs(*primals, config)
    traces, checkpoints = _native.forward(inputs, static, config.segment)
    d_velocity, d_wavelets = tangents[0], tangents[1]
    d_traces = _born_p.bind(*primals, checkpoints, d_velocity, d_wavelets, config=config, n_batch=0)
    return traces, d_traces


def native_traces(model: AcousticModel, shot: Shot, *, dt: float, order: int, boundary, segment: int):
    """Traces `(n_steps, n_receivers)` of one shot from the native loop (no input checks).

    Differentiable in `model.velocity` and `shot.wavelets`: reverse mode by the native
    adjoint from checkpoints every `segment` steps, forward mode by the XLA loop.
    """
    config = Config(float(dt), int(order), float(model.dx), boundary, int(segment))
    return _traces(model.velocity, shot.wavelets, shot.sources, shot.receivers, config)


# ---- the Born operator: a primitive linear in its last two operands ----------------------


def _vmapped(f, n_batch: int):
    for _ in range(n_batch):
        f = jax.vmap(f)
    return f


def _born_single(velocity, wavelets, sources, receivers, checkpoints, d_velocity, d_wavelets, *, config):
    del checkpoints  # the adjoint's; the tangent is the XLA loop's

    def traces(v, w):
        out = _xla_propagate(
            AcousticModel(v, dx=config.dx),
            Shot(sources, receivers, w),
            dt=config.dt,
            order=config.order,
            boundary=config.boundary,
            snapshot_every=None,
            checkpoint=False,
            segment_length=None,
        )
        return out.traces

    return jax.jvp(traces, (velocity, wavelets), (d_velocity, d_wavelets))[1]


def _born_impl(*operands, config, n_batch):
    return _vmapped(functools.partial(_born_single, config=config), n_batch)(*operands)


def _born_abstract_eval(velocity, wavelets, sources, receivers, checkpoints, dv, dw, *, config, n_batch):
    del sources, checkpoints, dv, dw, config
    shape = (*velocity.shape[:n_batch], wavelets.shape[-1], receivers.shape[-2])
    return core.ShapedArray(shape, velocity.dtype)


def _adjoint_single(velocity, wavelets, sources, receivers, checkpoints, d_traces, *, config):
    def scheme_inputs(v):  # what the adjoint differentiates: dt^2 c^2 and the source scale
        inputs, _ = kernel_inputs(v, wavelets, sources, receivers, config)
        return inputs[0], inputs[4]

    inputs, static = kernel_inputs(velocity, wavelets, sources, receivers, config)
    _, pullback = jax.vjp(scheme_inputs, velocity)
    g_c2dt2, g_scale, g_wavelets = _native.adjoint(inputs, checkpoints, d_traces, static, config.segment)
    (g_velocity,) = pullback((g_c2dt2, g_scale))
    return g_velocity, g_wavelets.astype(wavelets.dtype)


def _born_transpose(ct, velocity, wavelets, sources, receivers, checkpoints, dv, dw, *, config, n_batch):
    residuals = (velocity, wavelets, sources, receivers, checkpoints)
    if any(ad.is_undefined_primal(x) for x in residuals):
        raise NotImplementedError(
            "second derivatives through NativeLoop() are not available; use loop=XLALoop() for them."
        )
    none = [None] * len(residuals)
    if type(ct) is ad.Zero:
        return [*none, None, None]
    adjoint = _vmapped(functools.partial(_adjoint_single, config=config), n_batch)
    g_velocity, g_wavelets = adjoint(*residuals, ct)
    return [
        *none,
        g_velocity if ad.is_undefined_primal(dv) else None,
        g_wavelets if ad.is_undefined_primal(dw) else None,
    ]


def _born_batch(operands, dims, *, config, n_batch):
    size = next(x.shape[d] for x, d in zip(operands, dims, strict=True) if d is not None)
    moved = [
        jnp.broadcast_to(x, (size, *x.shape)) if d is None else jnp.moveaxis(x, d, 0)
        for x, d in zip(operands, dims, strict=True)
    ]
    return _born_p.bind(*moved, config=config, n_batch=n_batch + 1), 0


def _born_jvp(primals, tangents, *, config, n_batch):
    # linear in (dv, dw); the residuals' tangents would need second derivatives
    if any(type(t) is not ad.Zero for t in tangents[:5]):
        raise NotImplementedError(
            "second derivatives through NativeLoop() are not available; use loop=XLALoop() for them."
        )
    out = _born_p.bind(*primals, config=config, n_batch=n_batch)
    lin = [ad.instantiate_zeros(t) for t in tangents[5:]]
    return out, _born_p.bind(*primals[:5], *lin, config=config, n_batch=n_batch)


_born_p = Primitive("physax_native_born")
_born_p.def_impl(_born_impl)
_born_p.def_abstract_eval(_born_abstract_eval)
mlir.register_lowering(_born_p, mlir.lower_fun(_born_impl, multiple_results=False))
ad.primitive_jvps[_born_p] = _born_jvp
ad.primitive_transposes[_born_p] = _born_transpose
batching.primitive_batchers[_born_p] = _born_batch
