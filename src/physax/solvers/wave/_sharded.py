"""The XLA time loop on a grid split over devices: `shard_map` blocks with halo exchange."""

from __future__ import annotations

import math

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jax import lax
from jax.sharding import Mesh, PartitionSpec

from ...distributed import device_mesh
from ._cpml import CPML
from ._loops import XLALoop
from ._model import AcousticModel, Shot, WaveSolution
from ._propagate import _prepare, cpml_operator, segmented

_AXES = ("z", "x")


class ShardedLoop(XLALoop):
    """The XLA time loop on a grid split into blocks over several devices (and processes).

    Domain decomposition of the leapfrog scheme: the padded grid (model plus CPML
    layers) is cut into `split = (pz, px)` blocks along $(z, x)$, one per device of a
    `jax.sharding.Mesh`, and each step runs inside `jax.shard_map` on the local block.
    Before each stencil along a split axis, every block receives the `order // 2`
    neighbouring cells on each side from the adjacent blocks (`jax.lax.ppermute`, a halo
    exchange); blocks on the edge of the grid receive the zeros of the rigid edge (or the
    mirror image at a free surface). Receivers record on the block that holds them; one
    `psum` after the time loop assembles the traces. The memory variables of the CPML live
    on the full (split) grid. The same arithmetic as `XLALoop`, so the traces agree with
    it to float round-off; reverse mode runs through the same checkpointed segments, with
    the halo exchanges transposed. For grids that do not fit one device's memory.

    **Arguments:**

    - `devices`: number of devices (0: every device of every process; see
      `physax.distributed.device_mesh`).
    - `split`: blocks along `(z, x)`; default `(1, devices)` (split along x only). Their
      product must be the device count, and the padded grid (model plus layers) must
      divide evenly: `nz + top + bottom` by `pz` and `nx + left + right` by `px`.

    With `XLA_FLAGS=--xla_force_host_platform_device_count=4` a CPU offers four devices and
    `ShardedLoop(devices=4)` splits the grid in four blocks along $x$.

    **Example:**

    >>> # on one device the sharded loop gives the XLA loop's traces

    >>> model = AcousticModel(jnp.full((32, 32), 2000.0), dx=10.0)
    >>> shot = Shot([[16, 4]], [[16, 28]], ricker(15.0, 1e-3, 150))
    >>> sharded = simulate(model, shot, dt=1e-3, order=2, loop=ShardedLoop(devices=1)).traces
    >>> plain = simulate(model, shot, dt=1e-3, order=2, loop=XLALoop()).traces
    >>> bool(jnp.allclose(sharded, plain, atol=1e-12))
    True
    """

    devices: int = eqx.field(static=True, default=0)
    split: tuple[int, int] | None = eqx.field(static=True, default=None)

    def __check_init__(self):
        if not isinstance(self.devices, int) or self.devices < 0:
            raise ValueError(f"ShardedLoop(devices=...) must be an int >= 0 (0: all), got {self.devices!r}.")
        if self.split is not None and (
            len(self.split) != 2 or any(not isinstance(k, int) or k < 1 for k in self.split)
        ):
            raise ValueError(
                f"ShardedLoop(split=...) must be two positive ints (pz, px), got {self.split!r}."
            )

    def mesh(self) -> Mesh:
        """The 2-D device mesh `(z, x)` of this loop."""
        one = device_mesh(self.devices, "grid")
        devices = [jax.devices()[0]] if one is None else list(one.devices.flat)
        pz, px = self.split or (1, len(devices))
        if pz * px != len(devices):
            raise ValueError(
                f"ShardedLoop: split {(pz, px)} needs {pz * px} devices, but {len(devices)} are given; "
                "make pz * px equal the device count."
            )
        return Mesh(np.array(devices).reshape(pz, px), _AXES)


