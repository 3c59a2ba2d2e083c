"""Window functions for finite-basis PINNs: smooth bumps supported on one subdomain.

A window `w_j(x)` is positive inside subdomain `j` (centre `c`, full widths `w`)
and zero on and outside its edges. The model divides by the sum of the windows covering a
point, so the normalised windows form an exact partition of unity on the domain.
With `r_i = (x_i - c_i) / (w_i / 2)` in `[-1, 1]`:

  cosine   prod_i ((1 + cos(pi r_i)) / 2)^2                    (C^1 at the edge; the default)
  bump     prod_i exp(1 - 1 / (1 - r_i^2))                     (C^infinity)
  sigmoid  prod_i s(k (1 - |r_i|) - k / 2), s the logistic, minus its edge value, clipped
           at zero (the sigmoid windows of Moseley, Markham & Nissen-Meyer 2023)
"""

from __future__ import annotations

import abc

import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import Array, Float


class AbstractWindow(eqx.Module):
    """A window `(x, centre, width) -> w >= 0`, zero outside $|x - c| < w/2$.

    The window is a product of per-axis profiles of $r_i = (x_i - c_i) / (w_i / 2)$;
    subclass it and implement `profile(r)` (1 at $r = 0$, 0 at $|r| = 1$) for a new shape.

    **Example:**

    >>> # a tent window
    >>> class TentWindow(AbstractWindow):
    ...     def profile(self, r):
    ...         return 1 - jnp.abs(r)
    >>> tent = TentWindow()
    >>> [float(tent(jnp.array([x]), jnp.array([0.5]), jnp.array([1.0]))) for x in (0.5, 0.75, 1.2)]
    [1.0, 0.5, 0.0]
    """

    @abc.abstractmethod
    def profile(self, r: Float[Array, " d"]) -> Float[Array, " d"]:
        """Per-axis profile on `r in [-1, 1]` (1 at `r = 0`, 0 at `|r| = 1`)."""

    def __call__(
        self, x: Float[Array, " d"], centre: Float[Array, " d"], width: Float[Array, " d"]
    ) -> Float[Array, ""]:
        r = (x - centre) / (0.5 * width)
        inside = jnp.abs(r) < 1
        # keep r strictly inside so profiles and their derivatives stay finite under where
        r_safe = jnp.where(inside, r, 0.0)
        return jnp.prod(jnp.where(inside, self.profile(r_safe), 0.0))


class CosineWindow(AbstractWindow):
    r"""$\big((1 + \cos \pi r) / 2\big)^2$ per axis (the FBPINN library's default).

    $C^1$ at the edge of the subdomain.

    **Example:**

    >>> w = CosineWindow()
    >>> [float(w(jnp.array([x]), jnp.array([0.5]), jnp.array([1.0]))) for x in (0.5, 0.75, 1.0)]
    [1.0, 0.25, 0.0]
    """

    def profile(self, r):
        return ((1 + jnp.cos(jnp.pi * r)) / 2) ** 2


class BumpWindow(AbstractWindow):
    r"""$\exp\big(1 - 1 / (1 - r^2)\big)$ per axis: infinitely smooth, compactly supported.

    **Example:**

    >>> w = BumpWindow()
    >>> [round(float(w(jnp.array([x]), jnp.array([0.5]), jnp.array([1.0]))), 4) for x in (0.5, 0.75, 1.0)]
    [1.0, 0.7165, 0.0]
    """

    def profile(self, r):
        return jnp.exp(1 - 1 / (1 - r**2))


class SigmoidWindow(AbstractWindow):
    r"""Logistic ramps $s\big(k (1 - |r|) - k / 2\big)$ per axis, shifted to vanish at the edge.

    The sigmoid windows of Moseley, Markham & Nissen-Meyer (2023). `sharpness` $k$ sets how
    steep the ramps are (they are centred half-way between the edge and the centre of the
    subdomain).

    **Arguments:**

    - `sharpness`: $k > 0$.

    **Example:**

    >>> # nearly flat in the middle, steeper with a larger sharpness k
    >>> centre, width = jnp.array([0.5]), jnp.array([1.0])
    >>> [round(float(SigmoidWindow(k)(jnp.array([0.6]), centre, width)), 3) for k in (5.0, 20.0)]
    [0.803, 0.998]
    """

    sharpness: float = 10.0

    def __check_init__(self):
        if not self.sharpness > 0:
            raise ValueError(f"SigmoidWindow sharpness must be > 0, got {self.sharpness}.")

    def profile(self, r):
        k = self.sharpness
        edge = jax.nn.sigmoid(-k / 2)
        # |r| is smooth enough here: the ramp is flat (to e^-k/2) near r = 0
        s = jax.nn.sigmoid(k * (1 - jnp.sqrt(r**2 + 1e-12)) - k / 2)
        return jnp.maximum(s - edge, 0.0) / (1 - edge)
