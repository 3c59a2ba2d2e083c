"""Deep operator network (Lu et al. 2021): branch net on sensor values, trunk net on coordinates."""

from __future__ import annotations

from collections.abc import Callable

import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import Array, Float, PRNGKeyArray

from ._conv import check_activation
from ._mlp import MLP


class DeepONet(eqx.Module):
    r"""DeepONet $G(u)(y) = \sum_{k=1}^{p} b_k(u)\, t_k(y) + b_0$ (Lu et al. 2021).

    The branch MLP reads the input function at its `num_sensors` sensor points (the flattened
    channel-first sample); the trunk MLP reads a query coordinate $y \in \mathbb{R}^d$. Each
    output channel uses its own block of `basis` branch/trunk features. `__call__(u, y)` takes
    one input function `u` of shape `(C, *spatial)` (`C * prod(spatial) == num_sensors`) and
    query points `y` of shape `(n, d)` and returns shape `(out_channels, n)`.

    **Arguments:**

    - `num_sensors`: values of the input function the branch reads.
    - `coord_dim`: $d$, the dimension of a query point.
    - `out_channels`: output channels.
    - `basis`: $p$, features per output channel (64).
    - `width`, `depth`: hidden width and hidden layers of both MLPs.
    - `activation`: a callable (default `jax.nn.gelu`).
    - `key`: PRNG key.

    **Example:**

    >>> # one input function on 32 sensors, queried at 5 points
    >>> op = DeepONet(32, 1, basis=8, width=16, depth=2, key=jax.random.key(0))
    >>> u0 = jnp.sin(jnp.linspace(0.0, jnp.pi, 32))[None]
    >>> op(u0, jnp.linspace(0.0, 1.0, 5)[:, None]).shape
    (1, 5)
    """

    branch: MLP
    trunk: MLP
    bias: Array
    num_sensors: int = eqx.field(static=True)
    out_channels: int = eqx.field(static=True)
    basis: int = eqx.field(static=True)
    activation: Callable = eqx.field(static=True)

    def __init__(
        self,
        num_sensors: int,
        coord_dim: int,
        out_channels: int = 1,
        *,
        basis: int = 64,
        width: int = 128,
        depth: int = 3,
        activation: Callable = jax.nn.gelu,
        key: PRNGKeyArray,
    ):
        act = check_activation(activation, "DeepONet")
        kb, kt = jax.random.split(key)
        p = basis * out_channels
        self.branch = MLP(num_sensors, p, width, depth, act, key=kb)
        self.trunk = MLP(coord_dim, p, width, depth, act, key=kt)
        self.bias = jnp.zeros((out_channels,), jnp.float32)
        self.num_sensors = num_sensors
        self.out_channels = out_channels
        self.basis = basis
        self.activation = activation

    def __call__(self, u: Float[Array, " c *spatial"], y: Float[Array, "n d"]) -> Float[Array, " c_out n"]:
        if u.size != self.num_sensors:
            raise ValueError(
                f"DeepONet has {self.num_sensors} sensors but the input function has {u.size} "
                f"values (shape {u.shape}); sample it at the sensor points it was built for."
            )
        if y.ndim != 2 or y.shape[1] != self.trunk.in_size:
            raise ValueError(
                f"DeepONet query points must have shape (n, {self.trunk.in_size}), got {y.shape}."
            )
        b = self.branch(u.reshape(-1)).reshape(self.out_channels, self.basis)
        t = jax.vmap(self.trunk)(y).reshape(y.shape[0], self.out_channels, self.basis)
        return jnp.einsum("ck,nck->cn", b, t) + self.bias[:, None]


class GridDeepONet(eqx.Module):
    r"""A `DeepONet` queried at fixed grid points, so it maps a state `(C, *spatial)` to one.

    $u \mapsto \big(G(u)(y_1), \dots, G(u)(y_n)\big)$ for the stored query points $y_j$: the
    output has the input's shape, so it trains and rolls out like any grid emulator or neural
    operator (`physax.emulators.Trainer`, FNO side by side). The points are constants:
    gradients do not flow into them. A periodic trunk input such as
    $y = (\cos 2\pi x, \sin 2\pi x)$ builds periodicity in (Lu et al. 2022, "A comprehensive
    and fair comparison of two neural operators").

    **Arguments:**

    - `net`: the `DeepONet`; its `num_sensors` must equal the state's size and its
      `out_channels` times the number of points too.
    - `points`: query points, shape `(n, coord_dim)`, in the order of the flattened
      spatial grid.

    **Example:**

    >>> x = jnp.linspace(0, 1, 64, endpoint=False)
    >>> y = jnp.stack([jnp.cos(2 * jnp.pi * x), jnp.sin(2 * jnp.pi * x)], -1)
    >>> op = GridDeepONet(DeepONet(64, 2, 1, basis=8, width=16, depth=2, key=jax.random.key(0)), y)
    >>> op(jnp.sin(2 * jnp.pi * x)[None]).shape       # a state in, a state out
    (1, 64)
    """

    net: DeepONet
    points: Array

    def __check_init__(self):
        if self.points.ndim != 2 or self.points.shape[1] != self.net.trunk.in_size:
            raise ValueError(
                f"GridDeepONet points must have shape (n, {self.net.trunk.in_size}) (the trunk's "
                f"input size), got {self.points.shape}."
            )

    def __call__(self, u: Float[Array, " c *spatial"]) -> Float[Array, " c *spatial"]:
        out = self.net(u, jax.lax.stop_gradient(self.points))  # the grid is not trained
        return out.reshape(self.net.out_channels, *u.shape[1:])
