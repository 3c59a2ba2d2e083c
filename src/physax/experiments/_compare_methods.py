"""The methods `compare` runs: each returns a `MethodResult` scored on the problem's reference grid.

Budget (``--budget SECONDS``): the iterative methods (PINN, FBPINN, ODIL) get a callback
that stops training cleanly after the first chunk (Newton step for ODIL) whose wall time
reaches the budget; the model at that point is scored. The direct solves (ELM, classical,
FEM) are not cut.

Compile time: ELM and ODIL report their own; the classical and FEM solves are run twice
(first run minus second run); for PINN/FBPINN it is estimated from the history as the
excess of each phase's first chunk over the phase's steady time per step.
"""

from __future__ import annotations

import dataclasses
import math
import time
from pathlib import Path

import jax
import numpy as np

from .. import metrics as mt, problems as pb
from ._config import ConfigError


@dataclasses.dataclass
class MethodResult:
    """One row of a comparison (see `compare`).

    **Fields:**

    - `method`: `"pinn"`, `"fbpinn"`, `"elm"`, `"odil"`, `"classical"` or `"fem"`.
    - `status`: `"ok"`, `"skipped"` or `"failed"`.
    - `reason`: why it was skipped or failed.
    - `recipe`: what ran: a TOML name or the solver settings.
    - `rel_l2`: the relative L2 error against the problem's reference.
    - `wall_time_s`: everything, compilation included.
    - `compile_time_s`: the compilation share of it.
    - `size`: `("parameters", n)` or `("unknowns", n)`.
    - `curve`: `(wall_time_s, rel_l2)` per chunk for iterative methods.
    - `stopped_by_budget`: whether the wall-time budget ended the run.

    **Example:**

    >>> row = MethodResult("classical", status="skipped", reason="no classical solver hook")
    >>> row.status, row.rel_l2, row.curve
    ('skipped', None, [])
    """

    method: str
    status: str = "ok"
    reason: str = ""
    recipe: str = ""
    rel_l2: float | None = None
    wall_time_s: float | None = None
    compile_time_s: float | None = None
    size: tuple[str, int] | None = None
    curve: list[tuple[float, float]] = dataclasses.field(default_factory=list)
    stopped_by_budget: bool = False


class _Budget(Exception):
    def __init__(self, state):
        super().__init__("wall-time budget reached")
        self.state = state


def budget_callback(budget: float | None, history: list):
    """``callback(record, state)``: keeps the record; raises `_Budget` once the budget is spent."""

    def callback(record, state):
        history.append(dict(record))
        if budget is not None and float(record.get("wall_time_s", 0.0)) >= budget:
            raise _Budget(state)

    return callback


def compile_estimate(history: list[dict]) -> float | None:
    """Σ over phases of (first chunk's time − its steps × the phase's median time per step)."""
    total, found, prev_w, prev_s = 0.0, False, 0.0, 0
    rows = []
    for r in history:
        w, s = float(r.get("wall_time_s", math.nan)), int(r.get("step", 0))
        rows.append((r.get("phase", ""), w - prev_w, s - prev_s))
        prev_w, prev_s = w, s
    i = 0
    while i < len(rows):
        j = i
        while j < len(rows) and rows[j][0] == rows[i][0]:
            j += 1
        rates = [dt / ds for _, dt, ds in rows[i + 1 : j] if ds > 0]
        if rates and rows[i][2] > 0:
            total += max(0.0, rows[i][1] - rows[i][2] * float(np.median(rates)))
            found = True
        i = j
    return total if found else None


def _curve(history) -> list[tuple[float, float]]:
    return [
        (float(r["wall_time_s"]), float(r["rel_l2"]))
        for r in history
        if "rel_l2" in r and "wall_time_s" in r and math.isfinite(float(r["rel_l2"]))
    ]


def _n_params(tree) -> int:
    import equinox as eqx

    return sum(int(np.size(x)) for x in jax.tree.leaves(eqx.filter(tree, eqx.is_inexact_array)))


