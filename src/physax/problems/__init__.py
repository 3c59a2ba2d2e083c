"""PDE problem definitions: residuals, conditions, trusted references and classical solutions."""

from ._burgers import Burgers as Burgers
from ._cache import cache_dir as cache_dir, cached_array as cached_array
from ._catalogue_fbpinn import (
    CosineODE as CosineODE,
    DampedOscillator as DampedOscillator,
    MultiscaleLaplace as MultiscaleLaplace,
)
from ._catalogue_linear import (
    Advection1D as Advection1D,
    Helmholtz2D as Helmholtz2D,
    Poisson2D as Poisson2D,
    Wave1D as Wave1D,
)
from ._catalogue_periodic import (
    KdVSoliton as KdVSoliton,
    KuramotoSivashinsky as KuramotoSivashinsky,
    TwoModeAdvection as TwoModeAdvection,
    TwoModeDiffusion as TwoModeDiffusion,
)
from ._catalogue_periodic2d import GrayScott as GrayScott, KolmogorovFlow as KolmogorovFlow
from ._catalogue_spectral import (
    AllenCahn as AllenCahn,
    KdV as KdV,
    NonlinearSchroedinger as NonlinearSchroedinger,
)
from ._classical import SpectralProblem as SpectralProblem
from ._condition import Condition as Condition, dirichlet as dirichlet, initial as initial
from ._heat import Heat1D as Heat1D
from ._observations import Observations as Observations, noisy as noisy
from ._parameter import Parameter as Parameter
from ._problem import AbstractProblem as AbstractProblem
from ._reference import Reference as Reference
from ._wave2d import Wave2D as Wave2D