def _check_blocks(shape, parts, m: int) -> tuple[int, int]:
    blocks = []
    for n, k, name, edges in zip(shape, parts, _AXES, ("top + bottom", "left + right"), strict=True):
        if n % k:
            good = math.ceil(n / k) * k
            raise ValueError(
                f"ShardedLoop: the padded grid has {n} cells along {name} (model plus {edges} layers), "
                f"which do not split into {k} blocks; change the grid or layer width by {good - n} cells."
            )
        if k > 1 and n // k < m:
            raise ValueError(
                f"ShardedLoop: blocks of {n // k} cells along {name} are thinner than the stencil "
                f"half-width {m}; use fewer blocks along {name}."
            )
        blocks.append(n // k)
    return tuple(blocks)


def sharded_propagate(
    model: AcousticModel,
    shot: Shot,
    *,
    loop: ShardedLoop,
    dt: float,
    order: int,
    boundary: CPML | None,
    snapshot_every: int | None,
    checkpoint: bool,
    segment_length: int | None,
    unroll: int | None = None,
) -> WaveSolution:
    """One shot on `loop`'s device mesh (no validation beyond the block layout; see `simulate`)."""
    if unroll is None:
        unroll = 4 if snapshot_every is not None else 1
    mesh = loop.mesh()
    parts = tuple(mesh.shape[a] for a in _AXES)
    dtype = model.velocity.dtype
    dx, m = model.dx, order // 2
    widths = (0, 0, 0, 0) if boundary is None else boundary.widths
    free = boundary is not None and boundary.free_surface
    top, left = widths[0], widths[2]
    setup = _prepare(model, shot, dt, order, boundary)
    shape = setup.vel.shape
    blocks = _check_blocks(shape, parts, m)
    grid = lambda a: jnp.broadcast_to(a, shape)  # noqa: E731
    profiles = [None if p is None else tuple(grid(c) for c in p) for p in setup.profiles]
    (sz, sx), (rz, rx) = setup.src, setup.rec
    n_src, n_steps = shot.sources.shape[0], shot.wavelets.shape[-1]
    onehots = jnp.zeros((n_src, *shape), dtype).at[jnp.arange(n_src), sz, sx].add(setup.src_scale)
    keep = grid((jnp.arange(shape[0]) > 0).astype(dtype)[:, None]) if free else None
    forcing, seg, n_seg = segmented(shot.wavelets.astype(dtype).T, snapshot_every, checkpoint, segment_length)

    def local(dt2_kappa, buoyancy, profiles, onehots, keep, forcing, rz, rx):
        index = [lax.axis_index(a) for a in _AXES]

        def derivative(op, x, axis, odd: bool):
            fs = free and axis == 0
            if parts[axis] == 1:
                return op(x, order, axis, fs)
            k, name = parts[axis], _AXES[axis]
            n = x.shape[axis]
            low = lax.ppermute(
                lax.slice_in_dim(x, n - m, n, axis=axis), name, [(j, j + 1) for j in range(k - 1)]
            )
            high = lax.ppermute(
                lax.slice_in_dim(x, 0, m, axis=axis), name, [(j + 1, j) for j in range(k - 1)]
            )
            if fs:  # the top block mirrors its own cells, as `_stencils._pad` does
                start, sign = (1, -1.0) if odd else (0, 1.0)
                mirror = sign * lax.rev(lax.slice_in_dim(x, start, start + m, axis=axis), (axis,))
                low = jnp.where(index[0] == 0, mirror, low)
            out = op(jnp.concatenate([low, x, high], axis), order, axis, False)
            return lax.slice_in_dim(out, m, m + n, axis=axis)

        lz, lx = rz - index[0] * blocks[0], rx - index[1] * blocks[1]
        here = (lz >= 0) & (lz < blocks[0]) & (lx >= 0) & (lx < blocks[1])
        lz, lx = jnp.clip(lz, 0, blocks[0] - 1), jnp.clip(lx, 0, blocks[1] - 1)

        def step(state, f):
            p_prev, p, memories = state
            record = jnp.where(here, p[lz, lx], 0.0)
            lap, memories = cpml_operator(p, memories, profiles, buoyancy, dx, derivative)
            p_next = 2.0 * p - p_prev + dt2_kappa * lap
            for k in range(n_src):
                p_next = p_next + f[k] * onehots[k]
            if free:
                p_next = p_next * keep
            return (p, p_next, memories), record

        def segment(state, f_seg):
            snap = state[1] if snapshot_every else None
            state, recs = lax.scan(step, state, f_seg, unroll=min(seg, unroll))
            return state, (snap, recs)

        if checkpoint:
            segment = jax.checkpoint(segment)
        zeros = jnp.zeros(dt2_kappa.shape, dtype)
        memories = [None if prof is None else (zeros, zeros) for prof in profiles]
        outer = max(1, min(n_seg, unroll // seg))
        _, (snaps, recs) = lax.scan(segment, (zeros, zeros, memories), forcing, unroll=outer)
        return lax.psum(recs, _AXES), snaps

    g, whole = PartitionSpec(*_AXES), PartitionSpec()
    run = jax.shard_map(
        local,
        mesh=mesh,
        in_specs=(g, g, g, PartitionSpec(None, *_AXES), g, whole, whole, whole),
        out_specs=(whole, PartitionSpec(None, *_AXES) if snapshot_every else whole),
        check_vma=False,  # the scans start from unvarying zeros that the blocks make varying
    )
    recs, snaps = run(setup.dt2_kappa, setup.buoyancy, profiles, onehots, keep, forcing, rz, rx)
    traces = recs.reshape(n_seg * seg, -1)[:n_steps]
    if snapshot_every:
        nz, nx = model.shape
        snaps = snaps[:, top : top + nz, left : left + nx]
    return WaveSolution(traces=traces, snapshots=snaps)
