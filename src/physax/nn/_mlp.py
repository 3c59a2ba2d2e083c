"""Multilayer perceptron with Glorot initialisation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import Array, Float, PRNGKeyArray

from .jet import Jet, elementwise, linear


class MLP(eqx.Module):
    r"""A fully connected network $\mathbb{R}^{in} \to \mathbb{R}^{out}$: `depth` hidden layers of `width`.

    $h_{k+1} = \sigma(W_k h_k + b_k)$, output $W_L h_L + b_L$. Weights use Glorot (Xavier)
    normal initialisation, std $= \sqrt{2 / (\text{fan}_{in} + \text{fan}_{out})}$
    (Glorot & Bengio 2010), biases start at zero: the usual PINN choice (Raissi et al. 2019).

    **Arguments:**

    - `in_size`: input dimension.
    - `out_size`: output dimension, or `"scalar"` for a scalar output.
    - `width`: neurons per hidden layer.
    - `depth`: number of hidden layers.
    - `activation`: elementwise nonlinearity (default `tanh`).
    - `key`: PRNG key for the weights.
    - `dtype`: parameter dtype (float32 by default).

    **Returns:** a module mapping `(in_size,)` to `(out_size,)` or `()`.

    **Example:**

    >>> net = MLP(2, "scalar", width=20, depth=8, key=jax.random.key(0))
    >>> net(jnp.zeros(2)).shape
    ()
    """

    weights: list[Float[Array, "o i"]]
    biases: list[Float[Array, " o"]]
    activation: Callable = eqx.field(static=True)
    in_size: int = eqx.field(static=True)
    out_size: int | Literal["scalar"] = eqx.field(static=True)

    def __init__(
        self,
        in_size: int,
        out_size: int | Literal["scalar"],
        width: int,
        depth: int,
        activation: Callable = jnp.tanh,
        *,
        key: PRNGKeyArray,
        dtype=jnp.float32,
    ):
        if in_size < 1 or width < 1 or depth < 1:
            raise ValueError(f"MLP needs in_size, width, depth >= 1; got {in_size}, {width}, {depth}.")
        if out_size != "scalar" and (not isinstance(out_size, int) or out_size < 1):
            raise ValueError(f"MLP out_size must be a positive int or 'scalar', got {out_size!r}.")
        sizes = [in_size] + [width] * depth + [1 if out_size == "scalar" else out_size]
        keys = jax.random.split(key, len(sizes) - 1)
        self.weights = [
            jax.random.normal(k, (o, i), dtype) * jnp.sqrt(2.0 / (i + o)).astype(dtype)
            for k, i, o in zip(keys, sizes[:-1], sizes[1:])
        ]
        self.biases = [jnp.zeros((o,), dtype) for o in sizes[1:]]
        self.activation = activation
        self.in_size = in_size
        self.out_size = out_size

    def __call__(self, x: Float[Array, " in"], *, key=None) -> Array:
        h = x
        for w, b in zip(self.weights[:-1], self.biases[:-1]):
            h = self.activation(w @ h + b)
        y = self.weights[-1] @ h + self.biases[-1]
        return y[0] if self.out_size == "scalar" else y

    def taylor(self, jet: Jet) -> Jet:
        """Propagate a Taylor jet (see `physax.nn._jet`)."""
        for w, b in zip(self.weights[:-1], self.biases[:-1]):
            jet = elementwise(linear(jet, w, b), self.activation)
        jet = linear(jet, self.weights[-1], self.biases[-1])
        if self.out_size == "scalar":
            jet = jet.map(jet.v[0], [x[0] for x in jet.d1], [x[0] for x in jet.d2])
        return jet
