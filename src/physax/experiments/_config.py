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
    """A configuration problem the user can fix; reported in one line, exit code 2.

    A `ValueError`: an unknown key (with "did you mean"), a wrong type, a missing file,
    a run directory that cannot be resumed.

    **Example:**

    >>> try:
    ...     load("heat-forward", {"train.adam_step": 300})
    ... except ConfigError as err:
    ...     print(err)
    unknown config key 'train.adam_step'. Did you mean 'train.adam_steps'?
    """


def builtin_names(package: str = _PACKAGE) -> list[str]:
    return sorted(
        p.name[:-5]
        for p in resources.files("physax.experiments").joinpath(package).iterdir()
        if p.name.endswith(".toml")
    )


def builtin(name: str, package: str = _PACKAGE) -> dict:
    """The default configuration of the built-in experiment (or solvable problem) `name`."""
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
        what = "is not a file" if path.exists() else "does not exist"
        raise ConfigError(f"config file {path} {what}.")
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise ConfigError(f"cannot read config file {path}: {e.strerror}.") from None
    except UnicodeDecodeError:
        raise ConfigError(f"config file {path} is not UTF-8 text (a binary file?).") from None
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


def _check_text(key: str, value: Any) -> None:
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ConfigError(f"config key '{key}' must be valid UTF-8 text, got {value!r}.") from None


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


_element_samples: dict[str, Any] | None = None


def _element_sample(key: str, default: list) -> Any:
    """An example element of the list `key`: the default's first, else one from any shipped
    configuration with a non-empty list under the same name (`levels = []` here, `[1, 2]`
    there), else `None` (unknown: any one scalar type)."""
    global _element_samples
    if default:
        return default[0]
    if _element_samples is None:
        _element_samples = {}

        def walk(d: dict) -> None:
            for k, v in d.items():
                if isinstance(v, dict):
                    walk(v)
                elif isinstance(v, list) and v:
                    _element_samples.setdefault(k, v[0])

        for package in (_PACKAGE, SOLVE_PACKAGE):
            for name in builtin_names(package):
                walk(builtin(name, package))
    return _element_samples.get(key.rsplit(".", 1)[-1])


def _check_list(key: str, default: list, value: list) -> list:
    sample = _element_sample(key, default)
    if sample is None:
        sample = value[0] if value else None
    if isinstance(sample, dict):  # a list of inline tables (train.phases): entries checked by its builder
        for v in value:
            if not isinstance(v, dict) or any(isinstance(x, list | dict) for x in v.values()):
                raise ConfigError(
                    f"config key '{key}' must be a list of tables like {{kind = ...}}, got {value!r}."
                )
            for x in v.values():
                _check_number(key, 0, x)
                _check_text(key, x)
        return value
    out = []
    for v in value:
        if isinstance(v, list | dict) or (sample is not None and not _matches(v, sample)):
            want = "values" if sample is None else _type_name(sample).split(" ", 1)[-1] + "s"
            raise ConfigError(f"config key '{key}' must be a list of {want}, got {value!r}.")
        _check_number(key, sample, v)
        _check_sign(key, sample, v)
        _check_text(key, v)
        out.append(float(v) if isinstance(sample, float) and type(v) is int else v)
    return out


def _matches(v: Any, sample: Any) -> bool:
    """`v` has the type of `sample` (an integer may stand for a float, nothing for a boolean)."""
    return type(v) is type(sample) or (type(sample) is float and type(v) is int)


def _check_value(key: str, default: Any, value: Any) -> Any:
    if isinstance(default, list):
        if not isinstance(value, list):
            raise ConfigError(f"config key '{key}' must be a list, got {value!r}.")
        return _check_list(key, default, value)
    if isinstance(value, list | dict):
        raise ConfigError(f"config key '{key}' must be {_type_name(default)}, got {value!r}.")
    _check_sign(key, default, value)
    _check_number(key, default, value)
    _check_text(key, value)
    if isinstance(default, bool) or isinstance(value, bool):
        if type(value) is not type(default):
            raise ConfigError(f"config key '{key}' must be {_type_name(default)}, got {value!r}.")
        return value
    if isinstance(default, float) and type(value) is int:
        return float(value)
    if type(value) is not type(default):
        raise ConfigError(f"config key '{key}' must be {_type_name(default)}, got {value!r}.")
    return value


def merge(defaults: dict, overrides: dict, prefix: str = "") -> dict:
    """`overrides` laid over `defaults`; every key must already exist in `defaults`."""
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
    """`["train.adam_steps=100", "problem.name=burgers"]` as a nested dict (values are TOML literals).

    What `physax run NAME --set key=value` does with its `--set` options; a bare word that
    is not a TOML literal is taken as a string.

    **Arguments:** `items`: `key=value` strings with dotted keys.

    **Returns:** the nested overrides, for `load`.

    **Example:**

    >>> parse_overrides(["train.adam_steps=300", "model.activation=sin", 'problem.unknown=["k"]'])
    {'train': {'adam_steps': 300}, 'model': {'activation': 'sin'}, 'problem': {'unknown': ['k']}}
    """
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


def _toml_string(v: str) -> str:
    """A TOML basic string: quotes, backslashes and control characters escaped."""
    out = []
    for ch in v:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _toml_key(k: str) -> str:
    """A bare TOML key where allowed, else a quoted one."""
    return k if k and all(c.isascii() and (c.isalnum() or c in "_-") for c in k) else _toml_string(k)


def dumps(cfg: dict) -> str:
    """Serialise a resolved configuration to TOML (scalars first, then tables)."""

    def value(v: Any) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, str):
            return _toml_string(v)
        if isinstance(v, float):
            return (
                repr(v)
                if v == v and abs(v) != float("inf")
                else ("nan" if v != v else ("inf" if v > 0 else "-inf"))
            )
        if isinstance(v, list):
            return "[" + ", ".join(value(x) for x in v) + "]"
        if isinstance(v, dict):  # an inline table inside a list
            return "{" + ", ".join(f"{_toml_key(k)} = {value(x)}" for k, x in v.items()) + "}"
        return str(v)

    def table(d: dict, name: str) -> list[str]:
        lines = [f"[{name}]"] if name else []
        lines += [f"{k} = {value(v)}" for k, v in d.items() if not isinstance(v, dict)]
        for k, v in d.items():
            if isinstance(v, dict):
                lines += [""] + table(v, f"{name}.{k}" if name else k)
        return lines

    return "\n".join(table(cfg, "")) + "\n"
