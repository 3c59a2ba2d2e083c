"""Input checks of the wave solver: stability (CFL), geometry, options."""

import numpy as np

from ._coefficients import _check_order, max_stable_dt
from ._cpml import CPML
from ._model import AcousticModel, Shot, _concrete


def check_cfl(model: AcousticModel, dt: float, order: int = 8) -> float:
    r"""Raise `ValueError` if `dt` exceeds the stability limit of the scheme.

    Uses `max_stable_dt` with the largest velocity of `model` (skipped when the
    velocity is traced, e.g. inside a user's `jax.grad`).

    **Arguments:**

    - `model`: the `AcousticModel`.
    - `dt`: time step (s).
    - `order`: spatial order.

    **Returns:** the Courant number $c_{\max}\Delta t / h$ (NaN when traced).

    **Example:**

    >>> model = AcousticModel(jnp.full((50, 50), 3000.0), dx=10.0)
    >>> check_cfl(model, 1e-3, order=8)
    0.3
    >>> check_cfl(model, 5e-3, order=8)
    Traceback (most recent call last):
        ...
    ValueError: dt = 0.005 s violates the CFL stability condition for order 8 ...
    """
    if not dt > 0:
        raise ValueError(f"`dt` must be positive, got {dt}.")
    velocity = _concrete(model.velocity)
    if velocity is None:
        return float("nan")
    c_max = float(np.max(velocity))
    limit = max_stable_dt(c_max, model.dx, order, staggered=model.density is not None)
    if dt > limit:
        raise ValueError(
            f"dt = {dt:.4g} s violates the CFL stability condition for order {order} "
            f"(max velocity {c_max:.4g} m/s, dx = {model.dx:.4g} m): the max stable dt is "
            f"{limit:.4g} s. Reduce dt (a Courant number c dt / dx <= 0.3-0.4 also keeps "
            "time dispersion small) or coarsen the grid."
        )
    return c_max * dt / model.dx


def _check_positions(name: str, positions, shape: tuple[int, int]) -> None:
    pos = _concrete(positions)
    if pos is None:
        return
    pos = pos.reshape(-1, 2)
    bad = (pos < 0).any(axis=1) | (pos[:, 0] >= shape[0]) | (pos[:, 1] >= shape[1])
    if bad.any():
        first = tuple(int(v) for v in pos[np.argmax(bad)])
        raise ValueError(
            f"{int(bad.sum())} {name} lie outside the model grid of shape (nz, nx) = {shape}; "
            f"first offender (iz, ix) = {first}. Positions are integer grid indices "
            "0 <= iz < nz, 0 <= ix < nx."
        )


def validate(
    model: AcousticModel,
    shot: Shot,
    dt: float,
    order: int,
    boundary: CPML | None,
    snapshot_every: int | None,
    segment_length: int | None,
    batched: bool,
) -> None:
    """Check every input of `simulate` / `simulate_shots`; raise `ValueError` on problems."""
    if not isinstance(model, AcousticModel):
        raise TypeError(f"`model` must be an AcousticModel, got {type(model).__name__}.")
    if not isinstance(shot, Shot):
        raise TypeError(f"`shot` must be a Shot, got {type(shot).__name__}.")
    if boundary is not None and not isinstance(boundary, CPML):
        raise TypeError(f"`boundary` must be a CPML or None, got {type(boundary).__name__}.")
    _check_order(order)
    ndim = 3 if batched else 2
    if shot.sources.ndim != ndim:
        what = "(n_shots, n_sources, 2)" if batched else "(n_sources, 2)"
        hint = " Use simulate_shots for stacked shots." if shot.sources.ndim == 3 else ""
        raise ValueError(f"`sources` must have shape {what}, got {shot.sources.shape}.{hint}")
    if shot.receivers.ndim != ndim:
        raise ValueError(f"`receivers` must have {ndim} dimensions, got {shot.receivers.shape}.")
    _check_positions("sources", shot.sources, model.shape)
    _check_positions("receivers", shot.receivers, model.shape)
    for name, value in (("snapshot_every", snapshot_every), ("segment_length", segment_length)):
        if value is not None and (not isinstance(value, int) or value < 1):
            raise ValueError(f"`{name}` must be a positive int or None, got {value!r}.")
    check_cfl(model, dt, order)
    if min(model.shape) <= order // 2:
        raise ValueError(f"the model {model.shape} is too small for order {order}.")
