"""The modified MLP of Wang, Teng & Perdikaris (2021): two encoders gate every hidden layer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import Array, Float, PRNGKeyArray

from ._dense import Dense, RandomWeightFactorisation, activate, check_sizes, readout
from .jet import Jet, combine, multiply


def gate(z, u, v):
    """`(1 - z) u + z v` for arrays, or for jets (product rule)."""
    if isinstance(z, Jet):
        return combine(u, multiply(z, combine(v, u, 1.0, -1.0)))
    return u + z * (v - u)


def encode(encoder_u: Dense, encoder_v: Dense, x, activation: Callable):
    """The two gates' encodings `U = activation(encoder_u(x))`, `V = activation(encoder_v(x))`."""
    return activate(encoder_u, x, activation), activate(encoder_v, x, activation)


def gated(layers, h, u, v, activation: Callable):
    """`h <- gate(activation(layer(h)), u, v)` through `layers` in turn (arrays or jets)."""
    for layer in layers:
        h = gate(activate(layer, h, activation), u, v)
    return h


class ModifiedMLP(eqx.Module):
    r"""The modified MLP: two encoders of the input gate every hidden layer.

    $$U = \sigma(W_u x + b_u), \quad V = \sigma(W_v x + b_v), \quad H_0 = x,$$

    $$Z_k = \sigma(W_k H_{k-1} + b_k), \quad H_k = (1 - Z_k) \odot U + Z_k \odot V \quad (k = 1, \dots, L),$$

    $$f(x) = W_{out} H_L + b_{out}.$$

    Wang, Teng & Perdikaris (2021), "Understanding and mitigating gradient flow pathologies in
    physics-informed neural networks"; here every hidden layer is gated. The multiplicative
    gating carries the input to every layer and eases the stiff gradient dynamics of plain
    MLPs on PINN losses. Every dense layer may use random weight factorisation (`rwf`).

    **Arguments:**

    - `in_size`: input dimension.
    - `out_size`: output dimension or `"scalar"`.
    - `width`: hidden width (also that of the encoders).
    - `depth`: number of hidden layers $L$ (>= 1).
    - `activation`: elementwise nonlinearity (`tanh`).
    - `rwf`: a `RandomWeightFactorisation` for every layer, or `None`.
    - `key`, `dtype`: PRNG key and parameter dtype.

    **Returns:** a module mapping `(in_size,)` to `(out_size,)` or `()`.

    **Example:**

    >>> net = ModifiedMLP(2, "scalar", width=32, depth=3, key=jax.random.key(0))
    >>> net(jnp.zeros(2)).shape, jax.grad(net)(jnp.zeros(2)).shape
    ((), (2,))
    """

    encoder_u: Dense
    encoder_v: Dense
    hidden: list[Dense]
    output: Dense
    activation: Callable = eqx.field(static=True)
    out_size: int | Literal["scalar"] = eqx.field(static=True)

    def __init__(
        self,
        in_size: int,
        out_size: int | Literal["scalar"],
        width: int,
        depth: int,
        activation: Callable = jnp.tanh,
        *,
        rwf: RandomWeightFactorisation | None = None,
        key: PRNGKeyArray,
        dtype=jnp.float32,
    ):
        check_sizes("ModifiedMLP", in_size, out_size, width, depth)
        ku, kv, ko, *kh = jax.random.split(key, 3 + depth)
        dense = lambda i, o, k: Dense(i, o, rwf=rwf, key=k, dtype=dtype)
        self.encoder_u = dense(in_size, width, ku)
        self.encoder_v = dense(in_size, width, kv)
        self.hidden = [dense(in_size if i == 0 else width, width, k) for i, k in enumerate(kh)]
        self.output = dense(width, 1 if out_size == "scalar" else out_size, ko)
        self.activation = activation
        self.out_size = out_size

    def __call__(self, x: Float[Array, " in"], *, key=None) -> Array:
        return self._forward(x)

    def taylor(self, jet: Jet) -> Jet:
        return self._forward(jet)

    def _forward(self, x):
        u, v = encode(self.encoder_u, self.encoder_v, x, self.activation)
        return readout(self.output, gated(self.hidden, x, u, v, self.activation), self.out_size)
