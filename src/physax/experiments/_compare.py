"""`compare`: every method that applies, on one problem, scored against the same reference.

The problem is named like an experiment (``burgers-forward``, ``poisson2d``,
``fbpinn-laplace-multiscale``) or like a catalogue problem (``burgers``, ``heat1d``,
``laplace-multiscale``). The shipped experiment TOMLs on that problem (same problem table,
no unknown parameters) are the PINN, FBPINN and ELM recipes; the classical hook, the FEM
baseline and ODIL have their recipes below. See `_compare_methods` for the budget and
the compile-time accounting.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
from pathlib import Path

import jax

from .._train import Diverged
from ..problems import AbstractProblem
from ._common import device_description, write_config
from ._compare_methods import (
    MethodResult,
    odil_available,
    run_classical,
    run_elm,
    run_fbpinn,
    run_fem,
    run_odil,
    run_pinn,
)
from ._compare_report import write_outputs
from ._config import ConfigError, builtin, merge
from ._pinn_build import PROBLEMS, build_problem
from ._rundir import default_out
from ._spec import _nested, names

METHODS = ("pinn", "fbpinn", "elm", "odil", "classical", "fem")
_TRAINED = ("pinn", "fbpinn", "elm")

# solver settings per catalogue problem name (the FEM mesh follows the manufactured frequencies)
CLASSICAL = {"burgers": {"n": 2048, "dt": 1e-4}, "wave1d": {"n": 400, "dt": 1e-3}}
CLASSICAL_DEFAULT = {"n": 512, "dt": 1e-3}
ODIL: dict[str, dict] = {}  # problems without a shipped odil-* TOML: the defaults of _odil_recipe
FEM = {
    "laplace-multiscale": {"n": 160, "order": 2},
    "heat1d": {"n": 64, "order": 2, "dt": 2.5e-3, "theta": 0.5},
}


# FBPINN and ELM-FBPINN recipes for problems without a shipped TOML of that family: a shipped
# TOML of the family is the template (its runner defaults), its problem table is replaced by
# the compared problem's, its weights by one per condition, and these keys are set. poisson2d
# (sin pi x sin 2 pi y on [-1, 1]^2): 4 x 4 subdomains of the FBPINN experiments' 2 x 16 tanh
# networks with hard boundary conditions, 3000 Adam steps (the laplace-multiscale recipe's
# training on one level of 4 x 4); ELM: 8 x 8 subdomains x 48 random tanh features (3136
# unknowns: under the dense least-squares limit of 4000 columns, where LSQR took minutes),
# one float64 solve on a 100 x 100 collocation grid.
DERIVED: dict[str, dict[str, tuple[str, dict]]] = {
    "poisson2d": {
        "fbpinn": (
            "fbpinn-laplace-multiscale",
            {
                "decomposition.subdomains": [4, 4],
                "decomposition.levels": [],
                "train.steps": 3000,
                "collocation.n_interior": 4000,
                "compare_one_level": False,
            },
        ),
        "elm": (
            "elm-oscillator",
            {
                "decomposition.subdomains": [8, 8],
                "elm.features": 48,
                "elm.hard_constraints": True,
                "collocation.n_interior": 10000,
                "collocation.n_boundary": 400,
            },
        ),
    },
}


# Why a trained family has no recipe on a problem, where one was tried and not shipped.
NO_RECIPE: dict[str, dict[str, str]] = {
    "burgers": {
        "elm": "no ELM-FBPINN recipe for Burgers: random tanh features do not resolve the shock "
        "(tried 4 x 16 subdomains x 32 features, 20 Levenberg-Marquardt solves: rel. L2 8.2e-2 in 652 s)"
    },
}


def _derived(family: str, key: str, base: dict, problem) -> dict | None:
    """The `DERIVED` recipe of `family` on the problem `key`, as a full configuration."""
    if family not in DERIVED.get(key, {}):
        return None
    template, settings = DERIVED[key][family]
    cfg = builtin(template)
    cfg = {
        **cfg,
        "problem": dict(base["problem"]),
        "weights": {"pde": 1.0, **dict.fromkeys(problem.conditions(), 1.0)},
    }
    cfg = merge(cfg, _nested(settings))
    cfg["experiment"] = f"{family}-{key}"
    changed = ", ".join(f"{k}={v}" for k, v in settings.items())
    cfg["description"] = f"{template}.toml on {key} with {changed}"
    return cfg


def _fem_recipe(key: str, problem) -> dict:
    if key in ("poisson2d", "helmholtz2d"):  # 80 elements per unit of a1, a2: rel. L2 below 1e-5
        return {"n": [int(80 * max(1.0, problem.a1)), int(80 * max(1.0, problem.a2))], "order": 2}
    return dict(FEM.get(key, {"n": 64, "order": 2}))


def _odil_recipe(key: str, problem, base: dict) -> dict:
    """The grid and Newton settings of a shipped forward ``odil-*`` TOML on this problem, if any."""
    for name in names():
        cfg = builtin(name)
        if cfg.get("runner") == "odil" and not cfg["problem"].get("unknown") and not cfg["data"].get("n"):
            if _key(cfg) == _key(base) and cfg["odil"].get("optimizer", "newton") == "newton":
                o = cfg["odil"]
                return {
                    "shape": list(cfg["grid"]["shape"]),
                    "accuracy": int(cfg["grid"].get("accuracy", 2)),
                    "steps": o["steps"],
                    "damping": o["damping"],
                    "tol": o["tol"],
                }
    if key in ODIL:
        return dict(ODIL[key])
    dims = problem.domain.dim
    return {
        "shape": [101, 129] if "t" in problem.domain.coords else [129] * dims if dims > 1 else [1025],
        "steps": 10,
    }


@dataclasses.dataclass
class ComparisonResult:
    """What `compare` wrote: one `MethodResult` per method, and the comparison table.

    `result["fem"]` is the `MethodResult` of one method.

    **Fields:**

    - `problem`: the problem name given.
    - `directory`: the comparison run directory.
    - `methods`: one `MethodResult` per method asked for, run or skipped.
    - `budget`: the wall-time budget per iterative method (s), or `None`.
    - `table`: the Markdown table of `comparison.md`.

    **Example:**

    >>> result = compare("poisson2d", methods="fem,classical", out="poisson",
    ...                  overrides={"fem": {"n": [16, 32]}})
    >>> [m.method for m in result.methods], result["fem"].status, result["classical"].status
    (['fem', 'classical'], 'ok', 'skipped')
    >>> print(result.table.splitlines()[0])
    | method | rel. L2 error | wall time (s) | of which compile (s) | parameters / unknowns | recipe |
    """

    problem: str
    directory: Path
    methods: list[MethodResult]
    budget: float | None = None
    table: str = ""

    def __getitem__(self, method: str) -> MethodResult:
        for m in self.methods:
            if m.method == method:
                return m
        raise KeyError(f"no method {method!r} in this comparison.")


def _key(cfg: dict) -> tuple:
    p = cfg["problem"]
    rest = tuple(
        sorted((k, repr(v)) for k, v in p.items() if k not in ("name", "unknown") and not k.endswith("_init"))
    )
    return (p["name"], rest)


def _forward() -> dict[str, dict]:
    out = {}
    for name in names():
        cfg = builtin(name)
        if cfg.get("runner", "pinn") in _TRAINED and not cfg["problem"].get("unknown"):
            out[name] = cfg
    return out


def resolve(name: str) -> tuple[dict, dict[str, dict]]:
    """``(a config whose [problem] table builds the problem, {family: recipe config})``."""
    forward = _forward()
    if name in forward:
        base = forward[name]
    elif name in PROBLEMS:
        base = next((c for c in forward.values() if c["problem"]["name"] == name), None)
        if base is None:
            raise ConfigError(f"no forward recipe poses the problem '{name}'.")
    else:
        if name in names():
            raise ConfigError(
                f"'{name}' identifies parameters or is not a PDE problem; compare runs forward problems "
                f"such as {', '.join(sorted(forward)[:4])}, ..."
            )
        close = difflib.get_close_matches(name, [*forward, *PROBLEMS], n=1)
        hint = f" Did you mean '{close[0]}'?" if close else ""
        raise ConfigError(f"unknown problem '{name}'.{hint} Give a forward experiment or a problem name.")
    key = _key(base)
    recipes: dict[str, dict] = {}
    for _exp, cfg in sorted(forward.items(), key=lambda kv: kv[0] != name):  # the named one first
        family = cfg.get("runner", "pinn")
        if _key(cfg) == key and family not in recipes:
            recipes[family] = cfg
    return base, recipes


def _methods(methods) -> list[str]:
    if methods is None:
        return list(METHODS)
    if isinstance(methods, str):
        methods = [m.strip() for m in methods.split(",") if m.strip()]
    out = []
    for m in methods:
        if m not in METHODS:
            close = difflib.get_close_matches(str(m), METHODS, n=1)
            hint = f" Did you mean '{close[0]}'?" if close else ""
            raise ConfigError(f"unknown method '{m}'.{hint} Choose from {', '.join(METHODS)}.")
        if m not in out:
            out.append(m)
    if not out:
        raise ConfigError(f"--methods is empty; choose from {', '.join(METHODS)}.")
    return out


def _settings(method: str, recipe: dict, overrides: dict) -> dict:
    for k in overrides:
        if k not in recipe:
            close = difflib.get_close_matches(k, list(recipe), n=1)
            hint = f" Did you mean '{method}.{close[0]}'?" if close else ""
            raise ConfigError(f"unknown setting '{method}.{k}'.{hint} {method} takes {', '.join(recipe)}.")
    return {**recipe, **overrides}


def compare(
    problem_name: str,
    methods=None,
    budget: float | None = None,
    out: str | Path | None = None,
    *,
    overrides: dict | None = None,
    progress: bool = False,
) -> ComparisonResult:
    """Run every applicable method on one problem and write a comparison run directory.

    **Arguments:**

    - `problem_name`: a forward experiment (``"burgers-forward"``, ``"poisson2d"``) or a
      catalogue problem name (``"burgers"``, ``"heat1d"``).
    - `methods`: a subset of ``pinn, fbpinn, elm, odil, classical, fem`` (list or
      comma-separated string; default all). A method that does not apply is skipped
      with the reason.
    - `budget`: seconds of wall time for each iterative method (PINN, FBPINN, ODIL),
      which stop cleanly after the chunk that reaches it; ``None``: no limit.
    - `out`: the run directory (new or empty; default ``runs/compare-<problem>-<time>``).
    - `overrides`: per method, ``{"pinn": {"train.adam_steps": 100}, "fem": {"n": 16},
      "odil": {"shape": [21, 33]}, "classical": {"n": 256}}`` (TOML keys for the trained
      methods, solver settings otherwise).
    - `progress`: progress bars while training.

    **Returns:** a `ComparisonResult`. The directory holds ``config.toml``,
    ``comparison.json``, ``comparison.md`` (the table) and ``comparison.png`` (error
    against wall time, log-log).

    **Example:**

    >>> # the finite-element solve on a coarse mesh (no classical solver applies)
    >>> r = compare("poisson2d", methods="fem,classical", out="cmp", overrides={"fem": {"n": [16, 32]}})
    >>> r["fem"].status, bool(r["fem"].rel_l2 < 1e-2), r["classical"].reason
    ('ok', True, 'Helmholtz2D has no classical solver hook')
    >>> sorted(p.name for p in r.directory.iterdir() if not p.name.startswith("."))
    ['comparison.json', 'comparison.md', 'comparison.png', 'config.toml']

    The PINN against the finite elements, 20 s of training:

    ```python
    r = physax.experiments.compare("poisson2d", methods="fem,pinn", budget=20, out="runs/cmp")
    print(r.table)
    ```
    """
    from ._api import _fresh

    asked = _methods(methods)
    if budget is not None and not (isinstance(budget, int | float) and budget > 0 and math.isfinite(budget)):
        raise ConfigError(f"--budget must be a positive number of seconds, got {budget!r}.")
    overrides = {k: _nested(v) if k in _TRAINED else dict(v) for k, v in (overrides or {}).items()}
    for k in overrides:
        if k not in METHODS:
            _methods([k])
    base, recipes = resolve(problem_name)
    problem = build_problem(base)
    key = base["problem"]["name"]
    plans = {
        "fem": _fem_recipe(key, problem),
        "odil": _odil_recipe(key, problem, base),
        "classical": dict(CLASSICAL.get(key, CLASSICAL_DEFAULT)),
    }
    for family in _TRAINED:
        if family not in recipes and family in asked:
            derived = _derived(family, key, base, problem)
            if derived is not None:
                recipes[family] = derived
    configs = {}
    for m in asked:  # all bad input is found before anything runs
        if m in _TRAINED and m in recipes:
            try:
                configs[m] = merge(recipes[m], overrides.get(m, {}))
            except ConfigError as e:
                raise ConfigError(f"{m}: {e}") from None
        elif m in plans:
            plans[m] = _settings(m, plans[m], overrides.get(m, {}))
    out = Path(out) if out is not None else default_out(f"compare-{problem_name}")
    cfg = {
        "experiment": "compare",
        "description": f"every applicable method on {problem_name}",
        "problem": problem_name,
        "methods": asked,
        "budget": float(budget or 0.0),
        "recipes": {m: configs[m]["experiment"] for m in configs},
        "settings": {m: plans[m] for m in asked if m in plans},
    }

    def work():
        out.mkdir(parents=True, exist_ok=True)
        write_config(out, cfg)
        results = [_one(m, problem, key, recipes, configs, plans, budget, out, progress) for m in asked]
        result = ComparisonResult(problem_name, out, results, budget)
        result.table = write_outputs(out, result, problem, device_description())
        return result

    return _fresh(out, work)


def _one(m, problem, key, recipes, configs, plans, budget, out, progress) -> MethodResult:
    skip = lambda why: MethodResult(m, status="skipped", reason=why)  # noqa: E731
    if m in _TRAINED and m not in configs:
        return skip(NO_RECIPE.get(key, {}).get(m, f"no shipped {m} experiment poses {key} (forward)"))
    if m == "odil" and odil_available():
        return skip(odil_available())
    if m == "classical" and type(problem).classical is AbstractProblem.classical:
        return skip(f"{problem.name} has no classical solver hook")
    if m == "classical" and (problem.domain.coords[:1] != ("t",) or problem.domain.dim != 2):
        return skip(f"{problem.name}: the classical comparison covers 1-d time-dependent problems")
    if m in ("classical", "fem") and problem.output_size != "scalar":
        return skip(f"{problem.name} has a vector-valued field; the {m} comparison covers scalar ones")
    try:
        with jax.enable_x64(True):
            if m == "pinn":
                return run_pinn(configs[m], budget, progress)
            if m == "fbpinn":
                return run_fbpinn(configs[m], budget, progress)
            if m == "elm":
                return run_elm(configs[m], out / "elm")
            if m == "fem":
                return run_fem(problem, plans[m])
            if m == "classical":
                return run_classical(problem, plans[m])
            return run_odil(problem, plans[m], budget, progress)
    except ConfigError:
        raise
    except Diverged as e:
        return MethodResult(m, status="failed", reason=f"diverged: {e}")
    except (ValueError, NotImplementedError, TypeError) as e:  # the method does not apply to the problem
        line = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        kind = "skipped" if type(e).__name__ in ("NotApplicable", "NotImplementedError") else "failed"
        return MethodResult(m, status=kind, reason=line[:300])
