"""Networks for physics-informed learning: coordinate networks and their input/output layers."""

from ._constraints import HardConstraint as HardConstraint
from ._conv import Conv as Conv, LinearConv as LinearConv
from ._convnet import ConvNet as ConvNet
from ._deeponet import DeepONet as DeepONet, GridDeepONet as GridDeepONet
from ._dense import (
    Dense as Dense,
    FactorisedMLP as FactorisedMLP,
    RandomWeightFactorisation as RandomWeightFactorisation,
)
from ._embeddings import (
    FourierFeatures as FourierFeatures,
    Normalize as Normalize,
    PeriodicEmbedding as PeriodicEmbedding,
)
from ._encoder_decoder import EncoderDecoder as EncoderDecoder
from ._fno import FNO as FNO, SpectralConv as SpectralConv
from ._mlp import MLP as MLP
from ._modified_mlp import ModifiedMLP as ModifiedMLP
from ._padding import pad_spatial as pad_spatial
from ._pirate import PirateNet as PirateNet
from ._pooling import AvgPool as AvgPool, MaxPool as MaxPool, Upsample as Upsample
from ._resnet import DilatedResNet as DilatedResNet, ResNet as ResNet
from ._strided import StridedConv as StridedConv
from ._unet import UNet as UNet
from .jet import Jet as Jet, propagate as propagate
