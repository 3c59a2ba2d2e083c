"""Time stepping of the 2D acoustic wave equation on XLA (leapfrog + CPML, segmented scan)."""

import math
from typing import NamedTuple

import jax
import jax.numpy as jnp
from jax import lax
from jaxtyping import Array, Float

from ._cpml import CPML, cpml_coefficients
from ._model import AcousticModel, Shot, WaveSolution
from ._slab_cpml import slab_operator, slabs
from ._stencils import backward_derivative, forward_derivative, second_derivative

_DENSE_SOURCES = 4


def _half_buoyancy(rho: Float[Array, "a b"], axis: int) -> Float[Array, "a b"]:
    """$1/\\rho$ at $i + 1/2$ from the arithmetic mean of $\\rho$ (edge value past the end)."""
    last = lax.slice_in_dim(rho, rho.shape[axis] - 1, rho.shape[axis], axis=axis)
    nxt = jnp.concatenate([lax.slice_in_dim(rho, 1, rho.shape[axis], axis=axis), last], axis)
    return 2.0 / (rho + nxt)


def _axis_profiles(shape, widths, dx, dt, c_max, pml, dtype):
    """Per axis: None without PML, else (a, b, a_half, b_half) shaped to broadcast."""
    out = []
    for axis, (n, ends) in enumerate(zip(shape, (widths[:2], widths[2:]), strict=True)):
        if pml is None or sum(ends) == 0:
            out.append(None)
            continue
        coeffs = cpml_coefficients(n, ends, dx, dt, c_max, pml, dtype)
        out.append(tuple(c[:, None] if axis == 0 else c[None, :] for c in coeffs))
    return out


def checkpoint_segment(n_steps: int, checkpoint: bool, segment_length: int | None) -> int:
    """Steps between stored states: `segment_length`, else ceil(sqrt(n)), or all steps without checkpointing."""
    if segment_length is not None:
        return segment_length
    return max(1, math.isqrt(n_steps - 1) + 1) if checkpoint else n_steps


def cpml_operator(p, memories, profiles, buoyancy, dx: float, derivative):
    """The kappa-free spatial operator with CPML corrections on the full grid: `(L p, new memories)`.

    `L p = sum over axes of d/dx_a (b d p/dx_a)` (`b` the half-cell buoyancy, or
    `d^2 p/dx_a^2` at constant density), each axis term corrected by its CPML memory
    variables `(psi, zeta)` where `profiles[axis]` is not None. `derivative(op, x, axis, odd)`
    applies the stencil `op` (`forward_derivative`, `backward_derivative` or
    `second_derivative`) along `axis`; `odd` says whether a mirror at a free surface flips
    the sign (the pressure and its forward difference). The single-device loop applies the
    stencils directly, the sharded loop after a halo exchange.
    """
    variable = buoyancy is not None
    total = jnp.zeros_like(p)
    new_memories = []
    for axis in (0, 1):
        prof, mem = profiles[axis], memories[axis]
        if variable or prof is not None:
            grad = derivative(forward_derivative, p, axis, True) / dx
        if variable:
            if prof is not None:
                psi = prof[3] * mem[0] + prof[2] * grad
                grad = grad + psi
            term = derivative(backward_derivative, grad * buoyancy[axis], axis, False) / dx
        else:
            term = derivative(second_derivative, p, axis, True) / (dx * dx)
            if prof is not None:
                psi = prof[3] * mem[0] + prof[2] * grad
                term = term + derivative(backward_derivative, psi, axis, False) / dx
        if prof is not None:
            zeta = prof[1] * mem[1] + prof[0] * term
            term = term + zeta
            new_memories.append((psi, zeta))
        else:
            new_memories.append(None)
        total = total + term
    return total, new_memories