# ----------------------------------------------------------------------------- PINN / FBPINN / ELM
def _recipe(cfg: dict) -> str:
    """A shipped TOML's file name, or the description of a recipe `compare` derived from one."""
    from ._spec import names

    return f"{cfg['experiment']}.toml" if cfg["experiment"] in names() else cfg["description"]


def run_pinn(cfg: dict, budget: float | None, progress: bool) -> MethodResult:
    from .. import pinn
    from ._pinn import PinnExperiment

    exp = PinnExperiment(cfg)
    state, history = exp.initial_state(), []
    stopped = False
    try:
        state, _ = pinn.run(
            exp.trainer,
            state,
            chunk=cfg["chunk"],
            callbacks=[budget_callback(budget, history)],
            progress=progress,
        )
    except _Budget as b:
        state, stopped = b.state, True
    pred, ref = pinn.reference_prediction(exp.trainer, state)
    return MethodResult(
        "pinn",
        recipe=_recipe(cfg),
        rel_l2=mt.rel_l2_float64(pred, ref.values),
        wall_time_s=float(history[-1]["wall_time_s"]) if history else 0.0,
        compile_time_s=compile_estimate(history),
        size=("parameters", _n_params(exp.trainer.model(state.params))),
        curve=_curve(history),
        stopped_by_budget=stopped,
    )


def run_fbpinn(cfg: dict, budget: float | None, progress: bool) -> MethodResult:
    from .. import fbpinn
    from ._fbpinn import FBPINNExperiment
    from ._fbpinn_build import _pinn_collocation
    from ._pinn_build import build_collocation

    exp = FBPINNExperiment(cfg)
    history, stopped = [], False
    try:
        result = fbpinn.fit(
            exp.problem,
            exp.model,
            key=exp.key,
            collocation=build_collocation(_pinn_collocation(cfg)),
            adam=exp.adam,
            scheduler=exp.scheduler,
            weights=dict(cfg["weights"]),
            hard_constraints=cfg["model"]["hard_constraints"],
            chunk=cfg["chunk"],
            callbacks=[budget_callback(budget, history)],
            progress=progress,
        )
        model = result.model
    except _Budget as b:
        model, stopped = b.state.model, True
    ref = exp.problem.reference()
    pred = np.asarray(fbpinn.predict(model, ref.points), np.float64)
    return MethodResult(
        "fbpinn",
        recipe=_recipe(cfg),
        rel_l2=mt.rel_l2_float64(pred, ref.flat_values),
        wall_time_s=float(history[-1]["wall_time_s"]) if history else 0.0,
        compile_time_s=compile_estimate(history),
        size=("parameters", _n_params(model.nets)),
        curve=_curve(history),
        stopped_by_budget=stopped,
    )


def run_elm(cfg: dict, out: Path) -> MethodResult:
    from ._fbpinn import run_elm as run

    m = run(cfg, out, quiet=True)
    return MethodResult(
        "elm",
        recipe=f"{_recipe(cfg)} (run directory elm/)",
        rel_l2=m["rel_l2"],
        wall_time_s=m["wall_time_s"],
        compile_time_s=m.get("compile_time_s"),
        size=("unknowns", int(m["n_unknowns"])),
    )


# ----------------------------------------------------------------------------- direct solves
def _twice(fn):
    """(result, first wall time, compile estimate = first - second run)."""
    t0 = time.perf_counter()
    out = fn()
    first = time.perf_counter() - t0
    t1 = time.perf_counter()
    fn()
    second = time.perf_counter() - t1
    return out, first, max(0.0, first - second)


def run_fem(problem, opts: dict) -> MethodResult:
    from ..solvers import fem

    sol, wall, compiled = _twice(lambda: fem.solve(problem, **opts))
    ref = problem.reference()
    settings = ", ".join(f"{k}={v}" for k, v in opts.items())
    return MethodResult(
        "fem",
        recipe=f"scikit-fem, {settings}",
        rel_l2=mt.rel_l2_float64(sol.values, ref.values),
        wall_time_s=wall,
        compile_time_s=compiled,
        size=("unknowns", int(sol.stats["unknowns"])),
    )


