r"""Levenberg-Marquardt / Gauss-Newton on a stacked residual vector."""

from __future__ import annotations

from typing import ClassVar

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.scipy.linalg as jsl
from jax.flatten_util import ravel_pytree
from jaxtyping import Array

from ._base import AbstractOptimiser, Objective, check_phase


class LMState(eqx.Module):
    r"""The state of `LevenbergMarquardt`: damping `mu` (negative: not yet set) and growth factor `nu`.

    **Fields:**

    - `mu`: the damping $\mu$; the first step sets it from `initial_damping` and
      $\max \operatorname{diag}(J^\top J)$.
    - `nu`: the factor $\mu$ grows by after a rejected step (doubled at each rejection,
      reset to 2 on success).

    **Example:**

    >>> # Gauss-Newton on r(p) = p^2 - 2 finds sqrt(2) in a few steps
    >>> lm = LevenbergMarquardt(steps=8)
    >>> obj = Objective(lambda p: 0.5 * jnp.sum((p**2 - 2.0) ** 2), residuals=lambda p: p**2 - 2.0)
    >>> params, state = jnp.array([1.0]), lm.init(jnp.array([1.0]))
    >>> float(state.mu) < 0
    True
    >>> params, state = jax.lax.fori_loop(0, 8, lambda i, c: lm.step(*c, obj), (params, state))
    >>> round(float(params[0]), 6), bool(state.mu > 0)
    (1.414214, True)
    """

    mu: Array
    nu: Array


class LevenbergMarquardt(AbstractOptimiser):
    r"""Levenberg-Marquardt (Levenberg 1944; Marquardt 1963) with Nielsen's damping rule.

    Minimises `F(x) = 0.5 ||r(x)||^2` for a residual vector `r` (for a PINN: the PDE,
    condition and data residuals, each scaled by `sqrt(2 w_k / n_k)` so that `F` is
    the PINN loss). Each step forms the Jacobian `J` and solves the damped normal
    equations by Cholesky,

    $$(J^\top J + \mu I)\,h = -J^\top r,$$

    accepts `x + h` when the gain ratio
    `rho = (F(x) - F(x + h)) / (0.5 h^T (mu h - J^T r))` is positive and updates the
    damping by Nielsen's (1999) rule: `mu *= max(1/3, 1 - (2 rho - 1)^3)` on success,
    `mu *= nu, nu *= 2` on failure (Madsen, Nielsen & Tingleff 2004, Alg. 3.16). As
    `mu -> 0` the step is the Gauss-Newton step. For a *linear* PDE the residual is
    linear in the network's output, `J^T J` is the Gramian of the PDE operator applied to
    the tangent space of the network, and the Gauss-Newton step is the energy natural
    gradient of Müller & Zeinhofer (ICML 2023), which reaches near machine-precision
    errors with small networks in float64.

    Cost: one Jacobian (`m x n`), `J^T J` (O(m n^2)) and a Cholesky (O(n^3)) per step,
    so keep networks to a few thousand parameters.

    **Arguments:**

    - `steps`: iterations (each one Jacobian and one trial evaluation).
    - `float64`: run in double precision (default; the normal equations need it).
    - `initial_damping`: `mu_0 = initial_damping * max diag(J^T J)`.
    - `min_damping`: floor on `mu` relative to `max diag(J^T J)` (keeps the Cholesky
      factorisation defined when `J` is rank deficient).
    - `linesearch`: try the step lengths `1, 1/2, ..., 2^(1-linesearch)` along the damped
      Gauss-Newton direction and keep the best (the grid line search of Müller &
      Zeinhofer's ENGD); 1: the plain Levenberg-Marquardt step.

    **Example:**

    >>> LevenbergMarquardt(steps=200)
    """

    steps: int = 200
    float64: bool = True
    initial_damping: float = 1e-3
    min_damping: float = 1e-14
    linesearch: int = 1
    name: ClassVar[str] = "lm"

    def __check_init__(self):
        check_phase(self)
        if not self.initial_damping > 0 or not self.min_damping >= 0 or self.linesearch < 1:
            raise ValueError(
                "LevenbergMarquardt needs initial_damping > 0, min_damping >= 0, linesearch >= 1."
            )

    def init(self, params, objective: Objective | None = None) -> LMState:
        dtype = ravel_pytree(params)[0].dtype
        return LMState(jnp.array(-1.0, dtype), jnp.array(2.0, dtype))

    def step(self, params, state: LMState, objective: Objective):
        x, unravel = ravel_pytree(params)
        J = objective.dense_jacobian(params)  # raises unless the objective has residuals
        r = objective.residuals(params)
        A = J.T @ J
        g = J.T @ r
        scale = jnp.max(jnp.diag(A))
        mu = jnp.where(state.mu < 0, self.initial_damping * scale, state.mu)
        mu = jnp.maximum(mu, self.min_damping * scale)
        eye = jnp.eye(x.shape[0], dtype=x.dtype)
        factor = jsl.cho_factor(A + mu * eye)
        h = -jsl.cho_solve(factor, g)
        F = 0.5 * r @ r
        if self.linesearch > 1:  # the best of the step lengths 1, 1/2, ..., as in ENGD
            alphas = 0.5 ** jnp.arange(self.linesearch, dtype=x.dtype)
            trial = lambda a: 0.5 * jnp.sum(objective.residuals(unravel(x + a * h)) ** 2)
            values = jax.lax.map(trial, alphas)
            values = jnp.where(jnp.isfinite(values), values, jnp.inf)
            alpha = alphas[jnp.argmin(values)]
            F_new = jnp.min(values)
        else:
            alpha = jnp.ones((), x.dtype)
            r_new = objective.residuals(unravel(x + h))
            F_new = 0.5 * r_new @ r_new
        h = alpha * h
        predicted = -(g @ h) - 0.5 * h @ (A @ h)
        rho = (F - F_new) / predicted
        accept = jnp.isfinite(F_new) & jnp.all(jnp.isfinite(h)) & (rho > 0)
        grow = jnp.maximum(1.0 / 3.0, 1.0 - (2.0 * rho - 1.0) ** 3)
        new_mu = jnp.where(accept, mu * jnp.where(jnp.isfinite(grow), grow, 1.0), mu * state.nu)
        new_nu = jnp.where(accept, 2.0, 2.0 * state.nu)
        new_mu = jnp.minimum(new_mu, 1e16 * jnp.maximum(scale, 1.0))
        return unravel(jnp.where(accept, x + h, x)), LMState(new_mu, new_nu)
