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
    hard = problem.hard_constraint()
    assert hard is not None and abs(float(hard(jnp.zeros(problem.domain.dim), jnp.asarray(1.0)))) < 1.5
