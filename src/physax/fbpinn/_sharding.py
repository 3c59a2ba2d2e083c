r"""FBPINN training with the subdomains split over several devices (and processes).

The FBPINN output is a window-weighted sum over subdomains,

$$\hat u(x) = \frac{\sum_j \omega_j(x) N_j(x)}{\sum_j \omega_j(x)}
  = \frac{\sum_d \sum_{j \in S_d} \omega_j(x) N_j(x)}{\sum_d \sum_{j \in S_d} \omega_j(x)},$$

so each device `d` of a 1-D mesh (`physax.distributed.device_mesh`, axis
`"subdomains"`) evaluates the (point, subdomain) pairs of its own contiguous block
$S_d$ of subdomains, with its own slice of the stacked subnetwork parameters, and
the partial numerator and denominator jets (value and derivatives) are summed across
devices with `shard_map` + `psum` (one all-reduce per evaluation). Everything after the
sum (the quotient, the level average, the unnormalisation and the hard constraint) is the
same program on every device. When the subdomain count does not divide the device count,
the stacked parameters are padded inside the compiled step with inactive subdomains that
appear in no pair (their window weight is zero everywhere), so no count is refused.

Parameters, Adam state and points are replicated (they are small); the pair lists, which
hold the cost of an FBPINN step, are split by the device that owns each pair's subdomain
and padded to a common length with pairs that are dropped from the sums.
"""

from __future__ import annotations

from collections.abc import Sequence

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec

from .. import distributed
from ._jetops import affine, product, quotient, reduce_levels, segment_sum, transform
from ._model import FBPINN, pair_jets, seed_jets
from ._pairs import Pairs
from ._trainer import FBPINNTrainer

AXIS = "subdomains"


def subdomain_mesh(devices: int | str | Sequence[jax.Device] | None) -> Mesh | None:
    """A 1-D mesh named `"subdomains"` (see `physax.distributed.device_mesh`), or `None`."""
    return distributed.device_mesh(devices, AXIS)


class ShardedPairs(eqx.Module):
    """A pair list split by subdomain owner: row `d` holds device `d`'s pairs.

    `sub` is local to the device's block of `block` subdomains; padding pairs carry the
    segment `n_points * n_levels` (out of range, dropped by the segment sums).
    """

    point: jax.Array
    sub: jax.Array
    segment: jax.Array
    live_levels: jax.Array
    n_points: int = eqx.field(static=True)
    n_levels: int = eqx.field(static=True)
    block: int = eqx.field(static=True)


def split_pairs(pairs: Pairs, n_subdomains: int, mesh: Mesh) -> ShardedPairs:
    """Group `pairs` by the device owning their subdomain, padded to one length, rows sharded."""
    D = mesh.size
    block = -(-n_subdomains // D)
    point, sub, seg = (np.asarray(a) for a in (pairs.point, pairs.sub, pairs.segment))
    owner = sub // block
    counts = np.bincount(owner, minlength=D)
    width = max(int(counts.max()), 1)
    drop = pairs.n_points * pairs.n_levels
    P = np.zeros((D, width), np.int32)
    S = np.zeros((D, width), np.int32)
    G = np.full((D, width), drop, np.int32)
    for d in range(D):
        keep = owner == d  # a stable selection keeps the per-device list sorted by segment
        n = int(counts[d])
        P[d, :n], S[d, :n], G[d, :n] = point[keep], sub[keep] - d * block, seg[keep]
    rows = NamedSharding(mesh, PartitionSpec(AXIS))
    put = lambda a: jax.device_put(jnp.asarray(a), rows)
    live = distributed.replicate(jnp.asarray(pairs.live_levels), mesh)
    return ShardedPairs(put(P), put(S), put(G), live, pairs.n_points, pairs.n_levels, block)


class ShardedView:
    """An `FBPINN` evaluated with its subdomains split over `mesh` (inside `jit`)."""

    def __init__(self, model: FBPINN, mesh: Mesh):
        self.model, self.mesh = model, mesh

    def jets(self, points, pairs: ShardedPairs, dirs=(), pair_index=()):
        m, mesh = self.model, self.mesh
        arrays, static = eqx.partition(m.nets, eqx.is_inexact_array)
        centres, widths = jax.lax.stop_gradient((m.centres, m.widths))
        pad = pairs.block * mesh.size - m.n_subdomains  # inactive subdomains: in no pair

        def grow(a):
            return jnp.pad(a, [(0, pad)] + [(0, 0)] * (a.ndim - 1), mode="edge") if pad else a

        arrays, centres, widths = jax.tree.map(grow, (arrays, centres, widths))
        seed = seed_jets(points, dirs, pair_index)
        segments = pairs.n_points * pairs.n_levels

        def local(arrays, centres, widths, point, sub, segment, seed):
            mine = Pairs(point[0], sub[0], segment[0], pairs.live_levels, pairs.n_points, pairs.n_levels)
            nets = eqx.combine(arrays, static)
            nn, win = pair_jets(nets, centres, widths, m.window, seed, mine)
            num = segment_sum(product(win, nn), mine.segment, segments)
            den = segment_sum(win, mine.segment, segments)
            return jax.lax.psum((num, den), AXIS)

        split, whole = PartitionSpec(AXIS), PartitionSpec()
        num, den = jax.shard_map(
            local,
            mesh=mesh,
            in_specs=(split, split, split, split, split, split, whole),
            out_specs=whole,
        )(arrays, centres, widths, pairs.point, pairs.sub, pairs.segment, seed)
        u = reduce_levels(quotient(num, den), pairs.n_points, pairs.n_levels, pairs.live_levels)
        u = affine(u, m.scale, m.shift)
        if m.constraint is not None:
            u = jax.vmap(lambda s, o: transform(s, o, m.constraint))(seed, u)
        return u

    def values(self, points, pairs: ShardedPairs):
        return self.jets(points, pairs).v


class ShardedTrainer(FBPINNTrainer):
    """`FBPINNTrainer` whose model evaluations run with the subdomains split over `mesh`."""

    mesh: Mesh = eqx.field(static=True)

    def terms(self, model: FBPINN, theta, batch, pairs, values=None) -> dict:
        return FBPINNTrainer.terms(self, ShardedView(model, self.mesh), theta, batch, pairs, values)


def place_stage(data, model: FBPINN, mesh: Mesh):
    """A stage's data on the mesh: pair lists split by subdomain owner, the rest replicated."""
    J = model.n_subdomains
    pairs = {k: split_pairs(p, J, mesh) for k, p in data.pairs.items()}
    return type(data)(
        distributed.replicate(data.active, mesh),
        distributed.replicate(data.batch, mesh),
        pairs,
        distributed.replicate(data.values, mesh),
    )


def replicate(tree, mesh: Mesh):
    """Every array of `tree` copied to every device of `mesh`."""
    return distributed.replicate(tree, mesh)


def to_host(tree):
    """`tree` with every array whole on this process (see `physax.distributed.to_host`)."""
    return distributed.to_host(tree)
