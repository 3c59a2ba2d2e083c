"""Boundary-aware padding of channel-first fields for convolutional emulators."""

from __future__ import annotations

import jax.numpy as jnp
from jaxtyping import Array, Float

BOUNDARIES = ("periodic", "dirichlet", "neumann")

PAD_MODES = {"periodic": "wrap", "dirichlet": "constant", "neumann": "symmetric"}


def check_boundary(boundary: str) -> str:
    if boundary not in BOUNDARIES:
        raise ValueError(
            f"boundary must be one of {', '.join(BOUNDARIES)}, got {boundary!r}; periodic wraps, "
            "dirichlet pads zeros, neumann mirrors the edge values (zero normal derivative)."
        )
    return boundary


def pad_spatial(
    x: Float[Array, " c *spatial"],
    widths: tuple[tuple[int, int], ...],
    boundary: str,
) -> Float[Array, " c *spatial_padded"]:
    """Pad every spatial axis of a channel-first field for boundary condition `boundary`.

    - `"periodic"`: wrap around (circular padding).
    - `"dirichlet"`: homogeneous Dirichlet, zeros outside the domain.
    - `"neumann"`: homogeneous Neumann, a mirror image including the edge value
      (`numpy.pad(mode="symmetric")`), so a one-sided difference across the boundary is zero.

    **Arguments:**

    - `x`: a field of shape `(C, *spatial)`.
    - `widths`: one `(left, right)` pair per spatial axis.
    - `boundary`: `"periodic"`, `"dirichlet"` or `"neumann"`.

    **Returns:** the padded field, `(C, *padded_spatial)`.

    **Example:**

    >>> u = jnp.array([[1.0, 2.0, 3.0]])
    >>> [pad_spatial(u, ((1, 1),), b).tolist() for b in ("periodic", "dirichlet", "neumann")]
    [[[3.0, 1.0, 2.0, 3.0, 1.0]], [[0.0, 1.0, 2.0, 3.0, 0.0]], [[1.0, 1.0, 2.0, 3.0, 3.0]]]
    """
    check_boundary(boundary)
    if len(widths) != x.ndim - 1:
        raise ValueError(
            f"got {len(widths)} padding widths for a field with {x.ndim - 1} spatial axes "
            f"(shape {x.shape}); pass one (left, right) pair per spatial axis."
        )
    return jnp.pad(x, ((0, 0), *widths), mode=PAD_MODES[boundary])


def same_widths(kernel_size: int, dilation: int, num_spatial_dims: int) -> tuple[tuple[int, int], ...]:
    """Widths that keep the size under a stride-1 convolution.

    The left width is `floor(extent / 2)` and the right one takes the rest, with
    `extent = dilation * (kernel_size - 1)`, so a kernel of size 2 reads `(u_i, u_{i+1})`.
    """
    extent = dilation * (kernel_size - 1)
    left = extent // 2
    return ((left, extent - left),) * num_spatial_dims
