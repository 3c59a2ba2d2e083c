"""ETDRK time stepper (an equinox Module) and the `rollout` trajectory helper."""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Inexact

from ._etdrk import etdrk_coefficients, etdrk_step
from ._grid import PeriodicGrid
from ._pde import AbstractPDE


def _concrete_float(x) -> float | None:
    try:
        return float(x)
    except (TypeError, jax.errors.ConcretizationTypeError):
        return None


class Stepper(eqx.Module):
    r"""Advance $u_t = \mathcal{L}u + \mathcal{N}(u)$ by one time step `dt` with ETDRK of `order`.

    Orders: 1 = exponential Euler, 2 = Cox-Matthews ETD2RK, 3 = ETD3RK, 4 = ETDRK4 (Cox & Matthews
    2002); the phi-function coefficients are precomputed with the contour-integral method of
    Kassam & Trefethen (2005). The linear part is integrated exactly, so a linear PDE is advanced
    exactly (to round-off) for any `dt`. With ``substeps=s`` each call takes `s` steps of
    ``dt/s`` (staying in Fourier space between them).

    The call works on one state in physical space, channel-first, shape ``(C, N)`` (1D) or
    ``(C, N, N)`` (2D); batch with ``jax.vmap``. Arithmetic follows the state dtype: float32 in,
    float32 out; float64 needs ``jax.config.update("jax_enable_x64", True)`` *before* the stepper
    is built (its coefficients are computed in the default precision and cast to the state's).
    Everything is differentiable: ``jax.grad`` through `rollout` works with respect to the
    initial state and, when they are JAX arrays, the PDE parameters and `dt`.

    **Arguments:**

    - `pde`: an `AbstractPDE` (e.g. ``KuramotoSivashinsky()``).
    - `grid`: the `PeriodicGrid`.
    - `dt`: time step per call, > 0.
    - `order`: ETDRK order, 1-4 (default 4).
    - `substeps`: internal steps per call (default 1).
    - `num_circle_points`, `circle_radius`: contour quadrature ($M=32$, $r=1$).

    **Example:**

    >>> grid = PeriodicGrid(1, 64, extent=32 * math.pi)
    >>> stepper = Stepper(KuramotoSivashinsky(), grid, dt=0.25)
    >>> stepper(ks_classic(grid)).shape
    (1, 64)
    """

    pde: AbstractPDE
    grid: PeriodicGrid
    dt: float | Array
    order: int = eqx.field(static=True)
    substeps: int = eqx.field(static=True)
    coefficients: tuple[Array, ...]

    def __init__(
        self,
        pde: AbstractPDE,
        grid: PeriodicGrid,
        dt: float | Array,
        *,
        order: int = 4,
        substeps: int = 1,
        num_circle_points: int = 32,
        circle_radius: float = 1.0,
    ):
        if not isinstance(pde, AbstractPDE):
            raise TypeError(f"pde must be an AbstractPDE instance, got {type(pde).__name__}.")
        if not isinstance(grid, PeriodicGrid):
            raise TypeError(f"grid must be a PeriodicGrid, got {type(grid).__name__}.")
        if order not in (1, 2, 3, 4):
            raise ValueError(f"order must be 1, 2, 3 or 4 (ETDRK1-ETDRK4), got {order!r}.")
        if not isinstance(substeps, int | np.integer) or substeps < 1:
            raise ValueError(f"substeps must be a positive integer, got {substeps!r}.")
        dt_value = _concrete_float(dt)
        if dt_value is not None and not dt_value > 0:
            raise ValueError(f"dt must be positive, got {dt_value!r}; pass a time step > 0.")
        if grid.num_spatial_dims not in pde.supported_dims:
            dims = ", ".join(map(str, pde.supported_dims))
            raise ValueError(
                f"{type(pde).__name__} is defined for spatial dimension(s) {dims}, got a "
                f"{grid.num_spatial_dims}-D grid; build the PeriodicGrid in a supported dimension."
            )
        self.pde = pde
        self.grid = grid
        self.dt = jnp.asarray(dt)  # a traced leaf: a new dt does not recompile a rollout
        self.order = int(order)
        self.substeps = int(substeps)
        shape = (pde.num_channels, *grid.spectral_shape(pde.complex_state))
        # Coefficients are computed on the (possibly smaller, broadcastable) symbol, then broadcast.
        if not any(isinstance(x, jax.core.Tracer) for x in jax.tree_util.tree_leaves(pde)):
            # Concrete parameters: evaluate the symbol and coefficients in numpy float64 (exact
            # enough and no XLA compilation); traced ones go through jax.numpy (differentiable).
            lin = np.asarray(jax.tree_util.tree_map(np.asarray, pde).linear_symbol(grid))
        else:
            lin = pde.linear_symbol(grid)
        lin = lin.astype(np.result_type(lin.dtype, np.complex64))
        coeffs = etdrk_coefficients(
            lin,
            dt / substeps,
            order,
            num_points=num_circle_points,
            radius=circle_radius,
        )
        self.coefficients = tuple(
            jnp.broadcast_to(jnp.asarray(c).astype(jnp.result_type(complex)), shape) for c in coeffs
        )

    def _check_state(self, u: Array) -> Array:
        u = jnp.asarray(u)
        expected = (self.pde.num_channels, *self.grid.spatial_shape)
        if u.shape != expected:
            raise ValueError(
                f"{type(self.pde).__name__} state must have shape {expected} "
                f"(channels, {'N, N' if self.grid.num_spatial_dims == 2 else 'N'}), got "
                f"{u.shape}; use a channel-first array, e.g. u[None] for a single channel, and "
                "jax.vmap for batches."
            )
        if self.pde.complex_state:
            return u.astype(jnp.result_type(u, 1j))
        if jnp.iscomplexobj(u):
            raise ValueError(
                f"{type(self.pde).__name__} evolves a real field but got a complex state; pass "
                "the real part or use a complex-state PDE such as NonlinearSchroedinger."
            )
        if not jnp.issubdtype(u.dtype, jnp.floating):
            u = u.astype(jnp.result_type(float))
        return u

    def step_fourier(self, u_hat: Array) -> Array:
        """Advance a spectrum by `dt` (all substeps); `u_hat` in `PeriodicGrid.to_fourier`
        layout."""
        coeffs = tuple(c.astype(u_hat.dtype) for c in self.coefficients)

        def nonlinear(v):
            return self.pde.nonlinear(v, self.grid).astype(v.dtype)

        def one(v):
            return etdrk_step(self.order, coeffs, v, nonlinear)

        if self.substeps == 1:
            return one(u_hat)
        return jax.lax.fori_loop(0, self.substeps, lambda _, v: one(v), u_hat)

    def __call__(self, u: Inexact[Array, " c *spatial"]) -> Inexact[Array, " c *spatial"]:
        """One step: physical-space state in, physical-space state (same shape/dtype) out."""
        return _step(self, self._check_state(u))


