r"""Dense quasi-Newton phases: BFGS, self-scaled BFGS and self-scaled Broyden.

All three keep the full inverse-Hessian approximation ``H`` (``n x n`` for ``n`` network
parameters) and update it with the self-scaled Broyden-family formula

.. math::
    H_{k+1} = \frac{1}{\tau_k}\Big[H_k - \frac{H_k y_k y_k^\top H_k}{y_k^\top H_k y_k}
              + \phi_k\, (y_k^\top H_k y_k)\, v_k v_k^\top\Big] + \frac{s_k s_k^\top}{y_k^\top s_k},
    \qquad v_k = \frac{s_k}{y_k^\top s_k} - \frac{H_k y_k}{y_k^\top H_k y_k},

with ``s_k = x_{k+1} - x_k`` and ``y_k = g_{k+1} - g_k``: outer products and one
matrix-vector product per step, O(n^2), no solve. Every member satisfies the secant
equation ``H_{k+1} y_k = s_k``. BFGS is ``tau = phi = 1``; the self-scaled variants choose
``tau_k`` (and ``phi_k``) from the scalars ``b_k = s^T H^{-1} s / y^T s`` and
``h_k = y^T H y / y^T s`` so the approximation does not lag behind the curvature.

A fresh start (the phase's first step, a redraw of the collocation points, or a restart
after a failed line search or lost curvature) uses the identity scaled by the Cauchy step
length ``g^T g / g^T (nabla^2 f) g`` (one Hessian-vector product), so its first line search
starts at the minimiser of the local quadratic model along ``-g`` rather than at a unit
step, which on the ill-conditioned PINN losses the zoom search could fail to shorten enough
(the phase then stopped early).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

import equinox as eqx
import jax
import jax.numpy as jnp
import optax
from jax.flatten_util import ravel_pytree
from jaxtyping import Array

from ._base import AbstractOptimiser, Objective, check_phase


class QuasiNewtonState(eqx.Module):
    r"""The state of the dense quasi-Newton phases (`BFGS`, `SSBFGS`, `SSBroyden`).

    **Fields:**

    - `H`: the inverse-Hessian approximation, `(n, n)` for `n` parameters (a scaled
      identity after a (re)start).
    - `value`, `grad`: the loss and its gradient at the current point.
    - `fresh`: whether `H` was just (re)started, so the next update rescales it.
    - `restarts`: how many times `H` was reset (a failed line search, an uphill direction
      or a non-finite update).
    - `stalled`: the search has stalled (a failed line search right after a restart: the
      loss is at round-off, and further steps are skipped at no cost).

    **Example:**

    >>> # on the quadratic x^T A x / 2, BFGS learns H = inv(A) in two steps
    >>> A = jnp.diag(jnp.array([1.0, 10.0]))
    >>> objective, bfgs = Objective(lambda x: 0.5 * x @ A @ x), BFGS(steps=10)
    >>> x = jnp.array([1.0, 1.0])
    >>> state = bfgs.init(x, objective)
    >>> x, state = jax.lax.fori_loop(0, 3, lambda i, c: bfgs.step(*c, objective), (x, state))
    >>> bool(jnp.allclose(state.H, jnp.linalg.inv(A))), int(state.restarts), bool(state.stalled)
    (True, 0, False)
    """

    H: Array
    value: Array
    grad: Array
    fresh: Array
    restarts: Array
    stalled: Array


def scaling(variant: str, s: Array, y: Array, H: Array, alpha: Array, g: Array) -> tuple[Array, Array]:
    """``(tau, phi)`` of one update (``g`` the gradient before the step, ``alpha`` its length)."""
    ys = y @ s
    Hy = H @ y
    yHy = y @ Hy
    b = -alpha * (s @ g) / ys  # s^T H^{-1} s / y^T s, since H^{-1} s = -alpha g
    h = yHy / ys
    one = jnp.ones_like(ys)
    if variant == "bfgs":
        return one, one
    rho_hat = jnp.minimum(1.0, 1.0 / b)
    if variant == "ssbfgs":  # Al-Baali (1998): tau = min(1, 1/b), phi = 1
        return rho_hat, one
    # SSBroyden (Al-Baali & Khalfan 2003; the choice of Urbán, Stefanou & Pons 2025)
    n = s.shape[0]
    a = jnp.maximum(b * h - 1.0, jnp.finfo(ys.dtype).eps)  # >= 0 by Cauchy-Schwarz
    rho_minus = jnp.minimum(1.0, h * (1.0 - jnp.sqrt(a / (1.0 + a))))
    theta_minus = (rho_minus - 1.0) / a
    theta_plus = 1.0 / rho_minus
    theta = jnp.maximum(theta_minus, jnp.minimum(theta_plus, (1.0 - b) / b))
    sigma = 1.0 + theta * a
    sigma_pow = jnp.abs(sigma) ** (1.0 / (1.0 - n)) if n > 1 else one
    tau = jnp.where(
        theta <= 0,
        jnp.minimum(rho_hat * sigma_pow, sigma),
        rho_hat * jnp.minimum(sigma_pow, 1.0 / jnp.where(theta == 0, 1.0, theta)),
    )
    phi = (1.0 - theta) / (1.0 + a * theta)
    return tau, phi


def update_inverse_hessian(H: Array, s: Array, y: Array, tau: Array, phi: Array) -> Array:
    r"""The self-scaled Broyden-family update of the inverse Hessian.

    $$H_{k+1} = \frac{1}{\tau_k}\Big[H_k - \frac{H_k y_k y_k^\top H_k}{y_k^\top H_k y_k}
      + \phi_k\, (y_k^\top H_k y_k)\, v_k v_k^\top\Big] + \frac{s_k s_k^\top}{y_k^\top s_k},
      \qquad v_k = \frac{s_k}{y_k^\top s_k} - \frac{H_k y_k}{y_k^\top H_k y_k},$$

    with $s_k = x_{k+1} - x_k$ and $y_k = g_{k+1} - g_k$: outer products and one
    matrix-vector product, $O(n^2)$, no solve. BFGS is $\tau = \phi = 1$.

    **Arguments:**

    - `H`: the current approximation $H_k$.
    - `s`, `y`: the step and the change of the gradient.
    - `tau`, `phi`: the scaling $\tau_k$ and the Broyden-family parameter $\phi_k$.

    **Returns:** $H_{k+1}$, which satisfies the secant equation $H_{k+1} y_k = s_k$.

    **Example:**

    >>> A = jnp.array([[2.0, 0.5], [0.5, 1.0]])
    >>> s = jnp.array([0.5, -0.2])
    >>> H = update_inverse_hessian(jnp.eye(2), s, A @ s, jnp.array(1.0), jnp.array(1.0))
    >>> bool(jnp.allclose(H @ (A @ s), s)), bool(jnp.allclose(H, H.T))
    (True, True)
    """
    ys = y @ s
    Hy = H @ y
    yHy = y @ Hy
    v = s / ys - Hy / yHy
    inner = H - jnp.outer(Hy, Hy) / yHy + phi * yHy * jnp.outer(v, v)
    return inner / tau + jnp.outer(s, s) / ys


def cauchy_scale(fun: Callable[[Array], Array], x: Array, g: Array) -> Array:
    """``g^T g / g^T (nabla^2 f) g``: the exact minimising step length along ``-g`` of the
    local quadratic model (one Hessian-vector product), so that a fresh start from the
    identity takes a first step the line search can accept, however far the curvature
    is from 1. Falls back to ``min(1, 1/|g|)`` where the curvature along ``g`` is not positive."""
    gg = g @ g
    curvature = g @ jax.jvp(jax.grad(fun), (x,), (g,))[1]
    fallback = jnp.minimum(1.0, 1.0 / jnp.maximum(jnp.sqrt(gg), jnp.finfo(x.dtype).tiny))
    good = (curvature > 0) & jnp.isfinite(curvature) & (gg > 0)
    return jnp.where(good, gg / jnp.where(good, curvature, 1.0), fallback).astype(x.dtype)


def _restart_scale(needed: Array, fun, x: Array, g: Array) -> Array:
    """:func:`cauchy_scale` where ``needed`` (a restart), else 1, computed only when needed."""
    return jax.lax.cond(needed, lambda: cauchy_scale(fun, x, g), lambda: jnp.ones((), x.dtype))


class _DenseQuasiNewton(AbstractOptimiser):
    """The fields and the iteration `BFGS`, `SSBFGS` and `SSBroyden` share; each names its `variant`."""

    steps: int = 1000
    float64: bool = True
    max_linesearch_steps: int = 25
    transform: Callable | None = None
    keep_curvature: bool = False
    variant: ClassVar[str]

    def __check_init__(self):
        check_phase(self)
        if self.max_linesearch_steps < 1:
            raise ValueError(f"{type(self).__name__} needs max_linesearch_steps >= 1.")

    def init(self, params, objective: Objective) -> QuasiNewtonState:
        flat, unravel = ravel_pytree(params)
        fun = lambda x: self._value(objective)(unravel(x))
        value, grad = jax.value_and_grad(fun)(flat)
        H = cauchy_scale(fun, flat, grad) * jnp.eye(flat.shape[0], dtype=flat.dtype)
        false = jnp.array(False)
        return QuasiNewtonState(H, value, grad, jnp.array(True), jnp.array(0, jnp.int32), false)

    def restart(self, params, state: QuasiNewtonState, objective: Objective) -> QuasiNewtonState:
        """After a redraw of the points: a fresh `init`, or with `keep_curvature` the same
        inverse Hessian with the loss and gradient on the new points (Urbán et al. 2025)."""
        if not self.keep_curvature:
            return self.init(params, objective)
        flat, unravel = ravel_pytree(params)
        value, grad = jax.value_and_grad(lambda x: self._value(objective)(unravel(x)))(flat)
        false = jnp.array(False)
        return QuasiNewtonState(state.H, value, grad, false, state.restarts, false)

    def step(self, params, state: QuasiNewtonState, objective: Objective):
        skip = lambda: (params, state)
        return jax.lax.cond(state.stalled, skip, lambda: self._step(params, state, objective))

    def _step(self, params, state: QuasiNewtonState, objective: Objective):
        x, unravel = ravel_pytree(params)
        fun = lambda z: self._value(objective)(unravel(z))
        H, f, g = state.H, state.value, state.grad
        eye = jnp.eye(x.shape[0], dtype=x.dtype)
        d = -H @ g
        uphill = ~(g @ d < 0)  # H lost positive definiteness numerically: restart
        H = jnp.where(uphill, _restart_scale(uphill, fun, x, g) * eye, H)
        d = jnp.where(uphill, -H @ g, d)
        fresh = state.fresh | uphill
        search = optax.scale_by_zoom_linesearch(self.max_linesearch_steps, initial_guess_strategy="one")
        step, ls = search.update(d, search.init(x), x, value=f, grad=g, value_fn=fun)
        x_new, f_new, g_new = x + step, ls.value, ls.grad
        s, y = x_new - x, g_new - g
        ok = jnp.isfinite(f_new) & (f_new <= f) & jnp.all(jnp.isfinite(g_new))
        curved = ok & (y @ s > jnp.finfo(x.dtype).eps * jnp.linalg.norm(s) * jnp.linalg.norm(y))
        # a fresh H starts from the scaled identity (Nocedal & Wright, eq. 6.20)
        H0 = jnp.where(fresh, (y @ s) / jnp.maximum(y @ y, jnp.finfo(x.dtype).tiny) * eye, H)
        safe_s = jnp.where(curved, s, jnp.ones_like(s))
        safe_y = jnp.where(curved, y, jnp.ones_like(y))
        tau, phi = scaling(self.variant, safe_s, safe_y, H0, ls.learning_rate, g)
        updated = update_inverse_hessian(H0, safe_s, safe_y, tau, phi)
        good = curved & jnp.all(jnp.isfinite(updated))
        # a failed line search or a non-finite update restarts from the (Cauchy-scaled) identity
        x_next, g_next = jnp.where(ok, x_new, x), jnp.where(ok, g_new, g)
        new_H = jnp.where(good, updated, _restart_scale(~good, fun, x_next, g_next) * eye)
        new = QuasiNewtonState(
            new_H,
            jnp.where(ok, f_new, f),
            g_next,
            ~good,
            state.restarts + (~good).astype(jnp.int32),
            fresh & ~(ok & (f_new < f)),  # no strict decrease even from a fresh start
        )
        return unravel(x_next), new


class BFGS(_DenseQuasiNewton):
    """Dense BFGS (Broyden, Fletcher, Goldfarb & Shanno 1970) with a strong-Wolfe zoom line
    search and restarts from the (Cauchy-)scaled identity when the line search fails or curvature is lost.

    **Arguments:**

    - `steps`: iterations.
    - `float64`: run in double precision (default).
    - `max_linesearch_steps`: zoom iterations per step.
    - `transform`: minimise ``transform(loss)`` (``jnp.sqrt``, ``jnp.log``) instead.
    - `keep_curvature`: when the collocation points are redrawn during the phase, keep the
      inverse-Hessian approximation (re-evaluating only the loss and gradient on the new
      points), as Urbán, Stefanou & Pons (2025) do with RAD, instead of a fresh start.

    **Example:**

    >>> BFGS(steps=1000)
    """

    name: ClassVar[str] = "bfgs"
    variant: ClassVar[str] = "bfgs"


class SSBFGS(_DenseQuasiNewton):
    r"""Self-scaled BFGS (Al-Baali 1998): ``tau_k = min(1, 1/b_k)``, ``phi_k = 1``.

    Scaling the old approximation down by ``tau_k`` when the step found more curvature than
    it predicted keeps BFGS from stalling on the ill-conditioned PINN losses (Urbán,
    Stefanou & Pons, JCP 2025). Same arguments as `BFGS`.

    **Example:**

    >>> SSBFGS(steps=5000, transform=jnp.sqrt)
    """

    name: ClassVar[str] = "ssbfgs"
    variant: ClassVar[str] = "ssbfgs"


class SSBroyden(_DenseQuasiNewton):
    r"""Self-scaled Broyden (Al-Baali & Khalfan 2003), as used for PINNs by Urbán, Stefanou &
    Pons (JCP 2025) and Kiyani et al. (2025).

    With ``a = b h - 1``, ``rho^- = min(1, h (1 - sqrt(a / (1 + a))))``, it takes
    ``theta = max((rho^- - 1) / a, min(1 / rho^-, (1 - b) / b))``, ``sigma = 1 + a theta``,
    ``phi = (1 - theta) / (1 + a theta)`` and ``tau = min(rho sigma^{1/(1-n)}, sigma)`` if
    ``theta <= 0``, else ``rho min(sigma^{1/(1-n)}, 1/theta)``, with ``rho = min(1, 1/b)``.
    Same arguments as `BFGS`.

    **Example:**

    >>> SSBroyden(steps=5000)
    """

    name: ClassVar[str] = "ssbroyden"
    variant: ClassVar[str] = "ssbroyden"
