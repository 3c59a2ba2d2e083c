"""Error metrics: relative L2 (JAX; float64 NumPy), MSE, nRMSE, correlation, rollout metrics."""

from ._float64 import rel_l2_float64 as rel_l2_float64
from ._rollout import (
    correlation as correlation,
    correlation_time as correlation_time,
    gmean_nrmse as gmean_nrmse,
    mse as mse,
    nrmse as nrmse,
    rel_l2 as rel_l2,
    rollout_metrics as rollout_metrics,
)
