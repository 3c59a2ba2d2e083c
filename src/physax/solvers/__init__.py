"""Classical solvers and exact solutions, used as trusted references."""

from . import spectral as spectral
from ._cole_hopf import burgers_cole_hopf as burgers_cole_hopf
from ._helmholtz_fd import helmholtz_fd as helmholtz_fd
