r"""Truncated Newton (Newton-CG) with exact Hessian-vector products and a line search,
optionally Nyström-preconditioned (NNCG)."""

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
from ._nystrom import nystrom_approximation, nystrom_preconditioner


def truncated_cg(
    hvp: Callable[[Array], Array],
    g: Array,
    iters: int,
    rtol: Array,
    precond: Callable[[Array], Array] | None = None,
) -> Array:
    """Approximately solve ``H p = -g`` by (preconditioned) conjugate gradients, stopping at
    ``iters`` iterations, at ``||H p + g|| <= rtol ||g||``, or at a direction of non-positive
    curvature (then the iterate so far, or ``-g`` if there is none) (Nocedal & Wright,
    Alg. 7.1 and 5.3). ``precond`` applies the inverse of a positive definite preconditioner
    (identity if None)."""
    apply = (lambda v: v) if precond is None else precond

    def cond(c):
        i, _, r, _, _, done = c
        return (i < iters) & ~done & (jnp.linalg.norm(r) > rtol * jnp.linalg.norm(g))

    def body(c):
        i, p, r, d, rz, _ = c
        Hd = hvp(d)
        dHd = d @ Hd
        negative = dHd <= 0
        alpha = rz / jnp.where(negative, 1.0, dHd)
        p_new = jnp.where(negative, jnp.where(i == 0, -g, p), p + alpha * d)
        r_new = r - alpha * Hd
        z_new = apply(r_new)
        rz_new = r_new @ z_new
        beta = rz_new / jnp.maximum(rz, jnp.finfo(g.dtype).tiny)
        keep = lambda old, new: jnp.where(negative, old, new)
        return i + 1, p_new, keep(r, r_new), z_new + beta * d, keep(rz, rz_new), negative

    z0 = apply(-g)
    init = (jnp.array(0), jnp.zeros_like(g), -g, z0, -g @ z0, jnp.array(False))
    _, p, *_ = jax.lax.while_loop(cond, body, init)
    return jnp.where(jnp.any(p != 0), p, -g)


class NewtonCGState(eqx.Module):
    """Steps taken, and the Nyström approximation ``U diag(eig) U^T`` of the Hessian that
    preconditions CG (``rank`` columns; none when ``rank = 0``)."""

    count: Array
    U: Array
    eig: Array


class NewtonCG(AbstractOptimiser):
    r"""Newton-CG: the Newton step ``(H + mu I) p = -g`` solved inexactly by conjugate
    gradients on exact Hessian-vector products (``jax.linearize`` of ``jax.grad``, no Hessian
    is formed), then a strong-Wolfe zoom line search along ``p``.

    For when L-BFGS stalls: Rathore, Lei, Frangella, Lu & Udell (ICML 2024) finish
    Adam -> L-BFGS with Nyström-preconditioned Newton-CG (NNCG). With ``rank > 0`` CG is
    preconditioned by a randomised Nyström approximation of the Hessian of that rank
    (Frangella, Tropp & Udell, SIMAX 2023), rebuilt from ``rank`` Hessian-vector products every
    ``precondition_every`` steps; it removes the largest eigenvalues from the spectrum CG sees,
    which in PINNs are few and far above the rest. The CG tolerance follows the forcing
    sequence ``min(0.5, sqrt(||g||))`` (Nocedal & Wright, Alg. 7.1), so steps become exact
    Newton steps near a minimum.

    **Arguments:**

    - `steps`: Newton iterations.
    - `float64`: run in double precision (default).
    - `cg_steps`: at most this many Hessian-vector products per step.
    - `damping`: ``mu`` above (0: none).
    - `max_linesearch_steps`: zoom iterations per step.
    - `transform`: minimise ``transform(loss)`` instead of the loss.
    - `rank`: rank of the Nyström preconditioner (0: plain Newton-CG; Rathore et al. use 60).
    - `precondition_every`: rebuild the preconditioner every this many steps (and after a
      redraw of the collocation points).

    **Example:**

    >>> NewtonCG(steps=100, cg_steps=100, rank=20, damping=1e-3)
    """

    steps: int = 100
    float64: bool = True
    cg_steps: int = 50
    damping: float = 0.0
    max_linesearch_steps: int = 25
    transform: Callable | None = None
    rank: int = 0
    precondition_every: int = 20
    name: ClassVar[str] = "newton-cg"

    def __check_init__(self):
        check_phase(self)
        if self.cg_steps < 1 or self.max_linesearch_steps < 1 or self.damping < 0:
            raise ValueError("NewtonCG needs cg_steps >= 1, max_linesearch_steps >= 1 and damping >= 0.")
        if self.rank < 0 or self.precondition_every < 1:
            raise ValueError("NewtonCG needs rank >= 0 and precondition_every >= 1.")

    def init(self, params, objective: Objective | None = None) -> NewtonCGState:
        x, _ = ravel_pytree(params)
        rank = min(self.rank, x.size)
        return NewtonCGState(
            jnp.array(0, jnp.int32), jnp.zeros((x.size, rank), x.dtype), jnp.zeros(rank, x.dtype)
        )

    def step(self, params, state: NewtonCGState, objective: Objective):
        x, unravel = ravel_pytree(params)
        fun = lambda z: self._value(objective)(unravel(z))
        # linearise the gradient once: every Hessian-vector product (CG, Nyström sketch) then
        # reuses this step's forward and backward pass instead of recomputing it
        (f, g), tangent = jax.linearize(jax.value_and_grad(fun), x)
        curvature = lambda v: tangent(v)[1]
        hvp = lambda v: curvature(v) + self.damping * v
        rtol = jnp.minimum(0.5, jnp.sqrt(jnp.linalg.norm(g)))
        U, eig, precond = state.U, state.eig, None
        if state.eig.size:
            key = jax.random.fold_in(jax.random.key(0), state.count)
            U, eig = jax.lax.cond(
                state.count % self.precondition_every == 0,
                lambda: nystrom_approximation(curvature, x.size, state.eig.size, key, x.dtype),
                lambda: (state.U, state.eig),
            )
            precond = nystrom_preconditioner(U, eig, self.damping)
        p = truncated_cg(hvp, g, self.cg_steps, rtol, precond)
        p = jnp.where(g @ p < 0, p, -g)
        search = optax.scale_by_zoom_linesearch(self.max_linesearch_steps, initial_guess_strategy="one")
        step, ls = search.update(p, search.init(x), x, value=f, grad=g, value_fn=fun)
        ok = jnp.isfinite(ls.value) & (ls.value <= f)
        return unravel(jnp.where(ok, x + step, x)), NewtonCGState(state.count + 1, U, eig)
