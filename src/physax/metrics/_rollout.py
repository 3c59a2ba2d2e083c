"""Per-sample error metrics and their per-rollout-step curves (APEBench-style)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float


def mse(pred: Float[Array, " *shape"], ref: Float[Array, " *shape"]) -> Float[Array, ""]:
    r"""Mean squared error $\frac1n\sum_i (\hat u_i - u_i)^2$ of one sample."""
    return jnp.mean(jnp.square(pred - ref))


def nrmse(pred: Float[Array, " *shape"], ref: Float[Array, " *shape"]) -> Float[Array, ""]:
    r"""Normalised RMSE $\sqrt{\sum_i(\hat u_i - u_i)^2 / \sum_i u_i^2}$ of one sample.

    Also exported as `rel_l2` (the relative L2 error). For a float64 score on the host,
    whatever JAX's precision, see `rel_l2_float64`.

    Example:
        >>> float(nrmse(jnp.array([3.0, 4.0]), jnp.array([3.0, 5.0])))  # 1 / sqrt(34)
        0.171...
    """
    return jnp.sqrt(jnp.sum(jnp.square(pred - ref)) / jnp.sum(jnp.square(ref)))


rel_l2 = nrmse  # the same quantity under its operator-learning name


def correlation(pred: Float[Array, " *shape"], ref: Float[Array, " *shape"]) -> Float[Array, ""]:
    r"""Pearson correlation of the flattened fields, $\mathrm{cov}(\hat u, u) / (\sigma_{\hat u}\sigma_u)$."""
    p = pred.ravel() - jnp.mean(pred)
    r = ref.ravel() - jnp.mean(ref)
    return jnp.sum(p * r) / jnp.sqrt(jnp.sum(p * p) * jnp.sum(r * r))


def rollout_metrics(
    pred: Float[Array, "*batch t c *spatial"],
    ref: Float[Array, "*batch t c *spatial"],
    *,
    spatial_dims: int = 1,
) -> dict[str, Float[Array, " t"]]:
    """MSE, nRMSE and correlation per rollout step, averaged over leading batch axes.

    `pred` and `ref` are rollouts without the initial condition, shape ``(..., T, C, *spatial)``
    with `spatial_dims` spatial axes; returns ``{"mse", "nrmse", "correlation"}`` each of shape
    ``(T,)``.

    **Example:** ``m = rollout_metrics(emulated[:, 1:], reference[:, 1:])``.
    """
    if pred.shape != ref.shape:
        raise ValueError(f"prediction shape {pred.shape} does not match reference shape {ref.shape}.")
    sample_ndim = spatial_dims + 1
    if pred.ndim < sample_ndim + 1:
        raise ValueError(
            f"need shape (..., T, C, *spatial) with {spatial_dims} spatial axes, got {pred.shape}."
        )
    flat_p = pred.reshape((-1,) + pred.shape[-sample_ndim:])
    flat_r = ref.reshape((-1,) + ref.shape[-sample_ndim:])
    T = pred.shape[-sample_ndim - 1]
    out = {}
    for name, fn in (("mse", mse), ("nrmse", nrmse), ("correlation", correlation)):
        values = jax.vmap(fn)(flat_p, flat_r).reshape(-1, T)
        out[name] = jnp.mean(values, axis=0)
    return out


def gmean_nrmse(nrmse_per_step, num_steps: int = 100) -> float:
    r"""Geometric mean $\exp(\frac1K\sum_{t=1}^{K}\log \mathrm{nRMSE}_t)$ over the first
    $K$ = `num_steps` rollout steps (APEBench's headline metric; fewer if the curve is shorter)."""
    v = np.asarray(nrmse_per_step, dtype=float)[:num_steps]
    if v.size == 0:
        raise ValueError("gmean_nrmse needs at least one rollout step.")
    return float(np.exp(np.mean(np.log(np.maximum(v, 1e-300)))))


def correlation_time(correlation_per_step, threshold: float = 0.8) -> int:
    """Number of rollout steps before the correlation first drops below `threshold`.

    Step ``t`` (1-based) is the ``t-1``-th entry; returns the count of leading steps with
    correlation >= threshold, i.e. the full length when it never drops.
    """
    c = np.asarray(correlation_per_step, dtype=float)
    below = np.nonzero(~(c >= threshold))[0]
    return int(below[0]) if below.size else int(c.size)
