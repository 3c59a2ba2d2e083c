"""Autoregressive neural emulators: data, training configurations, losses and trainers.

Training methodologies follow the taxonomy of Koehler, Niedermayr, Westermann & Thuerey,
"APEBench: a benchmark for autoregressive neural emulators of PDEs" (NeurIPS 2024) and their
Trainax library: supervised rollout, diverted chain, mix chain, residuum and composites, each
with time-level weights and gradient cuts. Trajectories come from physax's spectral solvers.

**Example:**

```python
import functools, jax, optax
from physax import emulators as em, nn
from physax.solvers import spectral as sp

grid = sp.PeriodicGrid(1, 30, extent=1.0)
ref = sp.Stepper(sp.Advection(velocity=-0.75 / 30), grid, dt=1.0)
ic = functools.partial(sp.random_fourier_series, grid, max_mode=5)
data = em.generate_trajectories(ref, ic, num_trajectories=20, num_steps=99, key=jax.random.key(0))
net = nn.LinearConv(1, 1, 1, 2, key=jax.random.key(73))
trainer = em.Trainer(em.Supervised(5), optax.adam(1e-2), num_steps=1000, batch_size=32)
result = trainer(net, data.astype("float32"), key=jax.random.key(42))
net, history = result.model, result.history  # history["loss"]: the loss column
```

`result.state` (an `EmulatorState`) continues the training: ``trainer(net, data, key=...,
state=result.state)``; a `callbacks` entry ``callback(record, state)`` runs after every
compiled chunk (e.g. to checkpoint the state).
"""

from ._callbacks import (
    AbstractCallback as AbstractCallback,
    Evaluate as Evaluate,
    GradNorm as GradNorm,
    Loss as Loss,
    SaveNetwork as SaveNetwork,
    WeightNorm as WeightNorm,
)
from ._configuration import (
    AbstractConfiguration as AbstractConfiguration,
    exponential_discount as exponential_discount,
)
from ._data import (
    generate_trajectories as generate_trajectories,
    load_trajectories as load_trajectories,
    save_trajectories as save_trajectories,
    sine_cosine_series as sine_cosine_series,
)
from ._diverted import DivertedChain as DivertedChain
from ._losses import (
    AbstractTimeLevelLoss as AbstractTimeLevelLoss,
    MAELoss as MAELoss,
    MSELoss as MSELoss,
    NormalizedMAELoss as NormalizedMAELoss,
    NormalizedMSELoss as NormalizedMSELoss,
)
from ._residuum import Composite as Composite, Residuum as Residuum
from ._state import EmulatorDiverged as EmulatorDiverged, EmulatorState as EmulatorState
from ._supervised import MixChain as MixChain, Supervised as Supervised
from ._trainer import Trainer as Trainer
from ._trainers import (
    composite_trainer as composite_trainer,
    diverted_chain_trainer as diverted_chain_trainer,
    mix_chain_trainer as mix_chain_trainer,
    residuum_trainer as residuum_trainer,
    supervised_trainer as supervised_trainer,
)
from ._windows import Windows as Windows, permutation_table as permutation_table
