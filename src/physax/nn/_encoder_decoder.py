"""Convolutional encoder-decoder through a small latent vector (an autoencoder when out = in)."""

from __future__ import annotations

from collections.abc import Callable

import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import Array, Float, PRNGKeyArray

from ._conv import Conv, check_activation, check_dims, check_input
from ._pooling import upsample
from ._strided import StridedConv


class EncoderDecoder(eqx.Module):
    r"""Convolutional encoder $\to$ latent vector $z \in \mathbb{R}^m$ $\to$ convolutional decoder.

    The encoder lifts the input to `width` channels with a convolution, then halves the
    resolution `levels` times with stride-2 convolutions (`StridedConv`), doubling the
    channels each time; a dense layer maps the coarse field to the latent vector $z$
    (`latent_size` numbers, no activation). The decoder mirrors it: a dense layer back to the
    coarse field, then per level a nearest-neighbour upsampling and a convolution halving the
    channels, and a last convolution to `out_channels` (no activation):

    $$\hat y = D_\phi(E_\theta(x)), \qquad E_\theta: \mathbb{R}^{C \times N^d} \to \mathbb{R}^m,
      \quad D_\phi: \mathbb{R}^m \to \mathbb{R}^{C' \times N^d}.$$

    Everything the decoder produces passes through the $m$ numbers of $z$: with $m \ll N^d$ the
    network must find a low-dimensional description of the data (dimension reduction, as
    in Hinton & Salakhutdinov 2006), and fine details that do not fit are lost, unlike in a
    `physax.nn.UNet`, whose skip connections carry them past the bottleneck. The dense
    layers tie the network to one resolution (`spatial_size`) and break translation
    equivariance.

    **Arguments:**

    - `num_spatial_dims`: 1, 2 or 3.
    - `in_channels`, `out_channels`: channels of input and output fields.
    - `spatial_size`: points $N$ per spatial axis, divisible by `2**levels`.
    - `latent_size`: size $m \ge 1$ of the latent vector.
    - `width`: channels after the first convolution (default 8).
    - `levels`: number of stride-2 halvings (default 2).
    - `kernel_size`: of every convolution (default 3).
    - `activation`: a callable (default `jax.nn.relu`).
    - `boundary`: padding of the convolutions (`"periodic"`, `"dirichlet"`, `"neumann"`).
    - `key`: PRNG key of the initial weights.

    **Returns:** a module mapping one channel-first sample `(in_channels, N, ..., N)` to
    `(out_channels, N, ..., N)`; `encode` and `decode` give the two halves.

    **Example:**

    >>> net = EncoderDecoder(2, 1, 1, spatial_size=16, latent_size=8, width=4, key=jax.random.key(0))
    >>> x = jnp.ones((1, 16, 16))
    >>> net.encode(x).shape, net(x).shape
    ((8,), (1, 16, 16))
    """

    lift: Conv
    down: list[StridedConv]
    to_latent: eqx.nn.Linear
    from_latent: eqx.nn.Linear
    up: list[Conv]
    project: Conv
    activation: Callable = eqx.field(static=True)
    num_spatial_dims: int = eqx.field(static=True)
    in_channels: int = eqx.field(static=True)
    spatial_size: int = eqx.field(static=True)
    latent_size: int = eqx.field(static=True)
    levels: int = eqx.field(static=True)

    def __init__(
        self,
        num_spatial_dims: int,
        in_channels: int,
        out_channels: int,
        *,
        spatial_size: int,
        latent_size: int,
        width: int = 8,
        levels: int = 2,
        kernel_size: int = 3,
        activation: Callable = jax.nn.relu,
        boundary: str = "periodic",
        key: PRNGKeyArray,
    ):
        d = check_dims(num_spatial_dims)
        check_activation(activation, "EncoderDecoder")
        for name, v in (("latent_size", latent_size), ("width", width), ("levels", levels)):
            if not isinstance(v, int) or v < 1:
                raise ValueError(f"EncoderDecoder needs {name} to be an int >= 1, got {v!r}.")
        if not isinstance(spatial_size, int) or spatial_size < 2**levels or spatial_size % 2**levels:
            raise ValueError(
                f"EncoderDecoder with {levels} levels needs spatial_size divisible by {2**levels}, "
                f"got {spatial_size!r}; change the resolution or the number of levels."
            )
        keys = iter(jax.random.split(key, 2 * levels + 4))
        chans = [width * 2**lvl for lvl in range(levels + 1)]
        conv = lambda i, o, k=kernel_size: Conv(d, i, o, k, boundary=boundary, key=next(keys))
        self.lift = conv(in_channels, width)
        self.down = [
            StridedConv(d, chans[lvl], chans[lvl + 1], kernel_size, 2, boundary=boundary, key=next(keys))
            for lvl in range(levels)
        ]
        coarse = chans[-1] * (spatial_size // 2**levels) ** d
        self.to_latent = eqx.nn.Linear(coarse, latent_size, dtype=jnp.float32, key=next(keys))
        self.from_latent = eqx.nn.Linear(latent_size, coarse, dtype=jnp.float32, key=next(keys))
        self.up = [conv(chans[lvl + 1], chans[lvl]) for lvl in reversed(range(levels))]
        self.project = conv(width, out_channels)
        self.activation = activation
        self.num_spatial_dims = d
        self.in_channels = in_channels
        self.spatial_size = spatial_size
        self.latent_size = latent_size
        self.levels = levels

    def _check(self, x: Array) -> None:
        check_input(x, self.in_channels, self.num_spatial_dims, "EncoderDecoder")
        want = (self.spatial_size,) * self.num_spatial_dims
        if x.shape[1:] != want:
            raise ValueError(
                f"EncoderDecoder was built for spatial shape {want} (its dense latent layers fix the "
                f"resolution), got {x.shape[1:]}; build it with spatial_size={x.shape[1]}."
            )

    def encode(self, x: Float[Array, " c *spatial"]) -> Float[Array, " latent"]:
        """The latent vector $z = E_\\theta(x)$ of one sample, shape `(latent_size,)`."""
        self._check(x)
        act = self.activation
        h = act(self.lift.channels_last(jnp.moveaxis(x, 0, -1)))  # channel-last inside (XLA:CPU)
        for layer in self.down:
            h = act(layer.channels_last(h))
        return self.to_latent(h.reshape(-1))

    def decode(self, z: Float[Array, " latent"]) -> Float[Array, " c_out *spatial"]:
        """The field $D_\\phi(z)$ decoded from one latent vector `z` of shape `(latent_size,)`."""
        if z.shape != (self.latent_size,):
            raise ValueError(f"decode takes one latent vector of shape ({self.latent_size},), got {z.shape}.")
        d, act = self.num_spatial_dims, self.activation
        n = self.spatial_size // 2**self.levels
        channels = self.up[0].in_channels
        h = act(self.from_latent(z)).reshape((n,) * d + (channels,))
        for layer in self.up:
            h = act(layer.channels_last(upsample(h, 2, tuple(range(d)))))
        return jnp.moveaxis(self.project.channels_last(h), -1, 0)

    def __call__(self, x: Float[Array, " c *spatial"]) -> Float[Array, " c_out *spatial"]:
        return self.decode(self.encode(x).astype(self.from_latent.weight.dtype))
