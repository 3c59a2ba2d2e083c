"""Finite-difference coefficients of the wave solver and the CFL stability limit."""

import functools
import math

import numpy as np

SUPPORTED_ORDERS = (2, 4, 6, 8)


def _check_order(order: int) -> int:
    if order not in SUPPORTED_ORDERS:
        raise ValueError(f"`order` must be one of {SUPPORTED_ORDERS}, got {order!r}.")
    return order


@functools.cache
def central_coefficients(order: int) -> tuple[float, ...]:
    r"""Central finite-difference weights of the second derivative.

    With $M = \text{order}/2$ the weights $(c_0, c_1, \dots, c_M)$ give

    $$f''(x) \approx \frac{1}{h^2}\Big[c_0 f(x) + \sum_{k=1}^{M} c_k
      \big(f(x + kh) + f(x - kh)\big)\Big] + O(h^{\text{order}}),$$

    found from the Taylor conditions $\sum_k c_k k^2 = 1$ and
    $\sum_k c_k k^{2j} = 0$ for $j = 2, \dots, M$; $c_0 = -2 \sum_k c_k$.

    **Arguments:**

    - `order`: accuracy order, one of 2, 4, 6, 8.

    **Returns:** the tuple `(c_0, c_1, ..., c_M)`.

    **Example:**

    >>> central_coefficients(4)  # (-2.5, 1.3333, -0.08333)
    """
    m = _check_order(order) // 2
    k = np.arange(1, m + 1, dtype=np.float64)
    rows = np.stack([k ** (2 * j) for j in range(1, m + 1)])
    rhs = np.zeros(m)
    rhs[0] = 1.0
    c = np.linalg.solve(rows, rhs)
    return (float(-2.0 * c.sum()), *map(float, c))


@functools.cache
def staggered_coefficients(order: int) -> tuple[float, ...]:
    r"""Staggered-grid weights of the first derivative.

    With $M = \text{order}/2$ the weights $(c_1, \dots, c_M)$ give

    $$f'(x) \approx \frac{1}{h}\sum_{m=1}^{M} c_m
      \Big[f\big(x + \tfrac{2m-1}{2}h\big) - f\big(x - \tfrac{2m-1}{2}h\big)\Big]
      + O(h^{\text{order}})$$

    (Fornberg 1988; e.g. order 4: $9/8, -1/24$).

    **Arguments:**

    - `order`: accuracy order, one of 2, 4, 6, 8.

    **Returns:** the tuple `(c_1, ..., c_M)`.

    **Example:**

    >>> staggered_coefficients(4)  # (1.125, -0.041667)
    """
    m = _check_order(order) // 2
    odd = 2.0 * np.arange(1, m + 1, dtype=np.float64) - 1.0
    rows = np.stack([odd ** (2 * j + 1) for j in range(m)])
    rhs = np.zeros(m)
    rhs[0] = 1.0
    return tuple(map(float, np.linalg.solve(rows, rhs)))


def max_stable_dt(velocity_max: float, dx: float, order: int = 8, *, staggered: bool = False) -> float:
    r"""Largest stable time step of the 2D leapfrog scheme (von Neumann analysis).

    The explicit second-order time stepping of $p_{tt} = c^2 \Delta_h p$ is stable
    when $c\,\Delta t \sqrt{\lambda_{\max}} \le 2$, where $\lambda_{\max}$ is the
    largest eigenvalue of $-\Delta_h$. For the 2D operator at the Nyquist wavenumber
    in both directions, $\lambda_{\max} = 2 S / h^2$ with
    $S = |c_0 + 2\sum_k (-1)^k c_k|$ (central) or
    $S = \big(2\sum_m (-1)^{m+1} c_m\big)^2$ (staggered), so

    $$\Delta t_{\max} = \frac{2h}{c_{\max}\sqrt{2S}}.$$

    Order 2: $\Delta t_{\max} = h / (c_{\max}\sqrt 2)$.

    **Arguments:**

    - `velocity_max`: largest velocity in the model (m/s).
    - `dx`: grid spacing (m).
    - `order`: spatial order (2, 4, 6, 8).
    - `staggered`: use the staggered (variable-density) operator.

    **Returns:** the stability limit of `dt` in seconds.

    **Example:**

    >>> max_stable_dt(3000.0, 10.0, order=8)  # ~1.95e-3
    """
    if staggered:
        c = staggered_coefficients(order)
        s = (2.0 * sum((-1) ** m * cm for m, cm in enumerate(c))) ** 2
    else:
        c = central_coefficients(order)
        s = abs(c[0] + 2.0 * sum((-1) ** k * ck for k, ck in enumerate(c) if k > 0))
    return 2.0 * dx / (velocity_max * math.sqrt(2.0 * s))
