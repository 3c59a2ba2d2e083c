"""Finite-basis PINNs (FBPINNs) and extreme-learning-machine FBPINNs (ELM-FBPINNs).

Domain decomposition for physics-informed networks: one small network per overlapping
subdomain, blended by a partition of unity of windows (Moseley, Markham & Nissen-Meyer
2023), optionally on several levels (Dolean, Heinlein, Mishra & Moseley 2024), or with
frozen random hidden layers and output weights solved by least squares (Anderson, Dolean,
Moseley & Pestana 2024). Every physax problem can be solved by all three. `fit` and
`elm_solve` return the shared `physax._train.Result`; windows and schedulers are objects
(`CosineWindow()`, `LineScheduler("t")`), their names live in the experiment configurations.
"""

from ._decomposition import (
    Decomposition as Decomposition,
    Level as Level,
    multilevel as multilevel,
    rectangular as rectangular,
    uniform as uniform,
)
from ._elm import ELMFBPINN as ELMFBPINN, RandomFeatures as RandomFeatures, linearise as linearise
from ._fit import fit as fit
from ._lstsq import elm_solve as elm_solve, solve as solve, system as system
from ._model import FBPINN as FBPINN
from ._pairs import Pairs as Pairs, build_pairs as build_pairs, covered_points as covered_points
from ._scheduler import (
    AbstractScheduler as AbstractScheduler,
    AllActive as AllActive,
    LineScheduler as LineScheduler,
    PointScheduler as PointScheduler,
    Stage as Stage,
)
from ._state import (
    FBPINNDiverged as FBPINNDiverged,
    FBPINNState as FBPINNState,
    init_state as init_state,
)
from ._trainer import FBPINNTrainer as FBPINNTrainer, predict as predict
from ._windows import (
    AbstractWindow as AbstractWindow,
    BumpWindow as BumpWindow,
    CosineWindow as CosineWindow,
    SigmoidWindow as SigmoidWindow,
)
