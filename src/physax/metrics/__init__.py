"""Error metrics: relative L2, MSE, nRMSE, correlation, and rollout metrics of emulators."""

from ._rollout import (
    correlation as correlation,
    correlation_time as correlation_time,
    gmean_nrmse as gmean_nrmse,
    mse as mse,
    nrmse as nrmse,
    rel_l2 as rel_l2,
    rollout_metrics as rollout_metrics,
)
