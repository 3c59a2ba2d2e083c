r"""Randomised Nyström approximation of a positive semi-definite operator and the
preconditioner built from it (Frangella, Tropp & Udell, "Randomized Nyström
preconditioning", SIAM J. Matrix Anal. Appl. 2023)."""

from __future__ import annotations

from collections.abc import Callable

import jax
import jax.numpy as jnp
from jax.scipy.linalg import solve_triangular
from jaxtyping import Array


def nystrom_approximation(
    matvec: Callable[[Array], Array], n: int, rank: int, key, dtype
) -> tuple[Array, Array]:
    r"""``(U, eig)`` with ``A ≈ U diag(eig) U^T`` from ``rank`` products with the n x n PSD
    operator ``A`` (Frangella et al. 2023, Alg. 2.1, with the stabilising shift ``nu``).

    ``U`` has orthonormal columns and ``eig`` is non-negative and descending. If ``A`` is not
    positive semi-definite along the sketch (the Cholesky factor fails), both come back as
    zeros, which makes `nystrom_preconditioner` the identity."""
    omega, _ = jnp.linalg.qr(jax.random.normal(key, (n, rank), dtype))
    Y = jax.vmap(matvec, in_axes=1, out_axes=1)(omega)
    nu = jnp.sqrt(n) * jnp.finfo(dtype).eps * jnp.linalg.norm(Y)
    Y_nu = Y + nu * omega
    small = omega.T @ Y_nu
    C = jnp.linalg.cholesky(0.5 * (small + small.T))
    B = solve_triangular(C, Y_nu.T, lower=True).T  # B B^T = Y_nu (Omega^T Y_nu)^-1 Y_nu^T
    U, S, _ = jnp.linalg.svd(B, full_matrices=False)
    eig = jnp.maximum(S**2 - nu, 0.0)
    ok = jnp.all(jnp.isfinite(U)) & jnp.all(jnp.isfinite(eig))
    return jnp.where(ok, U, 0.0), jnp.where(ok, eig, 0.0)


def nystrom_preconditioner(U: Array, eig: Array, mu: float) -> Callable[[Array], Array]:
    r"""The inverse of the Nyström preconditioner for ``A + mu I``:
    ``P^{-1} v = (eig_r + mu) U (diag(eig) + mu I)^{-1} U^T v + (v - U U^T v)``
    (Frangella et al. 2023, eq. 5.3), where ``eig_r`` is the smallest eigenvalue kept.
    Eigenvalues below 1e-12 of the largest are dropped (their directions are treated like the
    rest of the space), so an undamped (``mu = 0``) system whose sketch exceeds the numerical
    rank still gets a well-conditioned preconditioner; with none kept it is the identity."""
    kept = eig > 1e-12 * eig[0]
    smallest = jnp.min(jnp.where(kept, eig, jnp.inf))
    scale = jnp.where(kept, (smallest + mu) / jnp.where(kept, eig + mu, 1.0), 1.0)

    def apply(v: Array) -> Array:
        c = U.T @ v
        return U @ (scale * c) + (v - U @ c)

    return apply
