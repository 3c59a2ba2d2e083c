"""Differentiable 2D acoustic finite-difference wave solver with CPML boundaries.

Orders 2-8 in space, leapfrog in time, constant or variable density, point
sources and receivers, batched shots, checkpointed reverse-mode gradients
(full-waveform-inversion style), synthetic models and the analytic Green's
function of a homogeneous medium. Two time loops evaluate the same scheme:
`XLALoop` (a `lax.scan`, any backend, any transformation) and `NativeLoop` (a C++
loop on the CPU with its own discrete adjoint; see `build_native`).
"""

from ._analytic import greens_function_trace as greens_function_trace
from ._coefficients import (
    central_coefficients as central_coefficients,
    max_stable_dt as max_stable_dt,
    staggered_coefficients as staggered_coefficients,
)
from ._cpml import CPML as CPML
from ._loops import AbstractLoop as AbstractLoop, NativeLoop as NativeLoop, XLALoop as XLALoop
from ._misfit import l2_misfit as l2_misfit, velocity_gradient as velocity_gradient
from ._model import (
    AcousticModel as AcousticModel,
    Shot as Shot,
    WaveSolution as WaveSolution,
    stack_shots as stack_shots,
)
from ._native import (
    NativeBuildError as NativeBuildError,
    build_native as build_native,
    native_available as native_available,
)
from ._sharded import ShardedLoop as ShardedLoop
from ._simulate import simulate as simulate, simulate_shots as simulate_shots
from ._synthetic import smooth_model as smooth_model, synthetic_model as synthetic_model
from ._validate import check_cfl as check_cfl
from ._wavelets import ricker as ricker
