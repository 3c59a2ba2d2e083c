"""Named experiments from Python: the same runs as `physax run`, loaded back afterwards.

An experiment is a shipped TOML file whose defaults are also its schema. `load` resolves
it (with overrides) into a typed `Spec`; `run` trains into a self-describing run
directory (`config.toml`, `metrics.json`, `history.csv`, `checkpoint/`, plots,
`summary.md`) and returns a `RunResult`; `resume` continues an interrupted run to the
same result; `load_run` reads a finished one and evaluates its model.

```python
import physax.experiments as ex

spec = ex.load("heat-forward", {"train.adam_steps": 300, "train.lbfgs_steps": 0})
result = ex.run(spec, out="runs/heat")
print(result.metrics["rel_l2"])
print(ex.load_run("runs/heat").predict([[0.5, 0.5]]))   # u(t=0.5, x=0.5)
```
"""

from ._api import (
    RunResult as RunResult,
    load_run as load_run,
    resume as resume,
    run as run,
    solve as solve,
    solve_names as solve_names,
)
from ._compare import ComparisonResult as ComparisonResult, compare as compare
from ._compare_methods import MethodResult as MethodResult
from ._config import ConfigError as ConfigError, parse_overrides as parse_overrides
from ._points import read_points as read_points, write_values as write_values
from ._rundir import default_out as default_out
from ._spec import (
    ELMSpec as ELMSpec,
    EmulatorSpec as EmulatorSpec,
    FBPINNSpec as FBPINNSpec,
    FWISpec as FWISpec,
    ODILSpec as ODILSpec,
    OperatorSpec as OperatorSpec,
    PINNSpec as PINNSpec,
    Spec as Spec,
    describe as describe,
    load as load,
    names as names,
    show as show,
)