def _fourier_at(u: np.ndarray, x_min: float, extent: float, x: np.ndarray) -> np.ndarray:
    """Trigonometric interpolation of periodic samples ``u[..., n]`` (grid ``x_min + j extent / n``) at `x`."""
    n = u.shape[-1]
    c = np.fft.rfft(u, axis=-1) / n
    k = np.arange(c.shape[-1])
    w = np.where((k == 0) | ((n % 2 == 0) & (k == n // 2)), 1.0, 2.0)
    phase = np.exp(2j * np.pi * np.outer(k, (x - x_min) / extent))
    return np.real((c * w) @ phase)


def run_classical(problem, opts: dict) -> MethodResult:
    """The problem's `classical` hook, sampled on the reference grid (spectral: trigonometric interpolation)."""
    ref = problem.reference()
    (tname, t), (_, x) = ref.axes
    if tname != "t" or not np.allclose(np.diff(t), t[1] - t[0]) or abs(t[0] - problem.domain.lo[0]) > 1e-12:
        raise ConfigError(f"{problem.name}: the reference times are not uniform from t0.")
    kwargs = dict(n=opts["n"], dt=opts["dt"], snapshots=len(t) - 1, t_end=float(t[-1]))
    (tt, xs, u), wall, compiled = _twice(lambda: problem.classical(**kwargs))
    u = np.asarray(u)[:, 0]
    if isinstance(problem, pb.SpectralProblem):
        x_min, extent = float(problem.domain.lo[1]), float(problem.domain.hi[1] - problem.domain.lo[1])
        values = _fourier_at(u, x_min, extent, x)
        what = "pseudo-spectral ETDRK4"
    else:
        values = np.stack([np.interp(x, xs, row) for row in u])
        what = "finite differences"
    return MethodResult(
        "classical",
        recipe=f"{what}, n={opts['n']}, dt={opts['dt']:g}",
        rel_l2=mt.rel_l2_float64(values, ref.values),
        wall_time_s=wall,
        compile_time_s=compiled,
        size=("unknowns", int(np.size(u[0]))),
    )


# ----------------------------------------------------------------------------- ODIL
def odil_available() -> str | None:
    """``None`` if `physax.odil` can run, else why not."""
    try:
        from .. import odil

        odil.solve, odil.Grid, odil.Newton  # noqa: B018
    except (ImportError, AttributeError):
        return "physax.odil not available"
    return None


def run_odil(problem, opts: dict, budget: float | None, progress: bool) -> MethodResult:
    from .. import odil

    shape = tuple(int(s) for s in opts["shape"])
    grid = odil.Grid(problem.domain, shape=shape, accuracy=int(opts.get("accuracy", 2)))
    newton = {k: opts[k] for k in ("damping", "tol") if k in opts}
    optimizer = odil.Newton(steps=int(opts["steps"]), **newton)
    history, stopped = [], False
    try:
        result = odil.solve(
            problem,
            grid,
            optimizer=optimizer,
            callbacks=[budget_callback(budget, history)],
            progress=progress,
        )
    except _Budget as b:  # stopped: take the model of the state reached (no further steps)
        stopped = True
        result = odil.solve(
            problem,
            grid,
            optimizer=odil.Newton(steps=int(b.state.step), **newton),
            state=b.state,
            track_error=False,
        )
    ref = problem.reference()
    pred = np.asarray(result.model(ref.points), np.float64)
    return MethodResult(
        "odil",
        recipe=f"Newton, grid {tuple(grid.shape)}, at most {opts['steps']} steps",
        rel_l2=mt.rel_l2_float64(pred, ref.flat_values),
        wall_time_s=float(history[-1]["wall_time_s"] if stopped else result.stats.get("wall_time_s", 0.0)),
        compile_time_s=result.stats.get("compile_s"),
        size=("unknowns", int(result.stats["unknowns"])),
        curve=_curve(history),
        stopped_by_budget=stopped,
    )
