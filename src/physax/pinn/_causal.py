"""Causal training: weight the PDE residual so early times are fitted before late ones."""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import Array, Float


class CausalWeighting(eqx.Module):
    r"""Causal weights for time-dependent residuals (Wang, Sankaran & Perdikaris 2022).

    The time interval is cut into `bins` slabs; $L_i$ is the mean squared residual of the
    collocation points in slab $i$ and the PDE loss is

    $$\mathcal{L} = \frac{1}{M}\sum_i w_i L_i, \qquad
      w_i = \exp\Big(-\varepsilon \sum_{k<i} L_k\Big)$$

    with the weights held constant under differentiation. A slab only gets weight once
    everything before it has small residual, so the network cannot fit late times with a
    wrong early solution (the failure of plain PINNs on Allen-Cahn, Kuramoto-Sivashinsky
    and fast advection). Works on randomly sampled points: each point is assigned to the
    slab its $t$ falls in.

    Held out of the gradient, weights that follow the parameters make the loss a function
    whose gradient is not the one returned: harmless for Adam, fatal for a line search. The
    quasi-Newton and Newton phases of `fit` therefore take the weights once, at the start
    of the phase and after each redraw of the points, and keep them fixed in between
    (`TrainState.causal_weights`).

    **Arguments:**

    - `epsilon`: causality strength $\varepsilon$ (Wang et al. use 1 to 100; larger is stricter).
    - `bins`: number of time slabs (default 32).

    **Example:**

    >>> # a large early residual switches the later slabs off
    >>> causal = CausalWeighting(epsilon=1.0, bins=4)
    >>> t = jnp.linspace(0.0, 1.0, 8, endpoint=False)
    >>> r2 = jnp.array([2.0, 2.0, 0.5, 0.5, 0.1, 0.1, 0.1, 0.1])   # squared residuals
    >>> losses = causal.slab_losses(r2, t, 0.0, 1.0)
    >>> losses.tolist(), causal.weights(losses).round(3).tolist()
    ([2.0, 0.5, 0.1, 0.1], [1.0, 0.135, 0.082, 0.074])
    >>> round(float(causal(r2, t, 0.0, 1.0)), 4)                  # pass it as fit(causal=...)
    0.5208
    """

    epsilon: float
    bins: int = eqx.field(static=True, default=32)

    def __check_init__(self):
        if not self.epsilon > 0:
            raise ValueError(f"causal epsilon must be > 0, got {self.epsilon}.")
        if self.bins < 2:
            raise ValueError(f"causal weighting needs >= 2 time bins, got {self.bins}.")

    def slab_losses(self, r2: Float[Array, " n"], t: Float[Array, " n"], t0: float, t1: float) -> Array:
        """Mean squared residual per time slab (empty slabs count as 0)."""
        idx = jnp.clip(jnp.floor((t - t0) / (t1 - t0) * self.bins).astype(jnp.int32), 0, self.bins - 1)
        total = jax.ops.segment_sum(r2, idx, self.bins)
        count = jax.ops.segment_sum(jnp.ones_like(r2), idx, self.bins)
        return total / jnp.maximum(count, 1.0)

    def weights(self, slab_losses: Float[Array, " bins"]) -> Float[Array, " bins"]:
        before = jnp.cumsum(slab_losses) - slab_losses
        return jax.lax.stop_gradient(jnp.exp(-self.epsilon * before))

    def __call__(
        self, r2: Float[Array, " n"], t: Float[Array, " n"], t0: float, t1: float, frozen: Array | None = None
    ) -> Array:
        """The causally weighted PDE loss from per-point squared residuals `r2` at times `t`;
        with `frozen` (weights from `weights`, taken at other parameters) those weights."""
        losses = self.slab_losses(r2, t, t0, t1)
        w = self.weights(losses) if frozen is None else jax.lax.stop_gradient(frozen)
        return jnp.mean(w * losses)
