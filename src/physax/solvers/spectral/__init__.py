"""Pseudo-spectral ETDRK reference solvers for periodic 1D/2D PDEs.

A `PeriodicGrid` discretises $[0, L)^d$; a PDE module gives the diagonal linear Fourier
symbol and the nonlinear term; `Stepper` advances one state by ETDRK1-4 (Cox & Matthews
2002, coefficients by Kassam & Trefethen 2005); `rollout` produces trajectories. Enable
``jax_enable_x64`` for float64 reference runs.

**Example:**

```python
import jax, jax.numpy as jnp
from physax.solvers import spectral as sp

grid = sp.PeriodicGrid(1, 128, extent=32 * jnp.pi)
stepper = sp.Stepper(sp.KuramotoSivashinsky(), grid, dt=0.25, order=4)
traj = sp.rollout(stepper, sp.ks_classic(grid), 400)       # shape (401, 1, 128)
```
"""

from ._burgers import Burgers as Burgers, KortewegDeVries as KortewegDeVries
from ._classic import (
    gray_scott_square as gray_scott_square,
    kdv_soliton as kdv_soliton,
    ks_classic as ks_classic,
    nls_soliton as nls_soliton,
    sine_wave as sine_wave,
)
from ._etdrk import (
    etdrk_coefficients as etdrk_coefficients,
    etdrk_step as etdrk_step,
    phi_functions as phi_functions,
)
from ._exact import exact_linear_solution as exact_linear_solution
from ._grid import PeriodicGrid as PeriodicGrid
from ._initial import (
    gaussian_blobs as gaussian_blobs,
    gaussian_random_field as gaussian_random_field,
    random_fourier_series as random_fourier_series,
)
from ._kuramoto import (
    KuramotoSivashinsky as KuramotoSivashinsky,
    KuramotoSivashinskyCombustion as KuramotoSivashinskyCombustion,
)
from ._linear import (
    Advection as Advection,
    AdvectionDiffusion as AdvectionDiffusion,
    Diffusion as Diffusion,
    Dispersion as Dispersion,
)
from ._navier_stokes import NavierStokesVorticity as NavierStokesVorticity
from ._pde import AbstractLinearPDE as AbstractLinearPDE, AbstractPDE as AbstractPDE
from ._reaction import AllenCahn as AllenCahn, FisherKPP as FisherKPP, GrayScott as GrayScott
from ._reference import (
    burgers_sine_error as burgers_sine_error,
    burgers_sine_solution as burgers_sine_solution,
)
from ._schroedinger import NonlinearSchroedinger as NonlinearSchroedinger
from ._stepper import Stepper as Stepper, rollout as rollout
