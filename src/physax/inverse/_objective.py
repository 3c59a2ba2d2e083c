"""Multi-shot FWI data misfits (L2, normalised cross-correlation) of filtered traces."""

import abc

import equinox as eqx
import jax.numpy as jnp
from jaxtyping import Array, Float

from ._filters import lowpass


class AbstractMisfit(eqx.Module):
    """A data misfit: `misfit(predicted, observed)` -> scalar, over `(n_shots, n_steps, n_receivers)`.

    Subclass it and implement `__call__` for a new misfit; `fwi` and `data_misfit` take
    any instance.

    **Example:**

    >>> # an L1 misfit
    >>> class L1Misfit(AbstractMisfit):
    ...     def __call__(self, predicted, observed):
    ...         return jnp.sum(jnp.abs(predicted - observed))
    >>> float(data_misfit(jnp.ones((1, 4, 2)), jnp.zeros((1, 4, 2)), misfit=L1Misfit()))
    8.0
    """

    @abc.abstractmethod
    def __call__(
        self,
        predicted: Float[Array, "n_shots n_steps n_receivers"],
        observed: Float[Array, "n_shots n_steps n_receivers"],
    ) -> Float[Array, ""]:
        raise NotImplementedError


class L2Misfit(AbstractMisfit):
    r"""Least squares, $\tfrac12\sum_{s,n,r}(d - d^{obs})^2$ (Tarantola 1984).

    **Example:**

    >>> observed = jnp.zeros((2, 10, 3))
    >>> float(L2Misfit()(observed + 0.1, observed))     # 0.5 * 60 * 0.01
    0.3...
    """

    def __call__(self, predicted, observed):
        return 0.5 * jnp.sum((predicted - observed) ** 2)


class NCCMisfit(AbstractMisfit):
    r"""Normalised cross-correlation, $\sum_{s,r}\big(1 - \langle d, d^{obs}\rangle / (\|d\|\,\|d^{obs}\|)\big)$.

    Per trace over time; insensitive to amplitude scaling (source strength, density), a
    common remedy when amplitudes are not trusted. `eps` keeps a zero trace finite.

    **Arguments:**

    - `eps`: added under the square root of the norms.

    **Example:**

    >>> # a trace scaled by 3 has no misfit, a sign flip the largest (2 per trace)
    >>> observed = jnp.sin(jnp.linspace(0.0, 6.0, 50))[None, :, None]
    >>> round(float(NCCMisfit()(3.0 * observed, observed)), 6)
    0.0
    >>> round(float(NCCMisfit()(-observed, observed)), 6)
    2.0
    """

    eps: float = eqx.field(static=True, default=1e-30)

    def __call__(self, predicted, observed):
        dot = jnp.sum(predicted * observed, axis=-2)
        norms = jnp.sqrt(jnp.sum(predicted**2, axis=-2) * jnp.sum(observed**2, axis=-2) + self.eps)
        return jnp.sum(1.0 - dot / norms)


def check_misfit(misfit) -> AbstractMisfit:
    if not isinstance(misfit, AbstractMisfit):
        raise TypeError(
            f"`misfit` must be a misfit object such as L2Misfit() or NCCMisfit(), got {misfit!r}."
        )
    return misfit


def data_misfit(
    predicted: Float[Array, "n_shots n_steps n_receivers"],
    observed: Float[Array, "n_shots n_steps n_receivers"],
    *,
    misfit: AbstractMisfit = L2Misfit(),
    dt: float | None = None,
    cutoff=None,
) -> Float[Array, ""]:
    """Misfit between predicted and observed shot gathers, optionally low-passed.

    Both data sets are first low-passed with `lowpass(·, dt, cutoff)` when `cutoff` is
    given (the multiscale strategy of Bunks et al. 1995), then compared by `misfit`
    (`L2Misfit()`, `NCCMisfit()` or any `AbstractMisfit`).

    **Arguments:**

    - `predicted`, `observed`: shot gathers `(n_shots, n_steps, n_receivers)`.
    - `misfit`: the misfit object.
    - `dt`: sampling interval (s); needed with `cutoff`.
    - `cutoff`: low-pass corner frequency (Hz), or `None` for the raw data.

    **Returns:** a scalar array, differentiable in `predicted`.

    **Example:**

    >>> # a 40 Hz difference vanishes below a 5 Hz cutoff
    >>> t = jnp.arange(500) * 1e-3
    >>> observed = jnp.sin(2 * jnp.pi * 2.0 * t)[None, :, None]
    >>> predicted = observed + 0.1 * jnp.sin(2 * jnp.pi * 40.0 * t)[None, :, None]
    >>> full = data_misfit(predicted, observed)
    >>> low = data_misfit(predicted, observed, dt=1e-3, cutoff=5.0)
    >>> bool(low < 1e-3 * full)
    True
    """
    check_misfit(misfit)
    if cutoff is not None:
        if dt is None:
            raise ValueError("`dt` is needed to low-pass the data.")
        predicted, observed = lowpass(predicted, dt, cutoff), lowpass(observed, dt, cutoff)
    return misfit(predicted, observed)
