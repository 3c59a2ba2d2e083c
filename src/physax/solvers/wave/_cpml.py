"""Convolutional perfectly matched layer (CPML) configuration and damping profiles."""

import math

import equinox as eqx
import jax.numpy as jnp
from jaxtyping import Array, Float


class CPML(eqx.Module):
    r"""Absorbing boundary: convolutional PML of Komatitsch & Martin (2007).

    The PML cells are appended *outside* the model (velocity and density are
    extended by edge values), so source and receiver indices refer to the model
    grid. Following the SEISMIC_CPML conventions, with $x$ the distance into the
    layer of thickness $L$ (normalised $\bar x = x / L$),

    $$d(x) = d_0 \bar x^N,\quad d_0 = -\frac{(N+1)\,c_{\max}\ln R}{2L},\quad
      \alpha(x) = \alpha_{\max}(1 - \bar x),\quad \alpha_{\max} = \pi f_0,\quad
      \kappa = 1,$$

    and every spatial derivative $\partial$ is replaced by $\partial + \psi$ with the
    memory variable updated recursively,

    $$\psi^{n+1} = b\,\psi^n + a\,(\partial u)^{n},\quad
      b = e^{-(d/\kappa + \alpha)\Delta t},\quad
      a = \frac{d\,(b - 1)}{\kappa\,(d + \kappa\alpha)}.$$

    **Arguments:**

    - `width`: PML thickness in cells, an int for all sides or a tuple
      `(top, bottom, left, right)`; 0 switches a side off (rigid edge).
    - `f0`: dominant frequency (Hz), sets $\alpha_{\max} = \pi f_0$.
    - `reflection`: theoretical reflection coefficient $R$ (default 1e-3).
    - `power`: profile exponent $N$ (default 2).
    - `free_surface`: if True the top edge is a free surface ($p = 0$ on row 0 of
      the model) and carries no PML.
    - `velocity_max`: $c_{\max}$ for $d_0$; `None` takes the model maximum (kept out
      of gradients). Fix it during inversions so the layer does not change.

    **Example:**

    >>> pml = CPML(20, f0=15.0, free_surface=True)
    """

    widths: tuple[int, int, int, int] = eqx.field(static=True)
    f0: float = eqx.field(static=True)
    reflection: float = eqx.field(static=True)
    power: int = eqx.field(static=True)
    free_surface: bool = eqx.field(static=True)
    velocity_max: float | None = eqx.field(static=True)

    def __init__(
        self,
        width: int | tuple[int, int, int, int] = 20,
        *,
        f0: float,
        reflection: float = 1e-3,
        power: int = 2,
        free_surface: bool = False,
        velocity_max: float | None = None,
    ):
        widths = (width,) * 4 if isinstance(width, int) else tuple(int(w) for w in width)
        if len(widths) != 4 or any(w < 0 for w in widths):
            raise ValueError(
                "CPML `width` must be a non-negative int or a tuple (top, bottom, left, right), "
                f"got {width!r}."
            )
        if free_surface:
            widths = (0, *widths[1:])
        self.widths = widths
        self.f0 = float(f0)
        self.reflection = float(reflection)
        self.power = int(power)
        self.free_surface = bool(free_surface)
        self.velocity_max = None if velocity_max is None else float(velocity_max)

    def __check_init__(self):
        if not self.f0 > 0:
            raise ValueError(f"CPML `f0` must be positive, got {self.f0}.")
        if not 0 < self.reflection < 1:
            raise ValueError(f"CPML `reflection` must lie in (0, 1), got {self.reflection}.")
        if self.velocity_max is not None and not self.velocity_max > 0:
            raise ValueError(f"CPML `velocity_max` must be positive, got {self.velocity_max}.")


def cpml_coefficients(
    n: int,
    widths: tuple[int, int],
    dx: float,
    dt: float,
    velocity_max: Float[Array, ""],
    pml: CPML,
    dtype,
) -> tuple[Float[Array, " n"], ...]:
    r"""Recursive-convolution coefficients along one axis of the padded grid.

    **Arguments:**

    - `n`: number of points along the axis (PML included).
    - `widths`: PML cells at the low and high end.
    - `dx`, `dt`: grid spacing and time step.
    - `velocity_max`: $c_{\max}$ entering $d_0$.
    - `pml`: the `CPML` configuration.
    - `dtype`: floating dtype of the result.

    **Returns:** `(a, b, a_half, b_half)`, each of length `n`, at the integer points
    $x_i = i\,h$ and at the staggered points $x_i + h/2$; `a = 0` outside the layer.
    """
    lo, hi = widths
    x = jnp.arange(n, dtype=dtype) * dx
    d = {False: jnp.zeros(n, dtype), True: jnp.zeros(n, dtype)}
    alpha = {False: jnp.zeros(n, dtype), True: jnp.zeros(n, dtype)}
    alpha_max = math.pi * pml.f0
    for width, origin, sign in ((lo, lo * dx, -1.0), (hi, (n - 1 - hi) * dx, 1.0)):
        if width == 0:
            continue
        thickness = width * dx
        d0 = -(pml.power + 1) * velocity_max * math.log(pml.reflection) / (2.0 * thickness)
        for half in (False, True):
            depth = sign * (x + (0.5 * dx if half else 0.0) - origin)
            inside = depth >= 0.0
            xn = jnp.clip(depth / thickness, 0.0, 1.0)
            d[half] = jnp.where(inside, d0 * xn**pml.power, d[half])
            alpha[half] = jnp.where(inside, alpha_max * (1.0 - xn), alpha[half])
    out = []
    for half in (False, True):
        b = jnp.exp(-(d[half] + alpha[half]) * dt)
        denom = jnp.where(d[half] > 0, d[half] + alpha[half], 1.0)
        a = jnp.where(d[half] > 0, d[half] * (b - 1.0) / denom, 0.0)
        out += [a.astype(dtype), b.astype(dtype)]
    return tuple(out)
