"""Networks for physics-informed learning: coordinate networks and their input/output layers."""

from ._constraints import HardConstraint as HardConstraint
from ._embeddings import (
    FourierFeatures as FourierFeatures,
    Normalize as Normalize,
    PeriodicEmbedding as PeriodicEmbedding,
)
from ._jet import Jet as Jet, propagate as propagate
from ._mlp import MLP as MLP
