"""Inverse problems on differentiable solvers: full-waveform inversion (FWI).

`fwi` inverts surface seismic data for velocity with the differentiable
acoustic solver of `physax.solvers.wave`: L2 or normalised cross-correlation
misfits, Adam or L-BFGS, bounded and preconditioned parametrisation, and
multiscale frequency continuation.
"""

from ._acquisition import surface_shots as surface_shots
from ._filters import lowpass as lowpass
from ._fwi import FWIResult as FWIResult, fwi as fwi
from ._objective import data_misfit as data_misfit
from ._parametrisation import BoundedVelocity as BoundedVelocity
