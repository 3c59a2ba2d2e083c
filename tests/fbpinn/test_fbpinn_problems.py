"""The FBPINN catalogue problems: residuals and conditions vanish on the exact solutions."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from physax.pinn import evaluate
from physax.problems import CosineODE, DampedOscillator, MultiscaleLaplace


def _exact(problem):
    if isinstance(problem, CosineODE):
        return lambda z: jnp.sin(15.0 * z[0]) / 15.0
    if isinstance(problem, DampedOscillator):
        w = math.sqrt(80.0**2 - 4.0)
        return lambda z: jnp.exp(-2.0 * z[0]) * (jnp.cos(w * z[0]) + 2.0 / w * jnp.sin(w * z[0]))
    return lambda z: problem._u(z[0], z[1])


@pytest.mark.slow
@pytest.mark.parametrize(
    "problem", [CosineODE(), DampedOscillator(), MultiscaleLaplace(3)], ids=lambda p: p.name
)
def test_exact_solutions_satisfy_the_problems(problem):
    fn, params, coords = _exact(problem), problem.resolve({}), problem.domain.coords
    pts = problem.domain.sample_interior(jax.random.key(0), 32, dtype=jnp.float64)
    r = jax.vmap(lambda z: evaluate(problem.residual, fn, z, coords, params))(pts)
    assert float(jnp.max(jnp.abs(r))) < 1e-9
    np.testing.assert_allclose(np.asarray(jax.vmap(fn)(pts)), problem.exact(np.asarray(pts)), atol=1e-12)
    bpts = problem.domain.sample_boundary(jax.random.key(1), 16, dtype=jnp.float64)
    for cond in problem.conditions().values():
        rc = jax.vmap(lambda z, c=cond: evaluate(c.residual, fn, z, coords, params))(bpts)
        assert float(jnp.max(jnp.abs(rc))) < 1e-9


def _any_network(z):
    """A smooth stand-in for an untrained network: non-zero, with non-zero derivatives."""
    return 1.5 + jnp.sin(3.0 * jnp.sum(z) + 0.4) + 0.3 * z[0] ** 2


@pytest.mark.slow
@pytest.mark.parametrize(
    "problem", [CosineODE(), DampedOscillator(), MultiscaleLaplace(3)], ids=lambda p: p.name
)
def test_hard_constraints_impose_the_conditions_for_any_network(problem):
    hard = problem.hard_constraint()
    u = lambda z: hard(z, _any_network(z))
    coords, params = problem.domain.coords, problem.resolve({})
    if isinstance(problem, CosineODE):  # the condition is u(0) = 0, at an interior point
        assert float(u(jnp.zeros(1))) == 0.0
        targets = jnp.zeros((0, 1))
    else:  # the (masked) boundary conditions vanish wherever they apply
        targets = problem.domain.sample_boundary(jax.random.key(1), 64, dtype=jnp.float64)
        targets = jnp.concatenate([targets, jnp.asarray([problem.domain.lo, problem.domain.hi])])
    for cond in problem.conditions().values():
        rc = jax.vmap(lambda z, c=cond: evaluate(c.residual, u, z, coords, params))(targets)
        assert rc.size == 0 or float(jnp.max(jnp.abs(rc))) < 1e-12
    interior = problem.domain.sample_interior(jax.random.key(2), 16, dtype=jnp.float64)
    assert float(jnp.min(jnp.abs(jax.vmap(u)(interior)))) > 0  # and the network is not zeroed out
