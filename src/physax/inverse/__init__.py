"""Inverse problems on differentiable solvers: full-waveform inversion (FWI).

`fwi` inverts surface seismic data for velocity with the differentiable
acoustic solver of `physax.solvers.wave`: misfit objects (`L2Misfit`, `NCCMisfit`),
any optax optimiser per frequency band (Adam, L-BFGS, ...), bounded and preconditioned
parametrisation, multiscale frequency continuation, and the shared training contract
(`physax._train.Result`, resumable `FWIState`, `FWIDiverged`).
"""

from ._acquisition import surface_shots as surface_shots
from ._filters import lowpass as lowpass
from ._fwi import fwi as fwi
from ._objective import (
    AbstractMisfit as AbstractMisfit,
    L2Misfit as L2Misfit,
    NCCMisfit as NCCMisfit,
    data_misfit as data_misfit,
)
from ._parametrisation import BoundedVelocity as BoundedVelocity
from ._state import FWIDiverged as FWIDiverged, FWIState as FWIState
