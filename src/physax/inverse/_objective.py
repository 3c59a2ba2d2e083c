"""Multi-shot FWI data misfits (L2, normalised cross-correlation) of filtered traces."""

import jax.numpy as jnp
from jaxtyping import Array, Float

from ._filters import lowpass

MISFITS = ("l2", "ncc")


def data_misfit(
    predicted: Float[Array, "n_shots n_steps n_receivers"],
    observed: Float[Array, "n_shots n_steps n_receivers"],
    *,
    kind: str = "l2",
    dt: float | None = None,
    cutoff=None,
) -> Float[Array, ""]:
    r"""Misfit between predicted and observed shot gathers, optionally low-passed.

    - `"l2"`: $\tfrac12\sum_{s,n,r}(d - d^{obs})^2$ (Tarantola 1984).
    - `"ncc"`: $\sum_{s,r}\big(1 - \langle d, d^{obs}\rangle / (\|d\|\,\|d^{obs}\|)\big)$
      per trace over time, insensitive to amplitude scaling (source strength,
      density), a common remedy when amplitudes are not trusted.

    Both data sets are first low-passed with `lowpass(·, dt, cutoff)` when
    `cutoff` is given.

    **Example:**

    ```python
    j = data_misfit(pred, obs, kind="ncc", dt=1e-3, cutoff=6.0)
    ```
    """
    if kind not in MISFITS:
        raise ValueError(f"unknown misfit {kind!r}; choose one of {MISFITS}.")
    if cutoff is not None:
        if dt is None:
            raise ValueError("`dt` is needed to low-pass the data.")
        predicted, observed = lowpass(predicted, dt, cutoff), lowpass(observed, dt, cutoff)
    if kind == "l2":
        return 0.5 * jnp.sum((predicted - observed) ** 2)
    eps = 1e-30
    dot = jnp.sum(predicted * observed, axis=-2)
    norms = jnp.sqrt(jnp.sum(predicted**2, axis=-2) * jnp.sum(observed**2, axis=-2) + eps)
    return jnp.sum(1.0 - dot / norms)
