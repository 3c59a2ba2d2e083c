"""Dense layers with optional random weight factorisation, and an MLP built from them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import Array, Float, PRNGKeyArray

from .jet import Jet, elementwise, linear


class RandomWeightFactorisation(eqx.Module):
    r"""How to factorise a dense weight: $W = \mathrm{diag}(e^{s}) V$ with $s \sim N(\mu, \sigma^2)$.

    Random weight factorisation (Wang, Wang, Sankaran & Perdikaris 2023, "An expert's guide
    to training physics-informed neural networks"; Wang et al. 2022 "Random weight
    factorization improves the training of continuous neural representations"). The layer
    starts from the same Glorot weight $W$ as a plain layer, draws one scale $s_i$ per output
    neuron and stores $V = \mathrm{diag}(e^{-s}) W$; $s$ and $V$ are trained. The function at
    initialisation is unchanged; the gradient flow is reparametrised so each neuron's scale
    adapts on its own.

    **Arguments:**

    - `mean`: $\mu$, the mean of $s$ (the paper recommends 0.5 or 1.0).
    - `std`: $\sigma$, the standard deviation of $s$ (0.1).

    **Example:**

    >>> # the factorised layer computes what the plain one does, from other parameters
    >>> plain = Dense(3, 8, key=jax.random.key(0))
    >>> factorised = Dense(3, 8, rwf=RandomWeightFactorisation(mean=1.0, std=0.1), key=jax.random.key(0))
    >>> bool(jnp.allclose(plain(jnp.ones(3)), factorised(jnp.ones(3)), atol=1e-5))
    True
    >>> factorised.log_scale.shape, bool(jnp.allclose(plain.weight, factorised.weight))
    ((8,), False)
    """

    mean: float = eqx.field(static=True, default=1.0)
    std: float = eqx.field(static=True, default=0.1)

    def __check_init__(self):
        if not (abs(self.mean) < 10 and 0 <= self.std < 10):
            raise ValueError(
                f"RandomWeightFactorisation needs |mean| < 10 and 0 <= std < 10, got {self.mean}, {self.std}."
            )


class Dense(eqx.Module):
    r"""An affine layer $y = W h + b$ (Glorot normal $W$, zero $b$), optionally factorised.

    With `rwf`, the trainable parameters are $V$ (`weight`) and $s$ (`log_scale`) and
    $W = \mathrm{diag}(e^{s}) V$ (see `RandomWeightFactorisation`); `kernel` is $W$ either way.

    **Arguments:**

    - `in_size`, `out_size`: dimensions.
    - `rwf`: a `RandomWeightFactorisation`, or `None` for a plain layer.
    - `key`: PRNG key.
    - `dtype`: parameter dtype (float32).

    **Returns:** a module mapping `(in_size,)` to `(out_size,)`.

    **Example:**

    >>> layer = Dense(2, 4, key=jax.random.key(0))
    >>> layer(jnp.ones(2)).shape, layer.kernel.shape, layer.bias.tolist()
    ((4,), (4, 2), [0.0, 0.0, 0.0, 0.0])
    """

    weight: Float[Array, "o i"]
    bias: Float[Array, " o"]
    log_scale: Float[Array, " o"] | None

    def __init__(
        self,
        in_size: int,
        out_size: int,
        *,
        rwf: RandomWeightFactorisation | None = None,
        key: PRNGKeyArray,
        dtype=jnp.float32,
    ):
        if in_size < 1 or out_size < 1:
            raise ValueError(f"Dense needs in_size, out_size >= 1; got {in_size}, {out_size}.")
        kw, ks = jax.random.split(key)
        w = jax.random.normal(kw, (out_size, in_size), dtype) * jnp.sqrt(2.0 / (in_size + out_size)).astype(
            dtype
        )
        self.bias = jnp.zeros((out_size,), dtype)
        if rwf is None:
            self.weight, self.log_scale = w, None
        else:
            s = rwf.mean + rwf.std * jax.random.normal(ks, (out_size,), dtype)
            self.weight, self.log_scale = w * jnp.exp(-s)[:, None], s

    @property
    def kernel(self) -> Float[Array, "o i"]:
        """The effective weight `W` (`diag(exp(s)) V` when factorised)."""
        return self.weight if self.log_scale is None else jnp.exp(self.log_scale)[:, None] * self.weight

    def with_kernel(self, w: Array, b: Array) -> Dense:
        """The same layer with effective weight `w` and bias `b` (the scales `s` are kept)."""
        v = w if self.log_scale is None else w * jnp.exp(-self.log_scale)[:, None]
        return eqx.tree_at(
            lambda d: (d.weight, d.bias), self, (v.astype(self.weight.dtype), b.astype(self.bias.dtype))
        )

    def __call__(self, h: Float[Array, " i"], *, key=None) -> Float[Array, " o"]:
        return self.kernel @ h + self.bias

    def taylor(self, jet: Jet) -> Jet:
        return linear(jet, self.kernel, self.bias)


def _squeeze(jet: Jet) -> Jet:
    return jet.map(jet.v[0], [x[0] for x in jet.d1], [x[0] for x in jet.d2])


# The networks built from `Dense` layers run one forward pass for an array (`__call__`) and
# for a Taylor jet (`taylor`): these steps take either and keep the same arithmetic.


def apply(module, h):
    """`module(h)` for an array `h`, `module.taylor(h)` for a `Jet`."""
    return module.taylor(h) if isinstance(h, Jet) else module(h)


def activate(layer: Dense, h, activation: Callable):
    """`activation(layer(h))`, for an array or a `Jet`."""
    y = apply(layer, h)
    return elementwise(y, activation) if isinstance(y, Jet) else activation(y)


def readout(layer: Dense, h, out_size: int | Literal["scalar"]):
    """The output layer `layer(h)`, its single entry for a `"scalar"` network (array or `Jet`)."""
    y = apply(layer, h)
    if out_size != "scalar":
        return y
    return _squeeze(y) if isinstance(y, Jet) else y[0]


class FactorisedMLP(eqx.Module):
    r"""The `MLP` of `Dense` layers with random weight factorisation.

    $h_{k+1} = \sigma(W_k h_k + b_k)$, output $W_L h_L + b_L$, every
    $W = \mathrm{diag}(e^{s}) V$ (Wang et al. 2023). At initialisation it computes the same
    function as `MLP` with the same weights; only the parametrisation differs.

    **Arguments:**

    - `in_size`: input dimension.
    - `out_size`: output dimension, or `"scalar"` for a scalar output.
    - `width`, `depth`: hidden width and number of hidden layers.
    - `activation`: elementwise nonlinearity (`tanh`).
    - `rwf`: a `RandomWeightFactorisation` (default `RandomWeightFactorisation()`).
    - `key`, `dtype`: PRNG key and parameter dtype.

    **Returns:** a module mapping `(in_size,)` to `(out_size,)` or `()`.

    **Example:**

    >>> net = FactorisedMLP(2, "scalar", 32, 3, rwf=RandomWeightFactorisation(), key=jax.random.key(0))
    >>> net(jnp.zeros(2)).shape, len(net.layers)
    ((), 4)
    """

    layers: list[Dense]
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
        check_sizes("FactorisedMLP", in_size, out_size, width, depth)
        sizes = [in_size] + [width] * depth + [1 if out_size == "scalar" else out_size]
        keys = jax.random.split(key, len(sizes) - 1)
        self.layers = [
            Dense(i, o, rwf=rwf or RandomWeightFactorisation(), key=k, dtype=dtype)
            for k, i, o in zip(keys, sizes[:-1], sizes[1:])
        ]
        self.activation = activation
        self.out_size = out_size

    def __call__(self, x: Float[Array, " in"], *, key=None) -> Array:
        return self._forward(x)

    def taylor(self, jet: Jet) -> Jet:
        return self._forward(jet)

    def _forward(self, x):
        for layer in self.layers[:-1]:
            x = activate(layer, x, self.activation)
        return readout(self.layers[-1], x, self.out_size)


def check_sizes(name: str, in_size, out_size, width, depth) -> None:
    """One-line ValueError unless the sizes describe a network."""
    if in_size < 1 or width < 1 or depth < 1:
        raise ValueError(f"{name} needs in_size, width, depth >= 1; got {in_size}, {width}, {depth}.")
    if out_size != "scalar" and (not isinstance(out_size, int) or out_size < 1):
        raise ValueError(f"{name} out_size must be a positive int or 'scalar', got {out_size!r}.")
