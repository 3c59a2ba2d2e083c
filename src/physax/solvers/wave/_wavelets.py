"""Source wavelets."""

import jax.numpy as jnp
from jaxtyping import Array, Float


def ricker(
    f0: float, dt: float, n_steps: int, *, delay: float | None = None, dtype=jnp.float32
) -> Float[Array, " n_steps"]:
    r"""Ricker wavelet (Mexican hat) sampled at $t_n = n\,\Delta t$.

    $$w(t) = \big(1 - 2\pi^2 f_0^2 (t - t_0)^2\big)\,e^{-\pi^2 f_0^2 (t - t_0)^2},$$

    the negative second derivative of a Gaussian (normalised to $w(t_0) = 1$); its
    amplitude spectrum peaks at $f_0$ and is negligible above $\sim 3 f_0$.

    **Arguments:**

    - `f0`: peak frequency (Hz).
    - `dt`: sampling interval (s).
    - `n_steps`: number of samples.
    - `delay`: time shift $t_0$ (s); default $1.5 / f_0$, where $|w(0)| < 10^{-7}$.
    - `dtype`: floating dtype (float32 by default).

    **Returns:** the wavelet, shape `(n_steps,)`.

    **Example:**

    >>> w = ricker(15.0, 1e-3, 1000)
    """
    if not (f0 > 0 and dt > 0 and n_steps > 0):
        raise ValueError(
            f"ricker needs f0 > 0, dt > 0, n_steps > 0; got f0={f0}, dt={dt}, n_steps={n_steps}."
        )
    t0 = 1.5 / f0 if delay is None else delay
    arg = (jnp.pi * f0 * (jnp.arange(n_steps, dtype=dtype) * dt - t0)) ** 2
    return ((1.0 - 2.0 * arg) * jnp.exp(-arg)).astype(dtype)
