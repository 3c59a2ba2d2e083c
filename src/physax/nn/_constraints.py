"""Output transforms that enforce conditions exactly (hard constraints)."""

from __future__ import annotations

from collections.abc import Callable

import equinox as eqx
import jax.numpy as jnp
from jaxtyping import Array, Float

from .jet import Jet, generic, propagate


class HardConstraint(eqx.Module):
    r"""$u(z) = T(z, N(z))$: a network whose output satisfies conditions by construction.

    The `transform` $T$ combines the point $z$ and the raw network output $N(z)$ so that the
    boundary or initial conditions hold for every parameter value, and the loss needs no
    term for them (Lagaris, Likas & Fotiadis 1998; Lu et al. 2021 for PINNs). Its Taylor
    rule (`taylor`) propagates derivatives through both, so PDE residuals of the
    constrained field cost one forward pass.

    **Arguments:**

    - `net`: the network $N$, mapping a point `(d,)` to its output.
    - `transform`: $T(z, n)$, a JAX function of the point and the network's output.

    **Example:**

    >>> # Burgers: u(0, x) = -sin(pi x), u(t, +-1) = 0, points z = (t, x)
    >>> net = MLP(2, "scalar", 16, 2, key=jax.random.key(0))
    >>> u = HardConstraint(net, lambda z, n: -jnp.sin(jnp.pi * z[1]) + z[0] * (1 - z[1] ** 2) * n)
    >>> float(u(jnp.array([0.0, 0.5])))                 # the initial condition at x = 0.5
    -1.0
    >>> bool(abs(u(jnp.array([0.7, 1.0]))) < 1e-6)     # the boundary condition at x = 1
    True
    """

    net: Callable
    transform: Callable[[Array, Array], Array] = eqx.field(static=True)

    def __call__(self, z: Float[Array, " d"], *, key=None) -> Array:
        return self.transform(z, self.net(z))

    def taylor(self, jet: Jet) -> Jet:
        out = propagate(self.net, jet)
        d = jet.v.shape[0]
        shape = jnp.shape(out.v)
        # one vector w = (z, net(z)): the transform is then a plain function of w
        flat = lambda a, b: jnp.concatenate([a, jnp.reshape(b, (-1,))])
        joint = jet.map(flat(jet.v, out.v), list(map(flat, jet.d1, out.d1)), list(map(flat, jet.d2, out.d2)))
        return generic(joint, lambda w: self.transform(w[:d], jnp.reshape(w[d:], shape)))
