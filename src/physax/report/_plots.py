"""PNG figures of a field on a grid: solution, reference, error map and time slices.

Figures are built with `matplotlib.figure.Figure` directly (no pyplot): no global
figure registry, no backend switch, safe to call from worker threads.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.colors import LogNorm, Normalize
from matplotlib.figure import Figure

from ._metrics import atomic_write

DPI = 120
SIGNED_CMAP = "RdBu_r"
POSITIVE_CMAP = "viridis"
ERROR_CMAP = "magma"
ERROR_DYNAMIC_RANGE = 1e6  # the error colour scale spans at most six decades

Axes1D = Sequence[tuple[str, Any]]


# ----------------------------------------------------------------------------- helpers


def save_figure(fig: Figure, path: str | os.PathLike[str]) -> Path:
    r"""Write `fig` to the PNG `path` atomically (no half-written file on error) and clear it.

    Takes a `matplotlib.figure.Figure` built without pyplot (no global figure registry,
    safe in worker threads), as every physax figure is.

    **Arguments:**

    - `fig`: the figure.
    - `path`: the PNG file to write; parent directories are created.

    **Returns:** the path written.

    **Example:**

    >>> from matplotlib.figure import Figure
    >>> fig = Figure(figsize=(3, 2))
    >>> _ = fig.subplots().plot([0, 1, 2], [1, 0, 1])
    >>> path = save_figure(fig, "figures/v.png")
    >>> path.name, path.read_bytes()[:4] == b"\x89PNG", len(fig.axes)
    ('v.png', True, 0)
    """
    try:
        return atomic_write(path, lambda f: fig.savefig(f, format="png", dpi=DPI), binary=True)
    finally:
        fig.clear()


_GREEK = frozenset(
    "alpha beta gamma delta epsilon zeta eta theta kappa lambda mu nu xi pi rho sigma tau "
    "phi chi psi omega Gamma Delta Theta Lambda Xi Pi Sigma Phi Psi Omega".split()
)


def _coord_label(name: str) -> str:
    """Math-text for short symbols (`x`, `t`, `nu`, `lambda_1`); other names stay plain."""
    base, _, sub = name.partition("_")
    if base in _GREEK:
        base = "\\" + base
    elif not (base.isalpha() and len(base) <= 2):
        return name
    if not sub:
        return f"${base}$"
    return f"${base}_{{{sub}}}$" if sub.isalnum() and len(sub) <= 3 else name


def _check(reference_axes: Axes1D, values: Any, what: str = "values"):
    axes = []
    for item in reference_axes:
        name, a = item
        axes.append((str(name), np.asarray(a, dtype=float).reshape(-1)))
    if not axes:
        raise ValueError("reference_axes is empty: give at least one (name, 1-d array) pair")
    shape = tuple(len(a) for _, a in axes)
    arr = np.asarray(values, dtype=float)
    if arr.shape == (*shape, 1):
        arr = arr[..., 0]
    if arr.shape != shape:
        names = ", ".join(n for n, _ in axes)
        raise ValueError(
            f"{what} has shape {arr.shape} but the axes ({names}) give {shape}; evaluate on "
            "the grid with np.meshgrid(..., indexing='ij') and reshape to that shape"
        )
    return axes, arr


def _reduce(axes, values):
    """Slice fields with more than two axes down to the last two (final time if 't')."""
    notes = []
    while len(axes) > 2:
        name, a = axes[0]
        i = len(a) - 1 if name == "t" else len(a) // 2
        notes.append(f"{name} = {a[i]:.3g}")
        values = values[i]
        axes = axes[1:]
    return axes, values, ", ".join(notes)


def _finite(*arrays: np.ndarray) -> np.ndarray:
    flat = np.concatenate([np.ravel(a) for a in arrays])
    return flat[np.isfinite(flat)]


def _value_norm(*arrays: np.ndarray) -> tuple[str, Normalize | None]:
    """Diverging, zero-centred colours for signed fields; sequential otherwise."""
    v = _finite(*arrays)
    if v.size == 0:
        return POSITIVE_CMAP, None
    lo, hi = float(v.min()), float(v.max())
    if lo < 0 < hi:
        m = max(-lo, hi)
        return SIGNED_CMAP, Normalize(-m, m)
    if lo == hi:
        lo, hi = lo - 0.5, hi + 0.5
    return POSITIVE_CMAP, Normalize(lo, hi)


def _error_norm(err: np.ndarray) -> tuple[np.ndarray, Normalize | None]:
    """Log colour scale whose floor is the smallest error or vmax / 1e6, whichever is larger."""
    v = _finite(err)
    positive = v[v > 0]
    if positive.size == 0:
        return err, None  # exact (or all-NaN): a linear scale is the honest picture
    vmax = float(positive.max())
    vmin = max(float(positive.min()), vmax / ERROR_DYNAMIC_RANGE)
    if vmin >= vmax:
        vmin = vmax / 10.0
    return np.where(np.isnan(err), np.nan, np.maximum(err, vmin)), LogNorm(vmin, vmax)


def _draw_field(
    fig: Figure, ax, axes, values, *, label: str, cmap: str | None, norm: Normalize | None
) -> None:
    if len(axes) == 1:
        ((name, a),) = axes
        ax.plot(a, values, color="C0", lw=1.8, marker="o" if len(a) < 3 else None)
        ax.set_xlabel(_coord_label(name))
        ax.set_ylabel(label)
        if isinstance(norm, LogNorm):
            ax.set_yscale("log")
        ax.grid(alpha=0.3)
        return
    (n0, a0), (n1, a1) = axes
    mesh = ax.pcolormesh(a0, a1, values.T, shading="auto", cmap=cmap, norm=norm, rasterized=True)
    fig.colorbar(mesh, ax=ax, label=label)
    ax.set_xlabel(_coord_label(n0))
    ax.set_ylabel(_coord_label(n1))
    if "t" not in (n0, n1):
        w, h = np.ptp(a0), np.ptp(a1)
        if w > 0 and h > 0 and 0.25 <= h / w <= 4:
            ax.set_aspect("equal")


def _field_figure(axes) -> Figure:
    if len(axes) == 1:
        size = (6.0, 3.8)
    elif axes[0][0] == "t" or axes[1][0] == "t":
        size = (7.5, 3.8)
    else:
        size = (5.8, 4.8)
    return Figure(figsize=size, dpi=DPI, layout="constrained")


# ----------------------------------------------------------------------------- fields


def plot_field(
    path: str | os.PathLike[str],
    reference_axes: Axes1D,
    values: Any,
    *,
    title: str,
    label: str,
    cmap: str | None = None,
    norm: Normalize | None = None,
    log: bool = False,
) -> Path:
    """Draw a field on a tensor grid and save it as a PNG.

    Two axes give a `pcolormesh` image with the first axis horizontal (for a space-time
    field `(("t", t), ("x", x))` this is the usual picture: t to the right, x up); one
    axis gives a line plot. Fields with more axes are shown at the final time (first
    axis named "t") or at the middle of the extra leading axes.

    **Arguments:**

    - `path`: the PNG file to write.
    - `reference_axes`: `((name, 1-d array), ...)` in coordinate order.
    - `values`: array of shape `tuple(len(a) for _, a in reference_axes)`
      (a trailing channel axis of size 1 is accepted).
    - `title`: figure title.
    - `label`: colour-bar label (y label for a 1-d field).
    - `cmap`, `norm`: override the colour map / normalisation (default: `"RdBu_r"`
      centred on zero for signed fields, `"viridis"` otherwise).
    - `log`: log colour scale with a floor at `max / 1e6` (for error magnitudes).

    **Returns:** the path written.

    **Example:**

    >>> t, x = np.linspace(0, 1, 11), np.linspace(-1, 1, 21)
    >>> u = -np.sin(np.pi * x)[None, :] * np.exp(-t)[:, None]
    >>> plot_field("u.png", (("t", t), ("x", x)), u, title="decaying sine", label="$u$").name
    'u.png'
    """
    axes, arr = _check(reference_axes, values)
    axes, arr, note = _reduce(axes, arr)
    if log:
        arr, log_norm = _error_norm(arr)
        norm = norm or log_norm
        cmap = cmap or ERROR_CMAP
    elif norm is None:
        default_cmap, norm = _value_norm(arr)
        cmap = cmap or default_cmap
    fig = _field_figure(axes)
    ax = fig.add_subplot()
    _draw_field(fig, ax, axes, arr, label=label, cmap=cmap, norm=norm)
    ax.set_title(f"{title} ({note})" if note else title)
    return save_figure(fig, path)


def _rel_l2(prediction: np.ndarray, reference: np.ndarray) -> float:
    den = float(np.sqrt(np.sum(reference**2)))
    num = float(np.sqrt(np.sum((prediction - reference) ** 2)))
    return num / den if den > 0 else float("nan")


def _plot_slices(
    path: Path,
    axes,
    reference: np.ndarray,
    prediction: np.ndarray,
    *,
    label: str,
    fractions=(0.25, 0.5, 0.75),
) -> Path:
    (tname, t), (xname, x) = axes
    fig = Figure(figsize=(4.0 * len(fractions), 3.6), dpi=DPI, layout="constrained")
    panels = fig.subplots(1, len(fractions), sharey=True, squeeze=False)[0]
    for ax, q in zip(panels, fractions, strict=True):
        i = int(round(q * (len(t) - 1)))
        ax.plot(x, reference[i], color="C0", lw=2.4, label="reference")
        ax.plot(x, prediction[i], color="C3", lw=1.8, ls="--", label="prediction")
        ax.set_title(f"{_coord_label(tname)} = {t[i]:.3g}")
        ax.set_xlabel(_coord_label(xname))
        ax.grid(alpha=0.3)
    panels[0].set_ylabel(label)
    panels[-1].legend(frameon=False, loc="best")
    fig.suptitle("Prediction vs reference")
    return save_figure(fig, path)


def plot_solution(
    out_dir: str | os.PathLike[str],
    reference_axes: Axes1D,
    reference_values: Any,
    prediction: Any,
    *,
    label: str = "u",
) -> list[Path]:
    r"""Write `solution.png`, `reference.png`, `error.png` and (space-time) `slices.png`.

    The prediction and the reference share one colour scale; the error
    $|u_{pred} - u_{ref}|$ uses a log scale floored at `max / 1e6`, with the
    relative L2 error $\|u_{pred} - u_{ref}\|_2 / \|u_{ref}\|_2$ over the grid in its title.
    For a space-time field (two axes, the first named "t"), `slices.png` shows $u(x)$ at 25%,
    50% and 75% of the time axis, reference solid and prediction dashed (as in Raissi
    et al. 2019, Fig. 1).

    **Arguments:**

    - `out_dir`: the run directory.
    - `reference_axes`: `((name, 1-d array), ...)` in coordinate order.
    - `reference_values`: reference field on that grid.
    - `prediction`: predicted field on the same grid.
    - `label`: name of the field for colour-bar labels.

    **Returns:** the paths written.

    **Example:**

    >>> t, x = np.linspace(0, 1, 11), np.linspace(-1, 1, 21)
    >>> ref = -np.sin(np.pi * x)[None, :] * np.exp(-t)[:, None]
    >>> [p.name for p in plot_solution("run", (("t", t), ("x", x)), ref, 1.01 * ref)]
    ['solution.png', 'reference.png', 'error.png', 'slices.png']
    """
    out = Path(out_dir)
    axes, ref = _check(reference_axes, reference_values, "reference_values")
    _, pred = _check(reference_axes, prediction, "prediction")
    sym = _coord_label(label)
    cmap, norm = _value_norm(ref, pred)
    paths = [
        plot_field(
            out / "solution.png",
            axes,
            pred,
            title="Prediction",
            label=f"{sym} (prediction)",
            cmap=cmap,
            norm=norm,
        ),
        plot_field(
            out / "reference.png",
            axes,
            ref,
            title="Reference",
            label=f"{sym} (reference)",
            cmap=cmap,
            norm=norm,
        ),
    ]
    err = np.abs(pred - ref)
    rel = _rel_l2(pred, ref)
    title = "Absolute error" + ("" if math.isnan(rel) else f" (rel. $L^2$ = {rel:.3g})")
    inner = sym.strip("$")
    if sym.startswith("$") and "_" not in inner:
        err_label = rf"$|{inner}_{{\mathrm{{pred}}}} - {inner}_{{\mathrm{{ref}}}}|$"
    else:
        err_label = f"|{label}_pred − {label}_ref|"
    paths.append(plot_field(out / "error.png", axes, err, title=title, label=err_label, log=True))
    if len(axes) == 2 and axes[0][0] == "t" and len(axes[0][1]) >= 2:
        paths.append(_plot_slices(out / "slices.png", axes, ref, pred, label=sym))
    return paths
