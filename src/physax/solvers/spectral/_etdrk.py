r"""Exponential time differencing Runge-Kutta (ETDRK) coefficients and single steps.

For $u_t = \mathcal{L}u + \mathcal{N}(u)$ with $\mathcal{L}$ diagonal (a Fourier symbol $c$), a
step of size $h$ uses $z = ch$ and the phi-functions

$$\varphi_0(z) = e^z,\qquad \varphi_{j+1}(z) = \frac{\varphi_j(z) - 1/j!}{z},$$

i.e. $\varphi_1 = (e^z-1)/z$, $\varphi_2 = (e^z-1-z)/z^2$, $\varphi_3 = (e^z-1-z-z^2/2)/z^3$.
Evaluated directly these cancel catastrophically for small $|z|$; following Kassam & Trefethen
(2005, "Fourth-order time-stepping for stiff PDEs", SIAM J. Sci. Comput. 26(4)) they are computed
as the mean of the function over $M$ points on a circle of radius $r$ around each $z$ (Cauchy's
integral formula with the trapezoidal rule, which converges geometrically for these entire
functions). The full circle is used so complex $z$ (advection, dispersion) is handled too.

The schemes are those of Cox & Matthews (2002, "Exponential time differencing for stiff systems",
J. Comput. Phys. 176): ETD1 (exponential Euler), ETD2RK, ETD3RK and ETDRK4.
"""

from __future__ import annotations

from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Complex

_SpectralFn = Callable[[Array], Array]


def phi_functions(
    z: Complex[Array, " *shape"],
    max_order: int,
    *,
    num_points: int = 32,
    radius: float = 1.0,
) -> list[Complex[Array, " *shape"]]:
    r"""$[\varphi_1(z), \dots, \varphi_{p}(z)]$ by the Kassam-Trefethen contour-integral mean.

    **Arguments:**

    - `z`: complex array (e.g. $c\,h$ for every Fourier mode).
    - `max_order`: $p \ge 1$.
    - `num_points`: quadrature points $M$ on the circle (32 gives round-off accuracy for $r=1$).
    - `radius`: circle radius $r$.

    **Returns:** a list of `max_order` arrays shaped like `z`.

    Works on numpy arrays (evaluated in numpy) and JAX arrays (differentiable).

    **Example:** at $z = 0$ the functions are $1/j!$; at $z = -50$ the contour mean stays
    accurate where the direct formula would cancel.

    >>> p1, p2, p3 = phi_functions(np.array([0.0j, -50.0 + 0j]), 3)
    >>> p1.real.round(6), p2.real.round(6), p3.real.round(6)
    (array([1.  , 0.02]), array([0.5   , 0.0196]), array([0.166667, 0.009608]))
    """
    xp = _namespace(z)
    theta = 2 * np.pi * (np.arange(num_points) + 0.5) / num_points
    roots = (radius * np.exp(1j * theta)).astype(z.dtype)
    w = z[..., None] + roots
    phi = xp.exp(w)
    out = []
    factorial = 1.0
    for j in range(max_order):
        phi = (phi - 1.0 / factorial) / w
        factorial *= j + 1
        out.append(xp.mean(phi, axis=-1))
    return out


def _namespace(*arrays):
    # Concrete inputs take the numpy path (no XLA compilation when a Stepper is built); traced
    # ones (e.g. a PDE parameter under jax.grad) take the jax.numpy path.
    if any(isinstance(a, jax.core.Tracer) for a in arrays):
        return jnp
    return np


