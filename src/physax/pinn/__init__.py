"""Physics-informed neural networks: residual evaluation, losses and training."""

from ._balancing import GradNormBalancing as GradNormBalancing
from ._causal import CausalWeighting as CausalWeighting
from ._collocation import Collocation as Collocation, ResidualAdaptive as ResidualAdaptive
from ._ensemble import Ensemble as Ensemble, fit_ensemble as fit_ensemble
from ._field import Field as Field, evaluate as evaluate
from ._fit import (
    TrainingDiverged as TrainingDiverged,
    estimates as estimates,
    fit as fit,
    make_trainer as make_trainer,
    reference_prediction as reference_prediction,
    rel_l2_error as rel_l2_error,
    run as run,
)
from ._loss import (
    loss_terms as loss_terms,
    pointwise_residual as pointwise_residual,
    residual_vector as residual_vector,
    weighted_total as weighted_total,
)
from ._sharding import check_divisible as check_divisible, point_mesh as point_mesh
from ._trainer import Trainer as Trainer, TrainState as TrainState, predict as predict
