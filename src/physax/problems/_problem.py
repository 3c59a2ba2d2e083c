"""The problem API shared by every method: PINN, FBPINN, ELM and classical solvers."""

from __future__ import annotations

import abc
from collections.abc import Callable

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, PRNGKeyArray

from ..geometry import AbstractDomain
from ._condition import Condition
from ._observations import Observations, noisy
from ._parameter import Parameter
from ._reference import Reference


class AbstractProblem(eqx.Module):
    r"""A PDE problem: domain, residual, conditions, parameters and a reference solution.

    The one problem API that PINNs, FBPINNs, ELMs, ODIL and the classical solvers share.
    Subclasses define:

    - `domain` and `parameters` (a dict of `Parameter`s);
    - `residual(u, params)`: the PDE residual at one point, `u` a `physax.pinn.Field`;
    - `conditions()`: named initial and boundary `Condition`s;
    - optionally `exact(points)` (float64 NumPy) and `reference_axes()`, or `reference()`;
    - optionally `hard_constraint()`: an output transform `(z, n) -> u` that meets the
      conditions exactly;
    - optionally `classical(n=, dt=, snapshots=, t_end=, order=, dtype=) -> (t, x, u)`: the
      problem's classical numerical solution (what `physax solve` runs and the benchmarks
      put beside the learned ones).

    **Example:** exponential decay $u' = -ku$, $u(0) = 1$, written from scratch.

    >>> class Decay(AbstractProblem):
    ...     domain: Box
    ...     parameters: dict
    ...     def __init__(self, k=2.0):
    ...         self.domain = Interval(0.0, 1.0, "t")
    ...         self.parameters = {"k": Parameter(k)}
    ...     def residual(self, u, params):
    ...         return u.d("t") + params["k"] * u()
    ...     def conditions(self):
    ...         return {"ic": Condition("boundary", lambda u, p: jnp.where(u.coord("t") < 0.5, u() - 1.0, 0.0))}
    ...     def exact(self, points):
    ...         return np.exp(-self.parameters["k"].value * points[:, 0])
    >>> problem = Decay()
    >>> problem.reference().values[[0, -1]].round(4)
    array([1.    , 0.1353])
    >>> t = jnp.linspace(0.0, 1.0, 5)[:, None]
    >>> exact = lambda z: jnp.exp(-2.0 * z[0])
    >>> params = problem.resolve({})
    >>> r = eqx.filter_jit(pointwise_residual)(problem, exact, problem.residual, t, params)
    >>> bool(jnp.abs(r).max() < 1e-6)
    True
    """

    domain: eqx.AbstractVar[AbstractDomain]
    parameters: eqx.AbstractVar[dict[str, Parameter]]

    @property
    def name(self) -> str:
        return type(self).__name__

    @property
    def output_size(self):
        return "scalar"

    @abc.abstractmethod
    def residual(self, u, params: dict[str, Array]) -> Array:
        """PDE residual at one point."""

    def conditions(self) -> dict[str, Condition]:
        return {}

    def exact(self, points: np.ndarray) -> np.ndarray | None:
        """Exact solution at ``(n, d)`` points in float64, or ``None`` if unknown."""
        return None

    def reference_axes(self) -> tuple[tuple[str, np.ndarray], ...]:
        """Grid on which errors are reported (default: 101 points per axis)."""
        return tuple(
            (c, np.linspace(a, b, 101)) for c, a, b in zip(self.domain.coords, self.domain.lo, self.domain.hi)
        )

    def reference(self) -> Reference:
        """The reference solution on `reference_axes` (computed once per process)."""
        return _reference_cache(self)

    def hard_constraint(self) -> Callable[[Array, Array], Array] | None:
        """An output transform ``(z, n) -> u`` that satisfies every condition exactly, if known."""
        return None

    def classical(
        self,
        *,
        n: int,
        dt: float,
        snapshots: int,
        t_end: float | None = None,
        order: int | None = None,
        dtype=jnp.float64,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The classical numerical solution ``(t, x, u)`` on ``n`` grid points per axis.

        ``u`` has shape ``(snapshots + 1, channels, *spatial)``; see
        `physax.problems.SpectralProblem.classical` for the arguments. Problems without a
        classical solver raise ``NotImplementedError``.
        """
        raise NotImplementedError(f"{self.name} has no classical solver.")

    # --- parameters -------------------------------------------------------------------
    @property
    def unknowns(self) -> dict[str, Parameter]:
        return {k: p for k, p in self.parameters.items() if p.trainable}

    def init_theta(self, dtype=jnp.float32) -> dict[str, Array]:
        """Optimiser coordinates of the unknown parameters at their starting guesses."""
        return {k: jnp.asarray(p.to_raw(np.float64(p.start)), dtype) for k, p in self.unknowns.items()}

    def resolve(self, theta: dict[str, Array]) -> dict[str, Array]:
        """All parameter values: known constants and the current estimates of the unknowns."""
        return {k: (p.from_raw(theta[k]) if p.trainable else p.value) for k, p in self.parameters.items()}

    # --- data ------------------------------------------------------------------------
    def observations(
        self, n: int, *, key: PRNGKeyArray, noise: float = 0.0, dtype=jnp.float32
    ) -> Observations:
        """``n`` observations drawn without replacement from the reference grid, with relative noise."""
        ref = self.reference()
        pts, vals = ref.points, ref.flat_values
        if not 0 < n <= len(pts):
            raise ValueError(f"can draw 1..{len(pts)} observations from the reference grid, asked for {n}.")
        kidx, knoise = jax.random.split(key)
        idx = np.asarray(jax.random.choice(kidx, len(pts), (n,), replace=False))
        return Observations(pts[idx], noisy(vals[idx], noise, knoise), dim=self.domain.dim, dtype=dtype)


_REFERENCES: dict[str, Reference] = {}


def _reference_cache(problem: AbstractProblem) -> Reference:
    key = repr(problem)  # equinox reprs list every field: same fields, same reference
    if key in _REFERENCES:
        return _REFERENCES[key]
    axes = problem.reference_axes()
    tmp = Reference(axes, np.zeros(()), "")
    values = problem.exact(tmp.points)
    if values is None:
        raise ValueError(f"{problem.name} has no exact solution; override reference() to supply one.")
    ref = Reference(axes, np.asarray(values).reshape(tmp.shape), "exact")
    if len(_REFERENCES) > 32:
        _REFERENCES.clear()
    _REFERENCES[key] = ref
    return ref
