"""Per-sample error metrics and their per-rollout-step curves (APEBench-style)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float


def mse(pred: Float[Array, " *shape"], ref: Float[Array, " *shape"]) -> Float[Array, ""]:
    r"""Mean squared error $\frac1n\sum_i (\hat u_i - u_i)^2$ of one sample.

    **Arguments:** `pred`, `ref`: arrays of one shape.

    **Returns:** a scalar array.

    **Example:**

    >>> float(mse(jnp.array([1.0, 2.0]), jnp.array([1.0, 4.0])))
    2.0
    """
    return jnp.mean(jnp.square(pred - ref))


def nrmse(pred: Float[Array, " *shape"], ref: Float[Array, " *shape"]) -> Float[Array, ""]:
    r"""Normalised RMSE $\sqrt{\sum_i(\hat u_i - u_i)^2 / \sum_i u_i^2}$ of one sample.

    Also exported as `rel_l2` (the relative L2 error). For a float64 score on the host,
    whatever JAX's precision, see `rel_l2_float64`.

    **Arguments:** `pred`, `ref`: arrays of one shape.

    **Returns:** a scalar array.

    **Example:**

    >>> float(nrmse(jnp.array([3.0, 4.0]), jnp.array([3.0, 5.0])))  # 1 / sqrt(34)
    0.171...
    """
    return jnp.sqrt(jnp.sum(jnp.square(pred - ref)) / jnp.sum(jnp.square(ref)))


rel_l2 = nrmse  # the same quantity under its operator-learning name


def correlation(pred: Float[Array, " *shape"], ref: Float[Array, " *shape"]) -> Float[Array, ""]:
    r"""Pearson correlation of the flattened fields, $\mathrm{cov}(\hat u, u) / (\sigma_{\hat u}\sigma_u)$.

    Insensitive to an offset and a positive scale of the prediction, so it measures whether
    the emulated field has the right shape and phase rather than the right amplitude.

    **Arguments:** `pred`, `ref`: arrays of one shape.

    **Returns:** a scalar array in $[-1, 1]$.

    **Example:**

    >>> x = jnp.linspace(0.0, 2 * jnp.pi, 64)
    >>> round(float(correlation(2.0 * jnp.sin(x) + 1.0, jnp.sin(x))), 6)
    1.0
    >>> round(float(correlation(-jnp.sin(x), jnp.sin(x))), 6)
    -1.0
    """
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

    **Arguments:**

    - `pred`, `ref`: rollouts without the initial condition, shape `(..., T, C, *spatial)`.
    - `spatial_dims`: the number of spatial axes at the end.

    **Returns:** `{"mse", "nrmse", "correlation"}`, each an array of shape `(T,)`; feed
    them to `gmean_nrmse` and `correlation_time` for one-number summaries.

    **Example:**

    >>> ref = jnp.sin(jnp.linspace(0.0, 6.0, 32))[None, None, None, :] * jnp.ones((2, 5, 1, 1))
    >>> drift = 0.01 * jnp.arange(1, 6.0)[None, :, None, None]    # error grows with the step
    >>> m = rollout_metrics(ref + drift, ref)
    >>> sorted(m), m["nrmse"].shape
    (['correlation', 'mse', 'nrmse'], (5,))
    >>> bool(jnp.all(jnp.diff(m["nrmse"]) > 0))
    True
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
    r"""Geometric mean of the nRMSE curve over the first $K$ rollout steps (APEBench's headline metric).

    $$\exp\Big(\frac1K\sum_{t=1}^{K}\log \mathrm{nRMSE}_t\Big)$$

    with $K$ = `num_steps` (fewer if the curve is shorter).

    **Arguments:**

    - `nrmse_per_step`: the `"nrmse"` curve of `rollout_metrics`.
    - `num_steps`: $K$.

    **Returns:** a Python float.

    **Example:**

    >>> round(gmean_nrmse([0.01, 0.1, 1.0]), 12)
    0.1
    >>> gmean_nrmse([0.01, 0.1, 1.0], num_steps=2)
    0.0316...
    """
    v = np.asarray(nrmse_per_step, dtype=float)[:num_steps]
    if v.size == 0:
        raise ValueError("gmean_nrmse needs at least one rollout step.")
    return float(np.exp(np.mean(np.log(np.maximum(v, 1e-300)))))


def correlation_time(correlation_per_step, threshold: float = 0.8) -> int:
    r"""Number of rollout steps before the correlation first drops below `threshold`.

    Step $t$ (1-based) is the $(t-1)$-th entry; returns the count of leading steps with
    correlation $\ge$ `threshold`, i.e. the full length when it never drops.

    **Arguments:**

    - `correlation_per_step`: the `"correlation"` curve of `rollout_metrics`.
    - `threshold`: the correlation below which a rollout counts as decorrelated.

    **Returns:** a Python int.

    **Example:**

    >>> correlation_time([0.99, 0.95, 0.85, 0.7, 0.9])
    3
    >>> correlation_time([0.99, 0.95], threshold=0.5)
    2
    """
    c = np.asarray(correlation_per_step, dtype=float)
    below = np.nonzero(~(c >= threshold))[0]
    return int(below[0]) if below.size else int(c.size)
