"""Errors of NumPy arrays in float64 on the host, independent of `jax_enable_x64`."""

from __future__ import annotations

import numpy as np


def rel_l2_float64(pred, ref) -> float:
    r"""Relative L2 error $\|\hat u - u\|_2 / \|u\|_2$ over all entries, in float64 (or complex128).

    The same quantity as `rel_l2`, computed with NumPy on the host: the score of a float64
    reference comparison keeps its digits whether or not 64-bit JAX is enabled. Complex
    arrays use the modulus.

    **Arguments:** `pred`, `ref`: arrays of one shape (NumPy or JAX).

    **Returns:** a Python float (`inf` when `ref` is zero and `pred` is not).

    **Example:**

    >>> rel_l2_float64(np.array([1.0, 2.0, 2.0]), np.array([1.0, 2.0, 3.0]))  # 1 / sqrt(14)
    0.267...
    """
    p, r = np.asarray(pred), np.asarray(ref)
    if p.shape != r.shape:
        raise ValueError(f"prediction shape {p.shape} does not match reference shape {r.shape}.")
    kind = np.complex128 if np.iscomplexobj(p) or np.iscomplexobj(r) else np.float64
    p, r = p.astype(kind).ravel(), r.astype(kind).ravel()
    num, den = float(np.linalg.norm(p - r)), float(np.linalg.norm(r))
    if den == 0.0:
        return 0.0 if num == 0.0 else float("inf")
    return num / den
