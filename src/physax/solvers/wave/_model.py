"""Data containers of the acoustic wave solver: model, shot geometry, solution."""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float, Int


def _concrete(x) -> np.ndarray | None:
    """`x` as a NumPy array when its value is known (not traced), else None."""
    if isinstance(x, jax.core.Tracer):
        return None
    return np.asarray(x)


def _float_dtype(x):
    dtype = jnp.asarray(x).dtype
    return dtype if jnp.issubdtype(dtype, jnp.floating) else jnp.float32


class AcousticModel(eqx.Module):
    r"""Earth model for 2D acoustics on a regular grid.

    Axis 0 is depth $z$ (row 0 on top), axis 1 is $x$; both have spacing `dx`.
    The bulk modulus is $\kappa = \rho c^2$. With `density=None` the medium has
    $\rho = 1$ and the solver uses the central (non-staggered) Laplacian.

    **Arguments:**

    - `velocity`: P-wave velocity $c$ (m/s), shape `(nz, nx)`.
    - `density`: density $\rho$, shape `(nz, nx)`, or `None` for constant density.
    - `dx`: grid spacing (m), positive.

    **Example:**

    >>> model = AcousticModel(jnp.full((100, 200), 2000.0), dx=10.0)
    """

    velocity: Float[Array, "nz nx"]
    density: Float[Array, "nz nx"] | None
    dx: float = eqx.field(static=True)

    def __init__(self, velocity, density=None, *, dx: float):
        dtype = _float_dtype(velocity)
        self.velocity = jnp.asarray(velocity, dtype=dtype)
        self.density = None if density is None else jnp.asarray(density, dtype=dtype)
        self.dx = float(dx)

    def __check_init__(self):
        if not self.dx > 0:
            raise ValueError(f"`dx` must be positive, got {self.dx}.")
        if self.velocity.ndim != 2:
            raise ValueError(f"`velocity` must be a 2D array (nz, nx), got shape {self.velocity.shape}.")
        if self.density is not None and self.density.shape != self.velocity.shape:
            raise ValueError(
                f"`density` shape {self.density.shape} must equal `velocity` shape {self.velocity.shape}."
            )
        for name, field in (("velocity", self.velocity), ("density", self.density)):
            value = None if field is None else _concrete(field)
            if value is not None and not np.all(value > 0):
                raise ValueError(f"`{name}` must be positive everywhere (and finite).")

    @property
    def shape(self) -> tuple[int, int]:
        return tuple(self.velocity.shape)


class Shot(eqx.Module):
    r"""Acquisition of one shot: point sources with their wavelets, point receivers.

    Positions are grid indices `(iz, ix)` into the model (not counting PML cells).
    Several shots with equal counts batch by stacking every field along a new
    leading axis (see `stack_shots`) and calling `simulate_shots`.

    **Arguments:**

    - `sources`: source positions, integer array `(n_sources, 2)`.
    - `receivers`: receiver positions, integer array `(n_receivers, 2)`.
    - `wavelets`: source time functions sampled at $t_n = n\,\Delta t$, shape
      `(n_sources, n_steps)`, or `(n_steps,)` shared by all sources. Their length
      sets the number of time steps.

    **Example:**

    >>> shot = Shot([[2, 100]], [[2, i] for i in range(200)], ricker(15.0, 1e-3, 1500))
    """

    sources: Int[Array, "n_sources 2"]
    receivers: Int[Array, "n_receivers 2"]
    wavelets: Float[Array, "n_sources n_steps"]

    def __init__(self, sources, receivers, wavelets):
        self.sources = jnp.asarray(sources, dtype=jnp.int32)
        self.receivers = jnp.asarray(receivers, dtype=jnp.int32)
        wavelets = jnp.asarray(wavelets, dtype=_float_dtype(wavelets))
        if wavelets.ndim == self.sources.ndim - 1:  # one wavelet for every source
            wavelets = jnp.broadcast_to(
                wavelets[..., None, :], (*self.sources.shape[:-1], wavelets.shape[-1])
            )
        self.wavelets = wavelets

    def __check_init__(self):
        for name, pos in (("sources", self.sources), ("receivers", self.receivers)):
            if pos.ndim < 2 or pos.shape[-1] != 2 or pos.shape[-2] == 0:
                raise ValueError(
                    f"`{name}` must have shape (n, 2) of (iz, ix) grid indices with n >= 1, got {pos.shape}."
                )
        if self.wavelets.shape[:-1] != self.sources.shape[:-1]:
            raise ValueError(
                f"`wavelets` shape {self.wavelets.shape} must be (n_sources, n_steps) with "
                f"n_sources = {self.sources.shape[-2]}."
            )

    @property
    def n_steps(self) -> int:
        return int(self.wavelets.shape[-1])


def stack_shots(shots: list[Shot]) -> Shot:
    """Stack shots with equal source, receiver and sample counts along a leading axis.

    **Arguments:** `shots`: a list of `Shot`.

    **Returns:** one `Shot` whose fields have a leading shot axis, for `simulate_shots`,
    `l2_misfit`, `velocity_gradient` and `fwi`.

    **Example:**

    >>> wavelet = ricker(15.0, 1e-3, 100)
    >>> receivers = [[2, i] for i in range(0, 40, 4)]
    >>> shots = stack_shots([Shot([[2, ix]], receivers, wavelet) for ix in (5, 20, 35)])
    >>> shots.sources.shape, shots.receivers.shape, shots.wavelets.shape
    ((3, 1, 2), (3, 10, 2), (3, 1, 100))
    """
    return jax.tree.map(lambda *xs: jnp.stack(xs), *shots)


class WaveSolution(eqx.Module):
    r"""Output of `simulate`.

    **Fields:**

    - `traces`: receiver pressure $p(t_n)$, shape `(n_steps, n_receivers)`.
    - `snapshots`: pressure on the model grid (PML cropped) at $t = j\,k\,\Delta t$,
      shape `(ceil(n_steps / k), nz, nx)` for `snapshot_every=k`, else `None`.

    **Example:**

    >>> model = AcousticModel(jnp.full((30, 30), 2000.0), dx=10.0)
    >>> shot = Shot([[15, 15]], [[15, 25]], ricker(15.0, 1e-3, 100))
    >>> out = simulate(model, shot, dt=1e-3, order=2, snapshot_every=30)
    >>> isinstance(out, WaveSolution), out.traces.shape, out.snapshots.shape
    (True, (100, 1), (4, 30, 30))
    """

    traces: Float[Array, "n_steps n_receivers"]
    snapshots: Float[Array, "n_snapshots nz nx"] | None
