"""Time-level losses: per-sample MSE, normalised MSE, MAE and normalised MAE, vmapped over a batch."""

from __future__ import annotations

import abc

import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import Array, Float


class AbstractTimeLevelLoss(eqx.Module):
    """A loss between a prediction and a target at one time level.

    `loss(pred, ref)` takes batched states `(B, C, *spatial)` and returns one value per
    sample, shape `(B,)` (`single` vmapped); `ref=None` measures `pred` against zero (used
    for residua). Configurations reduce over the batch. Subclasses implement
    `single(pred, ref)` for one sample `(C, *spatial)`.

    **Example:** the largest pointwise error as a time-level loss.

    >>> class MaxError(AbstractTimeLevelLoss):
    ...     def single(self, pred, ref):
    ...         return jnp.max(jnp.abs(pred if ref is None else pred - ref))
    >>> MaxError()(jnp.ones((2, 1, 4)), jnp.zeros((2, 1, 4)))
    Array([1., 1.], dtype=float...)
    """

    @abc.abstractmethod
    def single(self, pred: Array, ref: Array | None) -> Array:
        """The loss of one sample ``(C, *spatial)``."""

    def __call__(
        self, pred: Float[Array, "batch c *spatial"], ref: Float[Array, "batch c *spatial"] | None = None
    ) -> Float[Array, " batch"]:
        if ref is None:
            return jax.vmap(lambda p: self.single(p, None))(pred)
        if pred.shape != ref.shape:
            raise ValueError(
                f"prediction shape {pred.shape} does not match reference shape {ref.shape}; the "
                "emulator must map a state (C, *spatial) to a state of the same shape."
            )
        return jax.vmap(self.single)(pred, ref)


def _diff(pred, ref):
    return pred if ref is None else pred - ref


def _need_ref(ref, name):
    if ref is None:
        raise ValueError(f"{name} normalises by the target and needs one; use the plain loss for residua.")


class MSELoss(AbstractTimeLevelLoss):
    r"""Mean squared error $\frac{1}{n}\sum_i (\hat u_i - u_i)^2$ over channels and space, per sample.

    **Example:**

    >>> MSELoss()(jnp.full((2, 1, 8), 1.1), jnp.ones((2, 1, 8))).round(6)
    Array([0.01, 0.01], dtype=float...)
    """

    def single(self, pred, ref):
        return jnp.mean(jnp.square(_diff(pred, ref)))


class NormalizedMSELoss(AbstractTimeLevelLoss):
    r"""MSE divided by the target's mean square, $\|\hat u - u\|^2 / \|u\|^2$, per sample.

    Scale-free: a 10 % error costs 0.01 whatever the amplitude of the target.

    **Example:**

    >>> NormalizedMSELoss()(jnp.full((2, 1, 8), 5.5), jnp.full((2, 1, 8), 5.0)).round(6)
    Array([0.01, 0.01], dtype=float...)
    """

    def single(self, pred, ref):
        _need_ref(ref, "NormalizedMSELoss")
        return jnp.mean(jnp.square(pred - ref)) / jnp.mean(jnp.square(ref))


class MAELoss(AbstractTimeLevelLoss):
    r"""Mean absolute error $\frac{1}{n}\sum_i |\hat u_i - u_i|$ over channels and space, per sample.

    **Example:**

    >>> MAELoss()(jnp.full((2, 1, 8), 1.1), jnp.ones((2, 1, 8))).round(6)
    Array([0.1, 0.1], dtype=float...)
    """

    def single(self, pred, ref):
        return jnp.mean(jnp.abs(_diff(pred, ref)))


class NormalizedMAELoss(AbstractTimeLevelLoss):
    r"""MAE divided by the target's mean absolute value, $\|\hat u - u\|_1 / \|u\|_1$, per sample.

    **Example:**

    >>> NormalizedMAELoss()(jnp.full((2, 1, 8), 5.5), jnp.full((2, 1, 8), 5.0)).round(6)
    Array([0.1, 0.1], dtype=float...)
    """

    def single(self, pred, ref):
        _need_ref(ref, "NormalizedMAELoss")
        return jnp.mean(jnp.abs(pred - ref)) / jnp.mean(jnp.abs(ref))