def etdrk_coefficients(
    lin: Complex[Array, " *shape"],
    dt,
    order: int,
    *,
    num_points: int = 32,
    radius: float = 1.0,
) -> tuple[Complex[Array, " *shape"], ...]:
    r"""Per-mode coefficient arrays of the ETDRK scheme of `order` for the symbol `lin` and step `dt`.

    With $z = c\,h$ per mode, the tuple layout is the one `etdrk_step` expects: order 1
    $(e^z, h\varphi_1)$; order 2 $(e^z, h\varphi_1, h\varphi_2)$; order 3
    $(e^z, e^{z/2}, \tfrac h2\varphi_1(z/2), h\varphi_1, g_1, g_2, g_3)$; order 4
    $(e^z, e^{z/2}, \tfrac h2\varphi_1(z/2), g_1, g_2, g_3)$, where
    $g_1 = h(\varphi_1 - 3\varphi_2 + 4\varphi_3)$, $g_2 = h(\varphi_2 - 2\varphi_3)$ and
    $g_3 = h(4\varphi_3 - \varphi_2)$ (Cox & Matthews 2002).

    **Arguments:**

    - `lin`: the linear Fourier symbol $c$ per mode.
    - `dt`: the step $h$.
    - `order`: 1-4.
    - `num_points`, `radius`: the contour quadrature of `phi_functions`.

    **Returns:** the tuple above. Concrete inputs are evaluated in NumPy float64 (and
    returned as NumPy arrays); traced inputs with `jax.numpy` (differentiable).

    **Example:** exponential Euler for the modes $c = 0$ and $c = -1$.

    >>> e, f = etdrk_coefficients(np.array([0.0, -1.0]), 0.1, 1)
    >>> e.real.round(6), f.real.round(6)  # e^{ch}, (e^{ch} - 1) / c
    (array([1.      , 0.904837]), array([0.1     , 0.095163]))
    """
    xp = _namespace(lin, dt)
    if xp is np:
        lin = np.asarray(lin, dtype=np.complex128)
        dt = float(dt)
    z = lin * dt
    exp_z = xp.exp(z)
    kw = dict(num_points=num_points, radius=radius)
    if order == 1:
        (p1,) = phi_functions(z, 1, **kw)
        return exp_z, dt * p1
    if order == 2:
        p1, p2 = phi_functions(z, 2, **kw)
        return exp_z, dt * p1, dt * p2
    (q1,) = phi_functions(z / 2, 1, **kw)
    p1, p2, p3 = phi_functions(z, 3, **kw)
    g1 = dt * (p1 - 3 * p2 + 4 * p3)
    g2 = dt * (p2 - 2 * p3)
    g3 = dt * (4 * p3 - p2)
    exp_half = xp.exp(z / 2)
    q = (dt / 2) * q1
    if order == 3:
        return exp_z, exp_half, q, dt * p1, g1, g2, g3
    if order == 4:
        return exp_z, exp_half, q, g1, g2, g3
    raise ValueError(f"ETDRK order must be 1, 2, 3 or 4, got {order!r}.")


def etdrk_step(
    order: int,
    coefficients: tuple[Array, ...],
    u_hat: Complex[Array, " *shape"],
    nonlinear: _SpectralFn,
) -> Complex[Array, " *shape"]:
    r"""One ETDRK step in Fourier space for $\hat u_t = c\hat u + \hat{\mathcal N}(\hat u)$.

    **Arguments:**

    - `order`: 1-4.
    - `coefficients`: from `etdrk_coefficients` for the same order.
    - `u_hat`: the spectrum.
    - `nonlinear`: the map $\hat u \mapsto \hat{\mathcal N}(\hat u)$.

    **Returns:** the spectrum after one step.

    **Example:** the logistic equation $u' = u - u^2$ (linear part $c = 1$), ten ETDRK4 steps
    of 0.1 from $u = 1/2$ against the exact $1 / (1 + e^{-1})$.

    >>> coefficients = etdrk_coefficients(np.array([1.0 + 0j]), 0.1, 4)
    >>> u = jnp.array([0.5 + 0j])
    >>> for _ in range(10):
    ...     u = etdrk_step(4, coefficients, u, lambda v: -v * v)
    >>> bool(abs(u[0].real - 1 / (1 + math.exp(-1.0))) < 1e-6)
    True
    """
    if order == 1:
        e, f1 = coefficients
        return e * u_hat + f1 * nonlinear(u_hat)
    if order == 2:
        e, f1, f2 = coefficients
        n0 = nonlinear(u_hat)
        a = e * u_hat + f1 * n0
        return a + f2 * (nonlinear(a) - n0)
    if order == 3:
        e, e2, q, f1, g1, g2, g3 = coefficients
        n0 = nonlinear(u_hat)
        a = e2 * u_hat + q * n0
        na = nonlinear(a)
        b = e * u_hat + f1 * (2 * na - n0)
        nb = nonlinear(b)
        return e * u_hat + g1 * n0 + 4 * g2 * na + g3 * nb
    if order == 4:
        e, e2, q, g1, g2, g3 = coefficients
        n0 = nonlinear(u_hat)
        a = e2 * u_hat + q * n0
        na = nonlinear(a)
        b = e2 * u_hat + q * na
        nb = nonlinear(b)
        c = e2 * a + q * (2 * nb - n0)
        nc = nonlinear(c)
        return e * u_hat + g1 * n0 + 2 * g2 * (na + nb) + g3 * nc
    raise ValueError(f"ETDRK order must be 1, 2, 3 or 4, got {order!r}.")
