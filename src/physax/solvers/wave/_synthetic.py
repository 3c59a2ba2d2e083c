"""Synthetic benchmark velocity models (generated, no downloads) and smoothing."""

import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float

from ._model import AcousticModel


def synthetic_model(
    nx: int = 200,
    nz: int = 100,
    dx: float = 10.0,
    *,
    with_density: bool = False,
    dtype=jnp.float32,
) -> AcousticModel:
    r"""Layered background, a dipping interface and a circular anomaly.

    Velocities (m/s): four flat layers of 1800, 2100, 2400, 2700 down to 60% of
    the depth, a faster half-space (3200) under an interface dipping from 60% depth
    on the left to 80% on the right, and a slow lens (2000) of radius $0.12\,n_z h$
    centred at $(0.35\,n_z, 0.5\,n_x)$. With `with_density`, Gardner's relation
    $\rho = 310\,c^{1/4}$ kg/m$^3$ (Gardner et al. 1974) gives the density.

    **Arguments:**

    - `nx`, `nz`: cells in $x$ and depth (default 200 x 100).
    - `dx`: grid spacing (m).
    - `with_density`: also build a density model.
    - `dtype`: floating dtype.

    **Returns:** an `AcousticModel` of shape `(nz, nx)`.

    **Example:**

    >>> true_model = synthetic_model()  # 200 x 100 cells, dx = 10 m
    """
    z = (np.arange(nz)[:, None] + 0.5) / nz  # relative depth
    x = (np.arange(nx)[None, :] + 0.5) / nx
    vel = np.select([z < 0.15, z < 0.3, z < 0.45], [1800.0, 2100.0, 2400.0], 2700.0)
    vel = np.broadcast_to(vel, (nz, nx)).copy()
    vel[z + 0 * x > 0.6 + 0.2 * x] = 3200.0
    radius = 0.12 * nz
    lens = (np.arange(nz)[:, None] - 0.35 * nz) ** 2 + (np.arange(nx)[None, :] - 0.5 * nx) ** 2
    vel[lens < radius**2] = 2000.0
    density = 310.0 * vel**0.25 if with_density else None
    return AcousticModel(
        jnp.asarray(vel, dtype),
        None if density is None else jnp.asarray(density, dtype),
        dx=dx,
    )


def _smoothing_matrix(n: int, sigma: float) -> np.ndarray:
    """Row-normalised Gaussian weights with mirrored ends (keeps constants exactly)."""
    i = np.arange(n)
    half = int(np.ceil(4 * sigma))
    w = np.zeros((n, n))
    for shift in range(-half, half + 1):
        j = i + shift
        j = np.where(j < 0, -j - 1, np.where(j >= n, 2 * n - j - 1, j))  # symmetric edges
        np.add.at(w, (i, np.clip(j, 0, n - 1)), np.exp(-0.5 * (shift / sigma) ** 2))
    return w / w.sum(axis=1, keepdims=True)


def smooth_model(velocity: Float[Array, "nz nx"], sigma: float) -> Float[Array, "nz nx"]:
    r"""Gaussian smoothing, e.g. to build a starting model for inversion.

    $c_s = W_z\, c\, W_x^\top$ with separable, row-normalised Gaussian weights of
    standard deviation `sigma` cells (mirrored at the edges). Linear, so it is
    differentiable and preserves constant models.

    **Arguments:**

    - `velocity`: model of shape `(nz, nx)`.
    - `sigma`: standard deviation in cells (> 0).

    **Returns:** the smoothed model, same shape and dtype.

    **Example:**

    >>> # a sharp interface becomes a ramp; a constant model stays as it is
    >>> step = jnp.where(jnp.arange(20)[:, None] < 10, 2000.0, 3000.0) * jnp.ones((20, 8))
    >>> smooth = smooth_model(step, 2.0)
    >>> smooth.shape, [round(float(v)) for v in smooth[7:13, 0]]
    ((20, 8), [2103, 2224, 2400, 2600, 2776, 2897])
    >>> bool(jnp.allclose(smooth_model(jnp.full((20, 8), 2500.0), 2.0), 2500.0))
    True
    """
    if not sigma > 0:
        raise ValueError(f"`sigma` must be positive, got {sigma}.")
    velocity = jnp.asarray(velocity)
    if velocity.ndim != 2:
        raise ValueError(f"`velocity` must be 2D (nz, nx), got shape {velocity.shape}.")
    wz = jnp.asarray(_smoothing_matrix(velocity.shape[0], sigma), velocity.dtype)
    wx = jnp.asarray(_smoothing_matrix(velocity.shape[1], sigma), velocity.dtype)
    return wz @ velocity @ wx.T
