"""Rollout metrics on known inputs."""

import jax.numpy as jnp
import numpy as np
import pytest

from physax import metrics


def test_pointwise_metrics():
    ref = jnp.array([[3.0, 4.0]])
    pred = jnp.array([[3.0, 5.0]])
    assert float(metrics.mse(pred, ref)) == pytest.approx(0.5)
    assert float(metrics.nrmse(pred, ref)) == pytest.approx(1 / 5)
    x = jnp.linspace(0, 1, 10)[None]
    assert float(metrics.correlation(2 * x + 1, x)) == pytest.approx(1.0)
    assert float(metrics.correlation(-x, x)) == pytest.approx(-1.0)


def test_rollout_metrics_and_summaries():
    ref = jnp.ones((2, 4, 1, 8)) * jnp.arange(1.0, 9.0)
    err = jnp.array([0.0, 0.1, 0.2, 0.4])[None, :, None, None]
    pred = ref * (1 + err)
    m = metrics.rollout_metrics(pred, ref)
    np.testing.assert_allclose(m["nrmse"], [0.0, 0.1, 0.2, 0.4], atol=1e-12)
    assert m["correlation"].shape == (4,)
    assert metrics.gmean_nrmse([0.1, 0.4, 10.0], num_steps=2) == pytest.approx(0.2)
    assert metrics.correlation_time([0.99, 0.9, 0.79, 0.95]) == 2
    assert metrics.correlation_time([0.99, 0.9]) == 2
    assert metrics.correlation_time([0.5]) == 0
    with pytest.raises(ValueError, match="does not match"):
        metrics.rollout_metrics(pred, ref[:, :2])
