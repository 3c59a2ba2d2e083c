r"""Truncated Newton (Newton-CG) with exact Hessian-vector products and a line search."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

import jax
import jax.numpy as jnp
import optax
from jax.flatten_util import ravel_pytree
from jaxtyping import Array

from ._base import AbstractOptimiser, Objective, check_phase


def truncated_cg(hvp: Callable[[Array], Array], g: Array, iters: int, rtol: Array) -> Array:
    """Approximately solve ``H p = -g`` by conjugate gradients, stopping at ``iters``
    iterations, at ``||H p + g|| <= rtol ||g||``, or at a direction of non-positive
    curvature (then the iterate so far, or ``-g`` if there is none) (Nocedal & Wright, Alg. 7.1)."""

    def cond(c):
        i, _, r, _, done = c
        return (i < iters) & ~done & (jnp.linalg.norm(r) > rtol * jnp.linalg.norm(g))

    def body(c):
        i, p, r, d, _ = c
        Hd = hvp(d)
        dHd = d @ Hd
        negative = dHd <= 0
        alpha = (r @ r) / jnp.where(negative, 1.0, dHd)
        p_new = jnp.where(negative, jnp.where(i == 0, -g, p), p + alpha * d)
        r_new = r - alpha * Hd
        beta = (r_new @ r_new) / jnp.maximum(r @ r, jnp.finfo(g.dtype).tiny)
        return i + 1, p_new, jnp.where(negative, r, r_new), r_new + beta * d, negative

    init = (jnp.array(0), jnp.zeros_like(g), -g, -g, jnp.array(False))
    _, p, *_ = jax.lax.while_loop(cond, body, init)
    return jnp.where(jnp.any(p != 0), p, -g)


class NewtonCG(AbstractOptimiser):
    r"""Newton-CG: the Newton step ``(H + lambda I) p = -g`` solved inexactly by conjugate
    gradients on exact Hessian-vector products (``jax.jvp`` of ``jax.grad``, no Hessian is
    formed), then a strong-Wolfe zoom line search along ``p``.

    For when L-BFGS stalls: Rathore, Lei, Frangella, Lu & Udell (ICML 2024) finish
    Adam -> L-BFGS with Newton-CG (there Nyström-preconditioned, NNCG; here unpreconditioned).
    The CG tolerance follows the forcing sequence ``min(0.5, sqrt(||g||))`` (Nocedal & Wright,
    Alg. 7.1), so steps become exact Newton steps near a minimum.

    **Arguments:**

    - `steps`: Newton iterations.
    - `float64`: run in double precision (default).
    - `cg_steps`: at most this many Hessian-vector products per step.
    - `damping`: ``lambda`` above (0: none).
    - `max_linesearch_steps`: zoom iterations per step.
    - `transform`: minimise ``transform(loss)`` instead of the loss.

    **Example:**

    >>> NewtonCG(steps=100, cg_steps=100)
    """

    steps: int = 100
    float64: bool = True
    cg_steps: int = 50
    damping: float = 0.0
    max_linesearch_steps: int = 25
    transform: Callable | None = None
    name: ClassVar[str] = "newton-cg"

    def __check_init__(self):
        check_phase(self)
        if self.cg_steps < 1 or self.max_linesearch_steps < 1 or self.damping < 0:
            raise ValueError("NewtonCG needs cg_steps >= 1, max_linesearch_steps >= 1 and damping >= 0.")

    def init(self, params, objective: Objective | None = None) -> Array:
        return jnp.array(0, jnp.int32)

    def step(self, params, state: Array, objective: Objective):
        x, unravel = ravel_pytree(params)
        fun = lambda z: self._value(objective)(unravel(z))
        f, g = jax.value_and_grad(fun)(x)
        hvp = lambda v: jax.jvp(jax.grad(fun), (x,), (v,))[1] + self.damping * v
        rtol = jnp.minimum(0.5, jnp.sqrt(jnp.linalg.norm(g)))
        p = truncated_cg(hvp, g, self.cg_steps, rtol)
        p = jnp.where(g @ p < 0, p, -g)
        search = optax.scale_by_zoom_linesearch(self.max_linesearch_steps, initial_guess_strategy="one")
        step, ls = search.update(p, search.init(x), x, value=f, grad=g, value_fn=fun)
        ok = jnp.isfinite(ls.value) & (ls.value <= f)
        return unravel(jnp.where(ok, x + step, x)), state + 1
