"""Second-order finite differences for the 2-d Helmholtz/Poisson equation on a box (Dirichlet)."""

from __future__ import annotations

from collections.abc import Callable

import jax.numpy as jnp
from jaxtyping import Array, ArrayLike, Float


def _sine_basis(n: int, length: float, dtype):
    """Orthonormal eigenvectors and eigenvalues of the 1-d Dirichlet second difference (n intervals)."""
    h = length / n
    j = jnp.arange(1, n, dtype=dtype)
    s = jnp.sqrt(jnp.asarray(2.0 / n, dtype)) * jnp.sin(jnp.pi * j[:, None] * j[None, :] / n)
    lam = -(4.0 / h**2) * jnp.sin(jnp.pi * j / (2 * n)) ** 2
    return s, lam


def helmholtz_fd(
    source: Callable[[Array, Array], Array] | Float[ArrayLike, "nx-1 ny-1"],
    shape: tuple[int, int],
    lo: tuple[float, float] = (-1.0, -1.0),
    hi: tuple[float, float] = (1.0, 1.0),
    *,
    k: float | Array = 0.0,
    dtype=None,
) -> tuple[Float[Array, " nx+1"], Float[Array, " ny+1"], Float[Array, "nx+1 ny+1"]]:
    r"""Solve $u_{xx} + u_{yy} + k^2 u = f$ on a box with $u = 0$ on its boundary (5-point stencil).

    The standard second-order five-point discretisation on `shape = (nx, ny)` intervals,

    $$\frac{u_{i+1,j} - 2u_{ij} + u_{i-1,j}}{h_x^2}
      + \frac{u_{i,j+1} - 2u_{ij} + u_{i,j-1}}{h_y^2} + k^2 u_{ij} = f_{ij},$$

    solved exactly by fast diagonalisation: the 1-d Dirichlet second difference has the
    discrete sine vectors as eigenvectors, so
    $U = S_x \big[(S_x F S_y) / (\lambda_i + \mu_j + k^2)\big] S_y$
    (two matrix products each way, $O(n^3)$ with small constants: 400 x 400 intervals take
    ~0.1 s on two CPU cores once jitted). The result is differentiable in $f$ and $k$
    (pure JAX). Use float64 for a trusted solve. $k^2$ equal to a discrete eigenvalue makes
    the problem singular (the result is then `inf`/`nan`). Poisson's $-\Delta u = g$ is
    $k = 0, f = -g$.

    **Arguments:**

    - `source`: $f(x, y)$ (called on broadcast interior node arrays) or its values on the
      `(nx - 1, ny - 1)` interior nodes.
    - `shape`: number of intervals `(nx, ny)`, each >= 2.
    - `lo`, `hi`: the box corners.
    - `k`: wavenumber (0 for Poisson).
    - `dtype`: floating dtype (default: the JAX default float).

    **Returns:** `(x, y, u)`: node coordinates (`nx + 1` and `ny + 1`) and `u` on all nodes,
    boundary included (zeros there), indexed `u[i, j] = u(x_i, y_j)`.

    **Example:**

    >>> # the five-point solution against u = sin(pi x) sin(pi y)
    >>> f = lambda x, y: -2 * jnp.pi**2 * jnp.sin(jnp.pi * x) * jnp.sin(jnp.pi * y)
    >>> x, y, u = helmholtz_fd(f, (64, 64), dtype=jnp.float64)
    >>> exact = jnp.sin(jnp.pi * x)[:, None] * jnp.sin(jnp.pi * y)[None, :]
    >>> u.shape, float(rel_l2(u, exact))
    ((65, 65), 0.0008...)
    """
    nx, ny = (int(s) for s in shape)
    if nx < 2 or ny < 2:
        raise ValueError(f"shape must have >= 2 intervals per axis, got {shape}.")
    if not (hi[0] > lo[0] and hi[1] > lo[1]):
        raise ValueError(f"the box needs hi > lo on both axes, got lo={lo}, hi={hi}.")
    dtype = dtype or jnp.zeros(()).dtype
    x = jnp.linspace(lo[0], hi[0], nx + 1, dtype=dtype)
    y = jnp.linspace(lo[1], hi[1], ny + 1, dtype=dtype)
    if callable(source):
        f = source(x[1:-1, None], y[None, 1:-1])
        f = jnp.broadcast_to(f, (nx - 1, ny - 1)).astype(dtype)
    else:
        f = jnp.asarray(source, dtype)
        if f.shape != (nx - 1, ny - 1):
            raise ValueError(f"source values must have the interior shape {(nx - 1, ny - 1)}, got {f.shape}.")
    sx, lx = _sine_basis(nx, hi[0] - lo[0], dtype)
    sy, ly = _sine_basis(ny, hi[1] - lo[1], dtype)
    coeff = sx @ f @ sy
    interior = sx @ (coeff / (lx[:, None] + ly[None, :] + jnp.asarray(k, dtype) ** 2)) @ sy
    return x, y, jnp.pad(interior, 1)