def segmented(
    forcing: Float[Array, "t s"], snapshot_every: int | None, checkpoint: bool, segment_length: int | None
) -> tuple[Float[Array, "n_seg seg s"], int, int]:
    """The per-step forcing cut into segments of the outer scan: `(segments, seg, n_seg)`.

    A segment is `snapshot_every` steps (one snapshot each), else `checkpoint_segment`'s
    length; the last one is padded with zero forcing.
    """
    n_steps = forcing.shape[0]
    seg = (
        snapshot_every
        if snapshot_every is not None
        else checkpoint_segment(n_steps, checkpoint, segment_length)
    )
    n_seg = -(-n_steps // seg)
    forcing = jnp.pad(forcing, ((0, n_seg * seg - n_steps), (0, 0)))
    return forcing.reshape(n_seg, seg, forcing.shape[-1]), seg, n_seg


class _Setup(NamedTuple):
    """Everything the time loops need, derived once from the model, shot and boundary."""

    vel: Float[Array, "a b"]
    dt2_kappa: Float[Array, "a b"]
    buoyancy: list | None
    profiles: list
    slab_ranges: list
    use_slabs: bool
    src: tuple  # padded-grid (z, x) index arrays of the sources
    rec: tuple  # and of the receivers
    src_scale: Float[Array, " s"]


def _prepare(model: AcousticModel, shot: Shot, dt: float, order: int, boundary: CPML | None) -> _Setup:
    dtype = model.velocity.dtype
    widths = (0, 0, 0, 0) if boundary is None else boundary.widths
    top, bottom, left, right = widths
    pad = ((top, bottom), (left, right))
    vel = jnp.pad(model.velocity, pad, mode="edge")
    variable = model.density is not None
    buoyancy = None
    if variable:
        rho = jnp.pad(model.density, pad, mode="edge")
        kappa = rho * vel**2
        buoyancy = [_half_buoyancy(rho, 0), _half_buoyancy(rho, 1)]
    else:
        kappa = vel**2
    if boundary is not None and boundary.velocity_max is not None:
        c_max = jnp.asarray(boundary.velocity_max, dtype)
    else:
        c_max = lax.stop_gradient(jnp.max(model.velocity))
    profiles = _axis_profiles(vel.shape, widths, model.dx, dt, c_max, boundary, dtype)
    dt2_kappa = (dt * dt) * kappa
    sz, sx = shot.sources[:, 0] + top, shot.sources[:, 1] + left
    rz, rx = shot.receivers[:, 0] + top, shot.receivers[:, 1] + left
    # grid-point delta: the source density s(t) delta(x - x_s) becomes s / dx^2 in one cell
    src_scale = dt2_kappa[sz, sx] / (model.dx * model.dx)
    # Constant density: the CPML memory variables live on slabs along the layers only
    # (the interior update is then one fused full-grid Laplacian, as without a PML)
    m_half = order // 2
    slab_ranges = [
        None if variable or prof is None else slabs(vel.shape[axis], (widths[:2], widths[2:])[axis], m_half)
        for axis, prof in enumerate(profiles)
    ]
    use_slabs = not variable and all(
        sl is not None for sl, prof in zip(slab_ranges, profiles, strict=True) if prof is not None
    )
    return _Setup(vel, dt2_kappa, buoyancy, profiles, slab_ranges, use_slabs, (sz, sx), (rz, rx), src_scale)


def _xla_propagate(
    model: AcousticModel,
    shot: Shot,
    *,
    dt: float,
    order: int,
    boundary: CPML | None,
    snapshot_every: int | None,
    checkpoint: bool,
    segment_length: int | None,
    unroll: int | None = None,
) -> WaveSolution:
    """The time loop as a (segmented, checkpointed) `lax.scan`: the differentiable path."""
    if unroll is None:
        # unrolling speeds up forward runs (fused consecutive steps, less loop overhead)
        # but multiplies compile time and slows reverse mode: on for snapshot runs only
        unroll = 4 if snapshot_every is not None else 1
    dtype = model.velocity.dtype
    dx = model.dx
    widths = (0, 0, 0, 0) if boundary is None else boundary.widths
    free = boundary is not None and boundary.free_surface
    top, left = widths[0], widths[2]
    setup = _prepare(model, shot, dt, order, boundary)
    vel, dt2_kappa, buoyancy, profiles = setup.vel, setup.dt2_kappa, setup.buoyancy, setup.profiles
    slab_ranges, use_slabs, src_scale = setup.slab_ranges, setup.use_slabs, setup.src_scale
    (sz, sx), (rz, rx) = setup.src, setup.rec
    n_steps = shot.wavelets.shape[-1]
    n_src = shot.sources.shape[0]
    # Few sources: inject through dense one-hot fields so the update stays one fused
    # elementwise loop (a scatter would split it and block unrolling); many: scatter.
    # The dense fields carry the velocity-dependent scale and the per-step forcing is the
    # bare wavelet: reverse mode then accumulates the fields' cotangent elementwise in
    # the loop, where a scaled forcing cost a full-grid reduction per step and source.
    dense = n_src <= _DENSE_SOURCES
    if dense:
        forcing = shot.wavelets.astype(dtype).T  # (n_steps, n_sources)
        onehots = jnp.zeros((n_src, *vel.shape), dtype).at[jnp.arange(n_src), sz, sx].add(src_scale)
    else:
        forcing = (shot.wavelets.astype(dtype) * src_scale[:, None]).T
    if free:
        keep_rows = (jnp.arange(vel.shape[0]) > 0).astype(dtype)[:, None]

    def derivative(op, x, axis, odd):
        return op(x, order, axis, free and axis == 0)

    def operator(p, memories):
        """kappa-free spatial operator with CPML corrections; returns (L p, new memories)."""
        if use_slabs:
            return slab_operator(p, memories, profiles, slab_ranges, order, dx, free)
        return cpml_operator(p, memories, profiles, buoyancy, dx, derivative)

    def step(state, f):
        p_prev, p, memories = state
        record = p[rz, rx]
        lap, memories = operator(p, memories)
        p_next = 2.0 * p - p_prev + dt2_kappa * lap
        if dense:
            for k in range(n_src):
                p_next = p_next + f[k] * onehots[k]
        else:
            p_next = p_next.at[sz, sx].add(f)
        if free:
            p_next = p_next * keep_rows
        return (p, p_next, memories), record

    forcing, seg, n_seg = segmented(forcing, snapshot_every, checkpoint, segment_length)
    nz, nx = model.shape

    def segment(state, f_seg):
        snap = state[1][top : top + nz, left : left + nx] if snapshot_every else None
        if seg == 1:
            state, rec = step(state, f_seg[0])
            return state, (snap, rec[None])
        state, recs = lax.scan(step, state, f_seg, unroll=min(seg, unroll))
        return state, (snap, recs)

    if checkpoint:
        segment = jax.checkpoint(segment)
    zeros = jnp.zeros(vel.shape, dtype)
    memories = []
    for axis, prof in enumerate(profiles):
        if prof is None:
            memories.append(None)
        elif use_slabs:
            shapes = [list(vel.shape) for _ in slab_ranges[axis]]
            for shape, (start, stop) in zip(shapes, slab_ranges[axis], strict=True):
                shape[axis] = stop - start
            memories.append([(jnp.zeros(sh, dtype), jnp.zeros(sh, dtype)) for sh in shapes])
        else:
            memories.append((zeros, zeros))
    outer_unroll = max(1, min(n_seg, unroll // seg))
    _, (snaps, recs) = lax.scan(segment, (zeros, zeros, memories), forcing, unroll=outer_unroll)
    traces = recs.reshape(n_seg * seg, -1)[:n_steps]
    return WaveSolution(traces=traces, snapshots=snaps)
