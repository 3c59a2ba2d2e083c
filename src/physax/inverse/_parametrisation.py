"""Bounded, smoothed and masked velocity parametrisation for FWI."""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float

from ..solvers.wave import smooth_model


class BoundedVelocity(eqx.Module):
    r"""Map unconstrained parameters $\theta$ to a velocity model inside bounds.

    $$c(\theta) = c_{\min} + (c_{\max} - c_{\min})\,
      \sigma\big(\theta_0 + w \odot G\theta\big),$$

    with $\sigma$ the logistic function (so $c_{\min} < c < c_{\max}$ for every
    $\theta$), $\theta_0 = \sigma^{-1}$ of the starting model (so $\theta = 0$ is the
    start), $G$ a Gaussian smoothing of `smoothing` cells and $w$ a weight that is 0
    in the first `mask_rows` rows (water layer / source region, never updated)
    and grows with depth as $(z / z_{\max})^{p}$ below. The chain rule makes the
    gradient with respect to $\theta$ the smoothed, masked, depth-weighted
    velocity gradient, $G^\top (w \odot \sigma' \odot \partial J / \partial c)$, yet a
    true gradient, so L-BFGS line searches stay valid (preconditioning by
    reparametrisation; see Virieux & Operto 2009 for the usual preconditioners).

    **Arguments:**

    - `start`: starting velocity `(nz, nx)`; must lie strictly inside the bounds.
    - `vmin`, `vmax`: bounds (m/s).
    - `smoothing`: Gaussian standard deviation in cells (0 switches it off).
    - `mask_rows`: rows from the top kept at the starting model.
    - `depth_power`: exponent $p$ of the depth weight (0: uniform).

    **Example:**

    >>> start = jnp.linspace(1800.0, 3000.0, 10)[:, None] * jnp.ones((10, 12))
    >>> param = BoundedVelocity(start, vmin=1500.0, vmax=3500.0, smoothing=1.0, mask_rows=3)
    >>> bool(jnp.allclose(param(jnp.zeros_like(start)), start))    # theta = 0 is the start
    True
    >>> v = param(100.0 * jnp.ones_like(start))                    # a huge step stays in bounds
    >>> bool(v.max() <= 3500.0), bool(jnp.allclose(v[:3], start[:3]))   # masked rows unchanged
    (True, True)
    """

    base: Float[Array, "nz nx"]
    weight: Float[Array, "nz nx"]
    vmin: float = eqx.field(static=True)
    vmax: float = eqx.field(static=True)
    smoothing: float = eqx.field(static=True)

    def __init__(
        self,
        start,
        *,
        vmin: float,
        vmax: float,
        smoothing: float = 0.0,
        mask_rows: int = 0,
        depth_power: float = 0.0,
    ):
        start = jnp.asarray(start)
        if not vmax > vmin > 0:
            raise ValueError(f"FWI bounds need 0 < vmin < vmax, got vmin={vmin}, vmax={vmax}.")
        lo, hi = float(jnp.min(start)), float(jnp.max(start))
        if not (vmin < lo and hi < vmax):
            raise ValueError(
                f"the starting model ({lo:.1f}-{hi:.1f} m/s) must lie strictly inside the bounds "
                f"[{vmin}, {vmax}]; widen the bounds."
            )
        if smoothing < 0 or mask_rows < 0 or depth_power < 0:
            raise ValueError("`smoothing`, `mask_rows` and `depth_power` must be >= 0.")
        nz = start.shape[0]
        self.vmin, self.vmax, self.smoothing = float(vmin), float(vmax), float(smoothing)
        u = (start - vmin) / (vmax - vmin)
        self.base = jnp.log(u) - jnp.log1p(-u)
        depth = np.maximum(np.arange(nz) - mask_rows + 1, 0) / max(nz - mask_rows, 1)
        w = np.where(np.arange(nz) < mask_rows, 0.0, depth**depth_power)
        self.weight = jnp.broadcast_to(jnp.asarray(w, start.dtype)[:, None], start.shape)

    def __call__(self, theta: Float[Array, "nz nx"]) -> Float[Array, "nz nx"]:
        if self.smoothing > 0:
            theta = smooth_model(theta, self.smoothing)
        return self.vmin + (self.vmax - self.vmin) * jax.nn.sigmoid(self.base + self.weight * theta)