@eqx.filter_jit
def _step(stepper: Stepper, u: Array) -> Array:
    u_hat = stepper.step_fourier(stepper.grid.to_fourier(u))
    return stepper.grid.to_physical(u_hat).astype(u.dtype)


def rollout(
    stepper, u0: Inexact[Array, " c *spatial"], n: int, *, include_init: bool = True
) -> Inexact[Array, " t c *spatial"]:
    """Apply `stepper` `n` times from `u0` with ``lax.scan`` and return the trajectory.

    **Arguments:**

    - `stepper`: any callable state -> next state (a `Stepper`, or a neural emulator).
    - `u0`: initial state, e.g. shape ``(C, N)``.
    - `n`: number of steps (a non-negative Python int).
    - `include_init`: prepend `u0` (default), giving ``n + 1`` snapshots; else ``n``.

    **Returns:** array of shape ``(n + 1, *u0.shape)`` (or ``(n, ...)``).

    The scan is compiled with ``eqx.filter_jit`` (array leaves of `stepper` are traced, so a new
    step size or PDE parameter given as a JAX array does not recompile; Python floats do).

    **Example:** advection by one period in four steps returns to the start.

    >>> grid = PeriodicGrid(1, 32, extent=1.0)
    >>> traj = rollout(Stepper(Advection(velocity=1.0), grid, dt=0.25), sine_wave(grid), 4)
    >>> traj.shape, bool(jnp.abs(traj[-1] - traj[0]).max() < 1e-5)
    ((5, 1, 32), True)
    """
    if not isinstance(n, int | np.integer) or isinstance(n, bool) or n < 0:
        raise ValueError(f"n must be a non-negative Python int (number of steps), got {n!r}.")
    return _rollout(stepper, jnp.asarray(u0), int(n), bool(include_init))


@eqx.filter_jit
def _rollout(stepper, u0, n, include_init):
    # The carry must keep one dtype: promote e.g. a real initial state of a complex PDE.
    u0 = u0.astype(jax.eval_shape(stepper, u0).dtype)

    if n == 0:
        traj = jnp.zeros((0, *u0.shape), u0.dtype)
    elif isinstance(stepper, Stepper):
        # Stay in Fourier space between steps: one inverse transform per step for the output
        # instead of a forward and an inverse one.
        u0 = stepper._check_state(u0)
        grid = stepper.grid

        def spectral_body(u_hat, _):
            u_hat_next = stepper.step_fourier(u_hat)
            return u_hat_next, grid.to_physical(u_hat_next).astype(u0.dtype)

        _, traj = jax.lax.scan(spectral_body, grid.to_fourier(u0), None, length=n)
    else:

        def body(u, _):
            u_next = stepper(u)
            return u_next, u_next

        _, traj = jax.lax.scan(body, u0, None, length=n)
    if include_init:
        traj = jnp.concatenate([u0[None].astype(traj.dtype), traj], axis=0)
    return traj
