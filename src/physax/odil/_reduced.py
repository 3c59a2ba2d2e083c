r"""Newton for inverse problems whose PDE and conditions determine the field (reduced space).

When the PDE and condition rows form a square system $S(u, \theta) = 0$ in the grid values
(forward problem well posed for every parameter value) and observations add data rows
$d(u)$, `Newton` eliminates the field: for the current parameters it solves the forward
system by Newton (warm-started; block substitution in time where it applies), computes the
sensitivities $\partial u / \partial \theta = -S_u^{-1} S_\theta$ with the same
factorisation (one extra solve per parameter), and takes a Levenberg-Marquardt step on
the parameters for the data misfit with the Jacobian $d_u\, \partial u/\partial\theta$.
The PDE and conditions then hold exactly (to round-off) and the parameters minimise the
data misfit: the constrained form of ODIL's loss, in a handful of steps.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from ._blocks import BlockTriangular, factorised
from ._state import ODILState


def square_rows(system) -> int | None:
    """Rows of the PDE + conditions block when it is square in the grid values, else ``None``."""
    names = [g.name for g in system.groups]
    if "smooth" in names or "data" not in names or not system.names:
        return None
    k = names.index("data")
    if names[k + 1 :]:
        return None
    m_s = int(sum(system.sizes[:k]))
    return m_s if m_s == system.n_grid else None


def run_reduced(system, opt, state: ODILState, record, jac, m_s: int, stats: dict) -> ODILState:
    n_grid, grid = system.n_grid, system.grid
    loss_sq = jax.jit(lambda x: jnp.sum(system.residual(x)[:m_s] ** 2))
    loss_sq.lower(jnp.asarray(state.x)).compile()
    blocks = None
    x = np.asarray(state.x, np.float64).copy()
    mu = float(state.damping) or opt.damping
    prev = None  # (x, misfit) before the last parameter step
    forward_steps = 0

    for step in range(state.step + 1, opt.steps + 1):
        for _ in range(50):  # forward solve for the current parameters
            r, data = jac.values(jnp.asarray(x))
            J = jac.matrix(data)
            S = J[:m_s][:, :n_grid].tocsr()
            if blocks is None and grid.time_dependent:
                col_level = (np.arange(n_grid) % grid.size) // (grid.size // grid.shape[0])
                blocks = BlockTriangular.build(S, col_level, grid.shape[0]) or False
            rs = r[:m_s]
            ls = float(rs @ rs)
            solve = factorised(S, blocks or None)
            d = solve(-rs)
            if d is None:
                raise np.linalg.LinAlgError("the forward system is singular at these parameters.")
            if np.max(np.abs(d)) <= 1e-11 * (1 + np.max(np.abs(x[:n_grid]))) or ls == 0:
                break
            a = 1.0
            for _ in range(opt.max_backtracks + 1):
                cand = x.copy()
                cand[:n_grid] += a * d
                if float(loss_sq(jnp.asarray(cand))) < ls:
                    break
                a /= 2
            x = cand
            forward_steps += 1
        rd = r[m_s:]
        misfit = float(rd @ rd)
        if prev is not None and misfit > prev[1]:  # the parameter step overshot: damp, retry
            mu = max(mu * 10, 1e-12)
            x = prev[0] + 0.5 * prev[2]
            prev = (prev[0], prev[1], 0.5 * prev[2])
            continue
        mu = max(mu / 10, 1e-15)
        P = J[:m_s][:, n_grid:].toarray()
        Y = solve(-P)
        D = J[m_s:][:, :n_grid]
        G = D @ Y + J[m_s:][:, n_grid:].toarray()
        A = G.T @ G
        dtheta = np.linalg.solve(A + mu * np.diag(np.maximum(np.diag(A), 1e-30)), -G.T @ rd)
        dtheta *= min(1.0, 2.0 / max(np.max(np.abs(dtheta)), 1e-300))  # at most 2 in raw units
        step_x = np.concatenate([Y @ dtheta, dtheta])
        # the state to continue from is the updated point (a resume redoes no step)
        state = ODILState(jnp.asarray(x + step_x), None, mu, step, "newton")
        record(jnp.asarray(x), step, "newton", state, state)
        if np.max(np.abs(dtheta)) <= opt.tol * (1 + np.max(np.abs(x[n_grid:]))):
            break
        prev = (x, misfit, step_x)
        x = x + step_x
    stats["forward_newton_steps"] = forward_steps
    stats["block_triangular"] = bool(blocks)
    return state
