"""Experiment configuration: TOML files whose built-in defaults double as the schema.

Every key a user may set exists in the experiment's built-in TOML with a default, so an
unknown key or a value of the wrong type is caught before anything runs, with a message
that names the key and the fix.
"""

from __future__ import annotations

import copy
import difflib
import math
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

_PACKAGE = "configs"
SOLVE_PACKAGE = "solve_configs"


class ConfigError(ValueError):
    """A configuration problem the user can fix; reported in one line, exit code 2."""


def builtin_names(package: str = _PACKAGE) -> list[str]:
    return sorted(
        p.name[:-5]
        for p in resources.files("physax.experiments").joinpath(package).iterdir()
        if p.name.endswith(".toml")
    )


def builtin(name: str, package: str = _PACKAGE) -> dict:
    """The default configuration of the built-in experiment (or solvable problem) ``name``."""
    path = resources.files("physax.experiments").joinpath(package, f"{name}.toml")
    if name not in builtin_names(package) or not path.is_file():  # no paths: names only
        close = difflib.get_close_matches(name, builtin_names(package), n=1)
        hint = f" Did you mean '{close[0]}'?" if close else ""
        what = "experiment" if package == _PACKAGE else "solvable problem"
        raise ConfigError(f"unknown {what} '{name}'.{hint} `physax list` shows them all.")
    return tomllib.loads(path.read_text())


def read_toml(path: str | Path) -> dict:
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"config file {path} does not exist.")
    try:
        return tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"config file {path} is not valid TOML: {e}.") from None


def _type_name(v: Any) -> str:
    return {
        bool: "a boolean",
        int: "an integer",
        float: "a number",
        str: "a string",
        list: "a list",
    }.get(type(v), type(v).__name__)


_INT64 = 2**63


def _check_number(key: str, default: Any, value: Any) -> None:
    """Every number must be finite (unless its default is not) and fit in 64 bits."""
    if isinstance(value, bool):
        return
    if isinstance(value, float) and not math.isfinite(value):
        if not (isinstance(default, float) and not math.isfinite(default)):
            raise ConfigError(f"config key '{key}' must be a finite number, got {value!r}.")
    if isinstance(value, int) and not -_INT64 <= value < _INT64:
        raise ConfigError(f"config key '{key}' is out of range (|value| < 2**63), got {value!r}.")


def _check_sign(key: str, default: Any, value: Any) -> None:
    """Counts (integers whose default is >= 0), loss weights, learning rates and noise levels
    cannot be negative."""
    leaf = key.rsplit(".", 1)[-1]
    if type(value) is int and type(default) is int and default >= 0 and value < 0:
        raise ConfigError(f"config key '{key}' must be >= 0, got {value}.")
    if isinstance(value, int | float) and not isinstance(value, bool) and value < 0:
        if (
            key.startswith("weights.")
            or leaf in ("noise", "learning_rate")
            or leaf.endswith("_learning_rate")
        ):
            raise ConfigError(f"config key '{key}' must be >= 0, got {value}.")


def _check_value(key: str, default: Any, value: Any) -> Any:
    _check_sign(key, default, value)
    for v in value if isinstance(value, list) else [value]:
        if isinstance(v, list | dict):
            if isinstance(value, list) and isinstance(v, dict):
                raise ConfigError(f"config key '{key}' must be a list of values, not of tables.")
            continue
        _check_number(key, default, v)
    if isinstance(default, bool) or isinstance(value, bool):
        if type(value) is not type(default):
            raise ConfigError(f"config key '{key}' must be {_type_name(default)}, got {value!r}.")
        return value
    if isinstance(default, float) and isinstance(value, int):
        return float(value)
    if isinstance(default, list) and isinstance(value, list):
        return value
    if type(value) is not type(default):
        raise ConfigError(f"config key '{key}' must be {_type_name(default)}, got {value!r}.")
    return value


def merge(defaults: dict, overrides: dict, prefix: str = "") -> dict:
    """``overrides`` laid over ``defaults``; every key must already exist in ``defaults``."""
    out = copy.deepcopy(defaults)
    for key, value in overrides.items():
        full = f"{prefix}{key}"
        if key not in defaults:
            options = [f"{prefix}{k}" for k in defaults]
            close = difflib.get_close_matches(full, options, n=1)
            hint = f" Did you mean '{close[0]}'?" if close else f" Valid keys here: {', '.join(options)}."
            raise ConfigError(f"unknown config key '{full}'.{hint}")
        if isinstance(defaults[key], dict):
            if not isinstance(value, dict):
                raise ConfigError(
                    f"config key '{full}' is a table; set its entries, e.g. '{full}.<name>=...'."
                )
            out[key] = merge(defaults[key], value, f"{full}.")
        else:
            out[key] = _check_value(full, defaults[key], value)
    return out


def parse_overrides(items: list[str]) -> dict:
    """``["train.adam_steps=100", "problem.name=burgers"]`` as a nested dict (values are TOML literals)."""
    out: dict = {}
    for item in items:
        if "=" not in item:
            raise ConfigError(f"--set takes key=value, got '{item}'.")
        key, raw = item.split("=", 1)
        key = key.strip()
        try:
            value = tomllib.loads(f"v = {raw}")["v"]
        except tomllib.TOMLDecodeError:
            value = raw  # a bare word: take it as a string
        node = out
        parts = key.split(".")
        for i, part in enumerate(parts[:-1]):
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise ConfigError(
                    f"--set {key}: '{'.'.join(parts[: i + 1])}' was set to a value, not a table."
                )
        if isinstance(node.get(parts[-1]), dict):
            raise ConfigError(f"--set {key}: '{key}' is a table; set its entries, e.g. '{key}.<name>=...'.")
        node[parts[-1]] = value
    return out


def dumps(cfg: dict) -> str:
    """Serialise a resolved configuration to TOML (scalars first, then tables)."""

    def value(v: Any) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, str):
            return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
        if isinstance(v, float):
            return (
                repr(v)
                if v == v and abs(v) != float("inf")
                else ("nan" if v != v else ("inf" if v > 0 else "-inf"))
            )
        if isinstance(v, list):
            return "[" + ", ".join(value(x) for x in v) + "]"
        return str(v)

    def table(d: dict, name: str) -> list[str]:
        lines = [f"[{name}]"] if name else []
        lines += [f"{k} = {value(v)}" for k, v in d.items() if not isinstance(v, dict)]
        for k, v in d.items():
            if isinstance(v, dict):
                lines += [""] + table(v, f"{name}.{k}" if name else k)
        return lines

    return "\n".join(table(cfg, "")) + "\n"
