"""Grad-norm loss balancing: weights that equalise the gradient magnitude of every loss term."""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
from jax.flatten_util import ravel_pytree
from jaxtyping import Array


class GradNormBalancing(eqx.Module):
    r"""Global adaptive loss weights from gradient norms (Wang, Sankaran, Wang & Perdikaris
    2023, "An expert's guide to training physics-informed neural networks", Alg. 1).

    Every `every` steps of a first-order phase (Adam) the weights are reset towards

    $$\hat\lambda_k = \frac{\sum_j \|\nabla_\theta \mathcal L_j\|}{\|\nabla_\theta \mathcal L_k\|},
      \qquad \lambda_k \leftarrow \alpha\,\lambda_k + (1 - \alpha)\,\hat\lambda_k,$$

    so each term pulls on the parameters with the same strength; the loss minimised is
    `sum_k w_k lambda_k L_k` (`w_k` the static weights). The weights are part of the
    training state (checkpointed, resumed) and are held fixed during quasi-Newton and
    Gauss-Newton phases, whose curvature models need a fixed objective.

    **Arguments:**

    - `every`: steps between updates (Wang et al.: 1000).
    - `alpha`: moving-average factor (Wang et al.: 0.9).

    **Example:**

    >>> problem, net = Heat1D(), MLP(2, "scalar", width=8, depth=2, key=jax.random.key(0))
    >>> result = fit(problem, net, key=jax.random.key(1), collocation=Collocation(64, 16, 16),
    ...              phases=[Adam(20)], balancing=GradNormBalancing(every=10), chunk=10,
    ...              progress=False, track_error=False)
    >>> sorted(result.state.balance), bool(result.state.balance["pde"] != 1.0)
    (['bc', 'ic', 'pde'], True)
    """

    every: int = 1000
    alpha: float = 0.9

    def __check_init__(self):
        if self.every < 1:
            raise ValueError(f"GradNormBalancing needs every >= 1, got {self.every}.")
        if not 0 <= self.alpha < 1:
            raise ValueError(f"GradNormBalancing needs 0 <= alpha < 1, got {self.alpha}.")

    def init(self, names) -> dict[str, Array]:
        return {k: jnp.array(1.0) for k in names}

    def update(self, terms_fn, params, weights: dict[str, Array]) -> dict[str, Array]:
        """New weights from the gradient norm of each term (`terms_fn(params) -> dict`)."""
        grads = jax.jacrev(terms_fn)(params)
        norms = {k: jnp.linalg.norm(ravel_pytree(g)[0]) for k, g in grads.items()}
        total = sum(norms.values())
        tiny = jnp.finfo(total.dtype).tiny
        return {
            k: self.alpha * weights[k] + (1 - self.alpha) * total / jnp.maximum(norms[k], tiny)
            for k in weights
        }
