"""Resolution changes of channel-first fields: average and max pooling, nearest upsampling."""

from __future__ import annotations

import equinox as eqx
import jax.numpy as jnp
from jaxtyping import Array, Float

from ._conv import check_dims


def _check_factor(factor: int, name: str) -> int:
    if not isinstance(factor, int) or isinstance(factor, bool) or factor < 1:
        raise ValueError(f"{name} factor must be an int >= 1, got {factor!r}.")
    return factor


def _check_sample(x: Array, d: int, name: str) -> None:
    if x.ndim != d + 1:
        raise ValueError(
            f"{name} takes one channel-first sample of shape (C, {'N, ' * d}...) with {d} spatial "
            f"axes, got shape {x.shape}; use jax.vmap for batches and x[None] to add a channel axis."
        )


def pool(x: Array, factor: int, reduce, spatial_axes: tuple[int, ...], name: str = "pooling") -> Array:
    """Reduce non-overlapping windows of `factor` points along each of `spatial_axes` with
    `reduce` (`jnp.mean` or `jnp.max`); works channel-first or channel-last."""
    shape, window_axes = [], []
    for axis, n in enumerate(x.shape):
        if axis in spatial_axes:
            if n % factor:
                raise ValueError(
                    f"{name} by {factor} needs spatial sizes divisible by {factor}, got {x.shape} "
                    f"(axis {axis} has {n}); change the resolution or the factor."
                )
            shape += [n // factor, factor]
            window_axes.append(len(shape) - 1)
        else:
            shape.append(n)
    return reduce(x.reshape(shape), axis=tuple(window_axes))


def upsample(x: Array, factor: int, spatial_axes: tuple[int, ...]) -> Array:
    """Repeat every point `factor` times along each of `spatial_axes` (nearest neighbour)."""
    for axis in spatial_axes:
        x = jnp.repeat(x, factor, axis=axis)
    return x


class AvgPool(eqx.Module):
    r"""Average pooling by `factor` along every spatial axis (non-overlapping windows).

    In 1D, $y_i = \frac{1}{s}\sum_{j=0}^{s-1} x_{si+j}$ for factor $s$; in 2D the mean over
    each $s \times s$ block. The output has `N // factor` points per axis; every spatial size
    must be divisible by `factor`. Pooling is equivariant to shifts by multiples of `factor`
    (a shift by $s$ on the input is a shift by one on the output), not to every shift. No
    parameters.

    **Arguments:**

    - `num_spatial_dims`: 1, 2 or 3.
    - `factor`: window size and stride $s \ge 1$.

    **Returns:** a module mapping one channel-first sample `(C, *spatial)` to
    `(C, *spatial // factor)`.

    **Example:**

    >>> pool = AvgPool(2, 2)
    >>> pool(jnp.ones((3, 32, 32))).shape
    (3, 16, 16)
    """

    num_spatial_dims: int = eqx.field(static=True)
    factor: int = eqx.field(static=True)

    def __check_init__(self):
        check_dims(self.num_spatial_dims)
        _check_factor(self.factor, "AvgPool")

    def __call__(self, x: Float[Array, " c *spatial"]) -> Float[Array, " c *coarse"]:
        _check_sample(x, self.num_spatial_dims, "AvgPool")
        return pool(x, self.factor, jnp.mean, tuple(range(1, x.ndim)), "AvgPool")


class MaxPool(eqx.Module):
    r"""Max pooling by `factor` along every spatial axis (non-overlapping windows).

    In 1D, $y_i = \max_{0 \le j < s} x_{si+j}$ for factor $s$; in 2D the maximum of each
    $s \times s$ block. The gradient flows only to the largest entry of each window. The output
    has `N // factor` points per axis; every spatial size must be divisible by `factor`.

    **Arguments:**

    - `num_spatial_dims`: 1, 2 or 3.
    - `factor`: window size and stride $s \ge 1$.

    **Returns:** a module mapping `(C, *spatial)` to `(C, *spatial // factor)`.

    **Example:**

    >>> MaxPool(1, 2)(jnp.array([[1.0, 3.0, -2.0, 0.5]])).tolist()
    [[3.0, 0.5]]
    """

    num_spatial_dims: int = eqx.field(static=True)
    factor: int = eqx.field(static=True)

    def __check_init__(self):
        check_dims(self.num_spatial_dims)
        _check_factor(self.factor, "MaxPool")

    def __call__(self, x: Float[Array, " c *spatial"]) -> Float[Array, " c *coarse"]:
        _check_sample(x, self.num_spatial_dims, "MaxPool")
        return pool(x, self.factor, jnp.max, tuple(range(1, x.ndim)), "MaxPool")


class Upsample(eqx.Module):
    r"""Nearest-neighbour upsampling by `factor` along every spatial axis.

    Every point is repeated `factor` times per axis, $y_{si+j} = x_i$ for $0 \le j < s$: the
    output has `N * factor` points per axis and `AvgPool(d, s)(Upsample(d, s)(x)) == x`
    exactly. Follow it with a convolution (as in a decoder or a UNet) to smooth the steps.

    **Arguments:**

    - `num_spatial_dims`: 1, 2 or 3.
    - `factor`: repetition factor $s \ge 1$.

    **Returns:** a module mapping `(C, *spatial)` to `(C, *spatial * factor)`.

    **Example:**

    >>> Upsample(1, 2)(jnp.array([[1.0, 2.0]])).tolist()
    [[1.0, 1.0, 2.0, 2.0]]
    """

    num_spatial_dims: int = eqx.field(static=True)
    factor: int = eqx.field(static=True)

    def __check_init__(self):
        check_dims(self.num_spatial_dims)
        _check_factor(self.factor, "Upsample")

    def __call__(self, x: Float[Array, " c *spatial"]) -> Float[Array, " c *fine"]:
        _check_sample(x, self.num_spatial_dims, "Upsample")
        return upsample(x, self.factor, tuple(range(1, x.ndim)))
