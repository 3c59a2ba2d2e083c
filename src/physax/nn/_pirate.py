"""PirateNet (Wang, Li, Chen & Perdikaris 2024): gated adaptive residual blocks over Fourier features."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import Array, Float, PRNGKeyArray

from ._dense import Dense, RandomWeightFactorisation, activate, apply, check_sizes, readout
from ._embeddings import FourierFeatures
from ._modified_mlp import encode, gated
from .jet import Jet, combine


class _Block(eqx.Module):
    """One adaptive residual block: three gated dense layers and a skip weighted by `alpha`."""

    layers: tuple[Dense, Dense, Dense]
    alpha: Float[Array, ""]

    def __call__(self, x, u, v, act):
        """The block on an array or a `Jet` (`u`, `v` alike)."""
        z2 = gated(self.layers[:2], x, v, u, act)  # z = f * U + (1 - f) * V, twice
        h = activate(self.layers[2], z2, act)
        if isinstance(h, Jet):
            return combine(h, x, self.alpha, 1 - self.alpha)
        return self.alpha * h + (1 - self.alpha) * x


class PirateNet(eqx.Module):
    r"""Physics-informed residual adaptive network (PirateNet).

    $$\Phi(x) = [\cos(B x), \sin(B x)], \quad U = \sigma(W_u \Phi + b_u), \quad V = \sigma(W_v \Phi + b_v), \quad x^{(0)} = \Phi(x),$$

    $$f = \sigma(W_1 x^{(l)} + b_1), \; z_1 = f \odot U + (1 - f) \odot V, \; g = \sigma(W_2 z_1 + b_2), \; z_2 = g \odot U + (1 - g) \odot V,$$

    $$h = \sigma(W_3 z_2 + b_3), \quad x^{(l+1)} = \alpha_l h + (1 - \alpha_l) x^{(l)},$$

    $$u_\theta(x) = W_{out} x^{(L)} + b_{out}.$$

    Wang, Li, Chen & Perdikaris (2024), "PirateNets: physics-informed deep learning with
    residual adaptive networks". Every $\alpha_l$ is trainable and starts at 0, so at
    initialisation the network is the linear model $W_{out} \Phi(x) + b_{out}$ on random Fourier
    features (Tancik et al. 2020) and depth is switched on gradually by training.
    `fit_output` is the paper's physics-informed initialisation: $W_{out}, b_{out}$ by
    least squares to initial-condition or observed values. The hidden width equals the
    embedding width `2 * n_features`. Dense layers may use random weight factorisation.

    **Arguments:**

    - `in_size`: input dimension.
    - `out_size`: output dimension or `"scalar"`.
    - `n_features`: Fourier frequencies (hidden width `2 * n_features`).
    - `sigma`: standard deviation of the frequencies (see `FourierFeatures`).
    - `num_blocks`: residual blocks $L$ (>= 1; each holds three dense layers).
    - `activation`: elementwise nonlinearity (`tanh`).
    - `rwf`: a `RandomWeightFactorisation` for every dense layer, or `None`.
    - `key`, `dtype`: PRNG key and parameter dtype.

    **Returns:** a module mapping `(in_size,)` to `(out_size,)` or `()`.

    **Example:**

    >>> # the physics-informed initialisation fits the data before any training
    >>> net = PirateNet(2, "scalar", n_features=32, sigma=1.0, num_blocks=2, key=jax.random.key(0))
    >>> xs = jax.random.uniform(jax.random.key(1), (50, 2))
    >>> net = net.fit_output(xs, jnp.sin(xs[:, 0]))
    >>> bool(jnp.abs(jax.vmap(net)(xs) - jnp.sin(xs[:, 0])).max() < 1e-2)
    True
    """

    embedding: FourierFeatures
    encoder_u: Dense
    encoder_v: Dense
    blocks: list[_Block]
    output: Dense
    activation: Callable = eqx.field(static=True)
    out_size: int | Literal["scalar"] = eqx.field(static=True)

    def __init__(
        self,
        in_size: int,
        out_size: int | Literal["scalar"],
        n_features: int,
        sigma: float,
        num_blocks: int,
        activation: Callable = jnp.tanh,
        *,
        rwf: RandomWeightFactorisation | None = None,
        key: PRNGKeyArray,
        dtype=jnp.float32,
    ):
        check_sizes("PirateNet", in_size, out_size, n_features, num_blocks)
        ke, ku, kv, ko, *kb = jax.random.split(key, 4 + 3 * num_blocks)
        width = 2 * n_features
        dense = lambda i, o, k: Dense(i, o, rwf=rwf, key=k, dtype=dtype)
        self.embedding = FourierFeatures(in_size, n_features, sigma, key=ke, dtype=dtype)
        self.encoder_u = dense(width, width, ku)
        self.encoder_v = dense(width, width, kv)
        self.blocks = [
            _Block(tuple(dense(width, width, k) for k in kb[3 * i : 3 * i + 3]), jnp.zeros((), dtype))
            for i in range(num_blocks)
        ]
        self.output = dense(width, 1 if out_size == "scalar" else out_size, ko)
        self.activation = activation
        self.out_size = out_size

    def features(self, x: Float[Array, " in"]) -> Float[Array, " w"]:
        """The last hidden state `x^(L)` (the embedding itself while every `alpha` is 0)."""
        phi = apply(self.embedding, x)
        u, v = encode(self.encoder_u, self.encoder_v, phi, self.activation)
        for block in self.blocks:
            phi = block(phi, u, v, self.activation)
        return phi

    def __call__(self, x: Float[Array, " in"], *, key=None) -> Array:
        return readout(self.output, self.features(x), self.out_size)

    def taylor(self, jet: Jet) -> Jet:
        return readout(self.output, self.features(jet), self.out_size)

    def fit_output(self, inputs: Array, values: Array) -> PirateNet:
        r"""Physics-informed initialisation: the output layer by least squares to `values`.

        Solves $\min \|[H, 1] [W_{out}; b_{out}]^\top - Y\|_2$ with $H$ the rows of
        `features` at `inputs` (Wang et al. 2024, sec. 4.2), so the network fits the
        initial condition (or data) as well as a linear model on its features can.

        **Arguments:**

        - `inputs`: points, shape `(n, in_size)`.
        - `values`: `(n,)` for a scalar network or `(n, out_size)`.

        **Returns:** the network with the fitted output layer (everything else unchanged).
        """
        inputs = jnp.asarray(inputs, self.output.bias.dtype)
        values = jnp.asarray(values, inputs.dtype)
        n_out = 1 if self.out_size == "scalar" else self.out_size
        y = values.reshape(-1, n_out)
        if inputs.ndim != 2 or y.shape[0] != inputs.shape[0]:
            raise ValueError(
                f"fit_output needs inputs (n, d) and values (n,) or (n, {n_out}); "
                f"got {inputs.shape} and {values.shape}."
            )
        h = jax.vmap(self.features)(inputs)
        design = jnp.concatenate([h, jnp.ones((h.shape[0], 1), h.dtype)], axis=1)
        coef, *_ = jnp.linalg.lstsq(design, y)
        return eqx.tree_at(lambda m: m.output, self, self.output.with_kernel(coef[:-1].T, coef[-1]))
