"""Surface acquisition geometry: evenly spaced shots and a fixed receiver spread."""

import numpy as np

from ..solvers.wave import Shot, ricker, stack_shots


def surface_shots(
    nx: int,
    *,
    n_shots: int,
    f0: float,
    dt: float,
    n_steps: int,
    source_depth: int = 1,
    receiver_depth: int = 1,
    receiver_spacing: int = 1,
    margin: int = 2,
) -> Shot:
    """Batched shots along the top of an `nx`-wide model, all sharing one receiver line.

    Sources are Ricker wavelets of peak `f0` spread evenly between `margin` and
    `nx - 1 - margin` at row `source_depth`; receivers every `receiver_spacing`
    cells at row `receiver_depth`.

    **Returns:** a `Shot` with a leading shot axis (see `stack_shots`).

    **Example:**

    >>> shots = surface_shots(200, n_shots=8, f0=8.0, dt=1e-3, n_steps=1000)
    """
    if n_shots < 1 or nx <= 2 * margin:
        raise ValueError(f"need n_shots >= 1 and nx > 2 * margin, got n_shots={n_shots}, nx={nx}.")
    wavelet = ricker(f0, dt, n_steps)
    receivers = [[receiver_depth, ix] for ix in range(margin, nx - margin, receiver_spacing)]
    xs = np.linspace(margin, nx - 1 - margin, n_shots).round().astype(int)
    return stack_shots([Shot([[source_depth, int(ix)]], receivers, wavelet) for ix in xs])
