"""`summary.md`: a short human-readable report of a run."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ._metrics import atomic_write_text

_CAPTIONS = {
    "solution": "Prediction",
    "reference": "Reference",
    "error": "Absolute error",
    "slices": "Prediction vs reference at three times",
    "loss": "Training history",
    "parameters": "Parameter identification",
}
_HEADLINE = ("rel_l2", "wall_time_s", "steps", "device")
_NAMES = {
    "rel_l2": "relative L2 error",
    "wall_time_s": "wall time",
    "steps": "steps",
    "device": "device",
}
_ESTIMATE_KEYS = ("estimate", "value", "identified", "final")
_TRUE_KEYS = ("true", "true_value", "exact", "reference")
_REL_KEYS = ("rel_error", "relative_error", "rel_err")


def _as_float(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return float(value)  # also "nan" / "inf" as written by write_json
    except (TypeError, ValueError):
        return None


def _percent(value: Any) -> str:
    x = _as_float(value)
    if x is None:
        return str(value)
    if not math.isfinite(x):
        return str(x)
    return f"{100 * x:.3g}%"


def _number(value: Any) -> str:
    x = _as_float(value)
    if x is None:
        return str(value)
    if isinstance(value, int) or (math.isfinite(x) and x.is_integer() and abs(x) < 1e15):
        return f"{int(x):,}"
    return f"{x:.6g}"


def _duration(value: Any) -> str:
    x = _as_float(value)
    if x is None or not math.isfinite(x):
        return str(value)
    if x < 60:
        return f"{x:.3g} s"
    minutes, seconds = divmod(x, 60)
    if minutes < 60:
        return f"{int(minutes)} min {seconds:.0f} s ({x:.0f} s)"
    hours, minutes = divmod(minutes, 60)
    return f"{int(hours)} h {int(minutes)} min ({x:.0f} s)"


def _format_metric(key: str, value: Any) -> str:
    if key == "wall_time_s" or key.endswith("_time_s"):
        return _duration(value)
    if key.startswith("rel_") or key.endswith("rel_error"):
        return _percent(value)
    if isinstance(value, str):
        return value
    return _number(value)


def _first(mapping: Mapping[str, Any], keys: Sequence[str]) -> Any:
    for k in keys:
        if k in mapping:
            return mapping[k]
    return None


def _parameter_rows(parameters: Mapping[str, Any]) -> list[str]:
    lines = ["| parameter | estimate | true | relative error |", "|---|---:|---:|---:|"]
    for name, entry in parameters.items():
        if isinstance(entry, Mapping):
            est, true, rel = (_first(entry, keys) for keys in (_ESTIMATE_KEYS, _TRUE_KEYS, _REL_KEYS))
        else:
            est, true, rel = entry, None, None
        e, t = _as_float(est), _as_float(true)
        if rel is None and e is not None and t not in (None, 0.0):
            rel = abs(e - t) / abs(t)
        cells = [
            f"`{name}`",
            "–" if est is None else _number(est),
            "–" if true is None else _number(true),
            "–" if rel is None else _percent(rel),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def _flatten(config: Mapping[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    items = []
    for k, v in config.items():
        key = f"{prefix}{k}"
        if isinstance(v, Mapping):
            items.extend(_flatten(v, key + "."))
        else:
            items.append((key, v))
    return items


def _literal(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_literal(v) for v in value) + "]"
    return repr(value) if isinstance(value, float) else str(value)


def write_summary(
    path: str | os.PathLike[str],
    *,
    experiment: str,
    description: str,
    config: Mapping[str, Any],
    metrics: Mapping[str, Any],
    figures: Sequence[str | os.PathLike[str]],
) -> Path:
    r"""Atomically write a short Markdown report of a run (`summary.md`).

    It holds the description, a table of headline metrics (relative L2 error, wall
    time, steps, device, then any other scalar metric), a table of identified
    parameters when `metrics["parameters"]` exists, the command to reproduce the run,
    the figures (embedded with paths relative to the report) and the configuration.

    `metrics["parameters"]` maps a name to either a number (the estimate) or a dict with
    `estimate` (or `value`), `true` (or `true_value`) and optionally `rel_error`.

    **Arguments:**

    - `path`: the Markdown file to write.
    - `experiment`: experiment name, e.g. `"burgers-inverse"`.
    - `description`: one or a few sentences about the run.
    - `config`: the resolved configuration (shown flattened as `a.b = value`).
    - `metrics`: the content of `metrics.json`.
    - `figures`: PNG paths, absolute or relative to the report's directory.

    **Returns:** the path written.

    **Example:**

    >>> path = write_summary(
    ...     "run/summary.md", experiment="burgers-inverse", description="Identify nu.",
    ...     config={"train": {"steps": 500}}, figures=["loss.png"],
    ...     metrics={"rel_l2": 0.012, "wall_time_s": 75.0,
    ...              "parameters": {"nu": {"estimate": 0.0033, "true": 0.00318}}})
    >>> text = path.read_text()
    >>> print("\n".join(line for line in text.splitlines() if line.startswith("|")))
    | metric | value |
    |---|---:|
    | relative L2 error | 1.2% |
    | wall time | 1 min 15 s (75 s) |
    | parameter | estimate | true | relative error |
    |---|---:|---:|---:|
    | `nu` | 0.0033 | 0.00318 | 3.77% |
    >>> "train.steps = 500" in text, "![loss](loss.png)" in text
    (True, True)
    """
    path = Path(path)
    lines = [f"# {experiment}", ""]
    if description:
        lines += [description.strip(), ""]

    rows = [(k, metrics[k]) for k in _HEADLINE if k in metrics]
    rows += [
        (k, v)
        for k, v in metrics.items()
        if k not in _HEADLINE
        and k != "parameters"
        and (isinstance(v, (str, int, float)) or _as_float(v) is not None)
    ]
    lines += ["## Results", ""]
    if rows:
        lines += ["| metric | value |", "|---|---:|"]
        lines += [f"| {_NAMES.get(k, k)} | {_format_metric(k, v)} |" for k, v in rows]
        lines.append("")
    else:
        lines += ["No metrics were recorded.", ""]
    parameters = metrics.get("parameters")
    if isinstance(parameters, Mapping) and parameters:
        lines += ["### Identified parameters", "", *_parameter_rows(parameters), ""]

    lines += [
        "## Reproduce",
        "",
        "From this directory:",
        "",
        "```sh",
        f"physax run {experiment} --config config.toml",
        "```",
        "",
    ]

    if figures:
        lines += ["## Figures", ""]
        for fig in figures:
            fig_path = Path(fig)
            rel = os.path.relpath(fig_path, path.parent) if fig_path.is_absolute() else fig_path
            rel = Path(rel).as_posix()
            name = fig_path.stem
            lines += [f"**{_CAPTIONS.get(name, name)}**", "", f"![{name}]({rel})", ""]

    flat = _flatten(config)
    if flat:
        lines += [
            "## Configuration",
            "",
            "<details><summary>resolved configuration</summary>",
            "",
            "```toml",
            *(f"{k} = {_literal(v)}" for k, v in flat),
            "```",
            "",
            "</details>",
            "",
        ]
    return atomic_write_text(path, "\n".join(lines))
