"""`solve`: ODIL on a physax problem (Karnakov, Litvinov & Koumoutsakos, PNAS Nexus 2024)."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

import jax
import jax.numpy as jnp
import numpy as np

from .._train import History, ProgressBar, Result
from ..optim import LBFGS, Adam
from ..problems import AbstractProblem, Observations
from ._grid import Grid, GridSolution
from ._loops import Recorder, gradient_field, run_gradient, run_newton
from ._newton import Newton
from ._state import ODILState
from ._system import System


def _reference(problem: AbstractProblem):
    try:
        return problem.reference()
    except (ValueError, NotImplementedError):
        return None


def _grid_for(problem: AbstractProblem, grid: Grid) -> Grid:
    if not isinstance(grid, Grid):
        raise TypeError(f"grid must be a physax.odil.Grid, got {type(grid).__name__}.")
    if grid.domain != problem.domain:
        raise ValueError(
            "the grid is on another domain than the problem; build it as Grid(problem.domain, shape)."
        )
    periodic = dict(getattr(problem, "periodic", {}) or {})
    if periodic and not grid.periodic:
        return grid.with_periodic(periodic)
    return grid


def solve(
    problem: AbstractProblem,
    grid: Grid,
    *,
    optimizer: Newton | Adam | LBFGS | None = None,
    observations: Observations | None = None,
    key=None,
    callbacks: Sequence[Callable] = (),
    progress: bool = False,
    track_error: bool = True,
    weights: dict[str, float] | None = None,
    conditions: Sequence[str] | None = None,
    smoothing: float = 0.0,
    init: Callable | None = None,
    state: ODILState | None = None,
    chunk: int = 100,
    levels: int | None = None,
    wall_time_offset: float = 0.0,
) -> Result:
    r"""Solve a problem by ODIL: optimise the discretised PDE's residual over grid values.

    The unknowns are the field's values on the nodes of `grid` and the problem's unknown
    parameters (``Parameter(trainable=True)``). The residual vector stacks, each scaled so
    that its squared norm is the weighted sum of mean squares,

    - ``pde``: the problem's own `residual`, evaluated by the grid backend of
      `physax.pinn.Field` (Crank-Nicolson type between time levels for time-dependent
      problems, node stencils otherwise; see `physax.odil._field`);
    - one group per condition (initial: the first time level; boundary: the bounded
      spatial ends, after the first level when there is an initial condition);
    - ``data``: the multilinearly interpolated field minus each observation;
    - ``smooth`` (when `smoothing` > 0): $h^2 \Delta_h u$ at interior nodes, a Tikhonov
      term for ill-posed problems. A time-dependent problem solved without its initial
      condition (data assimilation) gets these rows on the first level only: the PDE and
      the boundary conditions determine the later levels from it, and `Newton` then
      solves in the reduced space of the initial state (see `Newton`).

    **Arguments:**

    - `problem`: a `physax.problems.AbstractProblem`.
    - `grid`: a `Grid` on ``problem.domain`` (periodic axes are taken from the problem).
    - `optimizer`: `Newton` (default ``Newton()``; sparse Jacobian by coloured jvps, SuperLU),
      or `physax.optim.Adam` / `physax.optim.LBFGS` on the multigrid decomposition of the
      unknowns (`levels` grids, default: down to ~3 nodes per axis).
    - `observations`: `physax.problems.Observations` for inverse problems / assimilation.
    - `key`: PRNG key for the Jacobian's structure probe (default ``jax.random.key(0)``).
    - `callbacks`: ``callback(record, state)`` after each Newton step or gradient chunk.
    - `progress`: draw a progress bar.
    - `track_error`: record ``rel_l2`` against ``problem.reference()`` when it has one.
    - `weights`: ``{group: weight}`` (default 1 each).
    - `conditions`: names of the problem's conditions to impose (default: all of them).
    - `smoothing`: weight of the ``smooth`` group (default 0: off).
    - `init`: ``init(points (N, d)) -> (N,)`` initial guess of the field (default zeros).
    - `state`: an `ODILState` to continue from (``result.state`` or a checkpoint).
    - `chunk`: gradient steps per compiled call (and per history record).
    - `levels`: grids of the multigrid decomposition (gradient methods; ``None``: automatic).
    - `wall_time_offset`: seconds already spent (a resumed run's history continues from it).

    Runs in float64 (scoped with ``jax.enable_x64``; the global setting is untouched).

    **Returns:** a `physax._train.Result`: `model` a `GridSolution`, `history` (``step``,
    ``phase``, ``wall_time_s``, ``loss``, each group, each unknown parameter, ``rel_l2``),
    `state` an `ODILState`, `stats` (``parameters``, ``unknowns``, ``equations``,
    ``compile_s``, ``wall_time_s`` and, for Newton, ``jacobian_nnz``, ``linear_solve_s``).

    **Raises:** `ODILDiverged` when the loss becomes NaN/inf.

    **Example:** the heat equation on an $11 \times 11$ grid: 121 unknowns, 121 equations,
    and a relative error of about 1 % against the exact solution (second order: halve $h$
    for a quarter of it).

    >>> problem = Heat1D()
    >>> result = solve(problem, Grid(problem.domain, (11, 11)), optimizer=Newton(steps=2))
    >>> result.stats["unknowns"], result.stats["equations"]
    (121, 121)
    >>> round(result.history[-1]["rel_l2"], 3)
    0.012
    >>> result.model(np.array([[0.5, 0.5]])).shape
    (1,)
    """
    optimizer = Newton() if optimizer is None else optimizer
    if not isinstance(optimizer, Newton | Adam | LBFGS):
        raise TypeError(
            f"optimizer must be odil.Newton, physax.optim.Adam or physax.optim.LBFGS, got {optimizer!r}."
        )
    if not isinstance(problem, AbstractProblem):
        raise TypeError(f"problem must be a physax.problems.AbstractProblem, got {type(problem).__name__}.")
    if chunk < 1:
        raise ValueError(f"chunk must be >= 1, got {chunk}.")
    if smoothing < 0:
        raise ValueError(f"smoothing must be >= 0, got {smoothing}.")
    grid = _grid_for(problem, grid)
    if problem.unknowns and observations is None:
        raise ValueError(
            f"{problem.name} has unknown parameters {sorted(problem.unknowns)}: give observations."
        )
    key = jax.random.key(0) if key is None else key
    with jax.enable_x64(True):
        reference = _reference(problem) if track_error else None  # cached per process; not timed
        t_start = time.perf_counter()
        system = System(
            problem,
            grid,
            observations=observations,
            weights=dict(weights or {}),
            conditions=None if conditions is None else tuple(conditions),
            smoothing=smoothing,
        )
        if state is None:
            state = ODILState(_initial(system, init), None, 0.0, 0, "init")
        offset = float(wall_time_offset)
        clock = lambda: offset + time.perf_counter() - t_start  # noqa: E731
        history = History()
        stats: dict = {}
        record = Recorder(system, reference, callbacks, None, clock, history)
        with ProgressBar(optimizer.steps, state.step, enabled=progress) as bar:
            record.bar = bar
            if isinstance(optimizer, Newton):
                state = run_newton(system, optimizer, state, record, key, stats)
            else:
                state = run_gradient(system, optimizer, state, record, levels=levels, chunk=chunk)
        x = gradient_field(system, state, levels)
        u, theta = system.unpack(jnp.asarray(x))
        found = problem.resolve(theta)
        stats.update(
            parameters={k: float(found[k]) for k in system.names},
            unknowns=int(system.n),
            equations=int(system.m),
            wall_time_s=clock(),
        )
        return Result(GridSolution(u, grid), history, state, stats)


def _initial(system: System, init: Callable | None) -> jnp.ndarray:
    grid, problem = system.grid, system.problem
    shape = ((system.channels,) if system.lead else ()) + grid.shape
    if init is None:
        u = _held_initial(system, shape)
    else:
        vals = np.asarray(init(grid.points()), np.float64)
        u = jnp.asarray(vals.T if system.lead else vals).reshape(shape)
    return system.pack(u, problem.init_theta(jnp.float64))


def _held_initial(system: System, shape) -> jnp.ndarray:
    """The Dirichlet initial condition held constant in time (zeros when there is none).

    A condition group on the first level whose residual is ``u - g`` (the residual at
    ``u = 1`` exceeds the one at ``u = 0`` by exactly one) gives ``g = -r(u = 0)``.
    """
    zero = jnp.zeros(shape, jnp.float64)
    grid = system.grid
    if not grid.time_dependent:
        return zero
    theta = system.problem.init_theta(jnp.float64)
    params = system.problem.resolve(theta)
    level = shape[: system.lead] + grid.shape[1:]
    for g in system.groups:
        if g.name in ("pde", "data", "smooth") or not np.all(g.centres[:, 0] == 0):
            continue
        if len(g.centres) != int(np.prod(level)):
            continue
        r0 = g.evaluate(zero, params)
        r1 = g.evaluate(jnp.ones(shape, jnp.float64), params)
        if bool(jnp.allclose(r1 - r0, 1.0)):
            return jnp.broadcast_to((-r0).reshape(level)[(slice(None),) * system.lead + (None,)], shape)
    return zero
