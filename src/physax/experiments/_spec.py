"""Typed experiment specifications, built from the shipped TOML defaults (the schema)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, ClassVar

from ._config import SOLVE_PACKAGE, ConfigError, builtin, builtin_names, dumps, merge, read_toml

_FAMILIES: dict[str, type[Spec]] = {}


@dataclass(frozen=True)
class Spec:
    """A resolved, validated experiment configuration.

    Built by `load` from an experiment's shipped TOML (its defaults are the schema: every
    key exists there with its type), a user TOML and overrides. `config` is the full
    nested table; `spec["train.adam_steps"]` reads one key. One subclass per method
    family (`PINNSpec`, `FBPINNSpec`, `ELMSpec`, `EmulatorSpec`, `OperatorSpec`,
    `FWISpec`, `ODILSpec`) so code can dispatch on the type.

    **Fields:**

    - `experiment`: the built-in experiment it is based on.
    - `config`: the resolved nested configuration.

    **Example:**

    >>> spec = load("heat-forward")
    >>> isinstance(spec, Spec), spec["train.adam_steps"], spec.seed
    (True, 1000, 0)
    >>> longer = spec.replace({"train.adam_steps": 5000})
    >>> longer["train.adam_steps"], longer.config_hash != spec.config_hash
    (5000, True)
    >>> print(longer.to_toml().splitlines()[0])
    experiment = "heat-forward"
    """

    experiment: str
    config: dict = field(repr=False)
    family: ClassVar[str] = ""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.family:
            _FAMILIES[cls.family] = cls

    def __getitem__(self, key: str) -> Any:
        node: Any = self.config
        for part in key.split("."):
            if not isinstance(node, dict) or part not in node:
                raise KeyError(f"no config key {key!r} in experiment {self.experiment!r}.")
            node = node[part]
        return node

    @property
    def seed(self) -> int:
        return int(self.config["seed"])

    def to_toml(self) -> str:
        """The configuration as TOML (re-runnable as is: `physax run FILE`)."""
        return dumps(self.config)

    @property
    def config_hash(self) -> str:
        """SHA-256 of the resolved configuration (ties checkpoints to it)."""
        return hashlib.sha256(self.to_toml().encode()).hexdigest()

    def replace(self, overrides: dict) -> Spec:
        """A new spec with `overrides` (dotted or nested keys) laid over this one."""
        return _make(merge(self.config, _nested(overrides)))


class PINNSpec(Spec):
    """A physics-informed neural network run (`physax.pinn.fit`).

    One subclass of `Spec` per method family, so code can dispatch on the type; `load`
    returns it for experiments whose `runner` is `"pinn"`.

    **Example:**

    >>> spec = load("heat-forward")
    >>> isinstance(spec, PINNSpec), spec["collocation.n_interior"]
    (True, 2000)
    """

    family = "pinn"


class FBPINNSpec(Spec):
    """A finite-basis PINN run (`physax.fbpinn.fit`).

    One subclass of `Spec` per method family, so code can dispatch on the type; `load`
    returns it for experiments whose `runner` is `"fbpinn"`.

    **Example:**

    >>> spec = load("fbpinn-cosine")
    >>> isinstance(spec, FBPINNSpec), spec["decomposition.subdomains"]
    (True, [30])
    """

    family = "fbpinn"


class ELMSpec(Spec):
    """An ELM-FBPINN least-squares solve (`physax.fbpinn.elm_solve`).

    One subclass of `Spec` per method family, so code can dispatch on the type; `load`
    returns it for experiments whose `runner` is `"elm"`.

    **Example:**

    >>> spec = load("elm-oscillator")
    >>> isinstance(spec, ELMSpec), spec["elm.features"]
    (True, 32)
    """

    family = "elm"


class EmulatorSpec(Spec):
    """Autoregressive emulator training (`physax.emulators.Trainer`).

    One subclass of `Spec` per method family, so code can dispatch on the type; `load`
    returns it for experiments whose `runner` is `"emulator"`.

    **Example:**

    >>> spec = load("emulator-advection")
    >>> isinstance(spec, EmulatorSpec), spec["model.architecture"]
    (True, 'linear')
    """

    family = "emulator"


class OperatorSpec(Spec):
    """Neural operators (FNO, DeepONet) learning a solution operator.

    One subclass of `Spec` per method family, so code can dispatch on the type; `load`
    returns it for experiments whose `runner` is `"operator"`.

    **Example:**

    >>> spec = load("operator-burgers")
    >>> isinstance(spec, OperatorSpec), spec["fno.modes"]
    (True, 16)
    """

    family = "operator"


class FWISpec(Spec):
    """Full-waveform inversion (`physax.inverse.fwi`).

    One subclass of `Spec` per method family, so code can dispatch on the type; `load`
    returns it for experiments whose `runner` is `"fwi"`.

    **Example:**

    >>> spec = load("fwi")
    >>> isinstance(spec, FWISpec), spec["inversion.optimizer"]
    (True, 'lbfgs')
    """

    family = "fwi"


class ODILSpec(Spec):
    """An ODIL solve: the discretised PDE optimised over grid values (`physax.odil.solve`).

    One subclass of `Spec` per method family, so code can dispatch on the type; `load`
    returns it for experiments whose `runner` is `"odil"`.

    **Example:**

    >>> spec = load("odil-burgers")
    >>> isinstance(spec, ODILSpec), spec["grid.shape"]
    (True, [100, 1025])
    """

    family = "odil"


def _nested(overrides: dict | None) -> dict:
    """`{"train.adam_steps": 300}` or nested dicts, as one nested dict."""
    out: dict = {}
    for key, value in (overrides or {}).items():
        if not isinstance(key, str):
            raise ConfigError(f"override keys must be strings, got {key!r}.")
        node = out
        parts = key.split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise ConfigError(f"override '{key}' sets an entry inside '{part}', which is a value.")
        if isinstance(value, dict):
            node.setdefault(parts[-1], {}).update(_nested(value))
        else:
            if isinstance(node.get(parts[-1]), dict):
                raise ConfigError(f"override '{key}' replaces a table; set its entries instead.")
            node[parts[-1]] = value
    return out


def _make(config: dict) -> Spec:
    family = config.get("runner", "pinn")
    if family not in _FAMILIES:
        raise ConfigError(f"unknown runner '{family}'; choose one of {', '.join(sorted(_FAMILIES))}.")
    return _FAMILIES[family](config["experiment"], config)


def names() -> list[str]:
    """The built-in experiments, e.g. `["advection", "allen-cahn", ..., "wave2d"]`.

    **Returns:** a sorted list of names for `load`, `show` and `physax run`.

    **Example:**

    >>> experiments = names()
    >>> "heat-forward" in experiments, "fwi" in experiments, experiments == sorted(experiments)
    (True, True, True)
    """
    return builtin_names()


def show(name: str) -> str:
    """The shipped TOML of experiment `name`, comments included (a template for `--config`).

    **Arguments:** `name`: one of `names()` (a wrong name raises `ConfigError` with "did you mean").

    **Returns:** the TOML text.

    **Example:**

    >>> print(show("heat-forward").splitlines()[0])
    experiment = "heat-forward"
    """
    builtin(name)  # "did you mean" for a wrong name
    return resources.files("physax.experiments").joinpath("configs", f"{name}.toml").read_text()


def load(
    name_or_path: str | Path, overrides: dict | None = None, *, config_file: str | Path | None = None
) -> Spec:
    """Resolve an experiment: defaults, then a TOML file, then `overrides`.

    **Arguments:**

    - `name_or_path`: a built-in name (`names()`), or a `.toml` file whose
      `experiment = "..."` names the built-in it modifies (a run's own
      `config.toml` is such a file).
    - `overrides`: `{"train.adam_steps": 300}` (dotted keys) or nested tables.
    - `config_file`: a TOML file laid over the defaults before `overrides`.

    Unknown keys and wrong types raise `ConfigError` naming the key (with "did you mean").

    **Example:**

    >>> spec = load("heat-forward", {"train.adam_steps": 300, "train.lbfgs_steps": 0})
    >>> spec.experiment, spec.config["train"]["adam_steps"]
    ('heat-forward', 300)
    """
    target = str(name_or_path)
    if target.endswith(".toml"):
        user = read_toml(target)
        name = user.get("experiment")
        if not isinstance(name, str):
            raise ConfigError(f'{target} must name its base experiment: experiment = "...".')
        cfg = merge(builtin(name), user)
        base = name
    else:
        if Path(target).exists() and not Path(target).is_file() and "/" in target:
            raise ConfigError(f"{target} is a directory; load a run with load_run().")
        cfg = builtin(target)
        base = cfg["experiment"]
    if config_file is not None:
        user = read_toml(config_file)
        if user.get("experiment", cfg["experiment"]) != cfg["experiment"]:
            raise ConfigError(
                f"{config_file} is for experiment '{user['experiment']}', not '{cfg['experiment']}'."
            )
        cfg = merge(cfg, user)
    cfg = merge(cfg, _nested(overrides))
    if cfg["experiment"] != base:
        raise ConfigError("the key 'experiment' names the base experiment and cannot be changed.")
    return _make(cfg)


def describe(name: str, *, solve: bool = False) -> str:
    """The one-line description of an experiment (or, with `solve`, of a solvable problem).

    **Arguments:**

    - `name`: one of `names()` (or of `solve_names()` with `solve`).
    - `solve`: describe the classical solve of that name instead.

    **Returns:** the description (empty if there is none).

    **Example:**

    >>> describe("heat-forward")
    'Solve the 1-d heat equation u_t = k u_xx (two sine modes) against its analytic solution'
    """
    return str(builtin(name, SOLVE_PACKAGE if solve else "configs").get("description", ""))
