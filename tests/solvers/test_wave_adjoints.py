"""Hand-written transposes of the wave stencils and of the slab CPML operator."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from physax.solvers.wave import CPML, AcousticModel, Shot, ricker, simulate, synthetic_model
from physax.solvers.wave._stencils import backward_derivative, forward_derivative, second_derivative

STENCILS = (second_derivative, forward_derivative, backward_derivative)


@pytest.mark.slow
@pytest.mark.parametrize("order", [2, 4, 6, 8])
@pytest.mark.parametrize("free_top", [False, True])
def test_stencil_vjp_is_the_transpose(order, free_top):
    # <A x, y> = <x, A^T y> to rounding, per operator and axis (free surface: mirrored rows)
    rng = np.random.default_rng(order)
    x = jnp.asarray(rng.standard_normal((13, 11)))
    y = jnp.asarray(rng.standard_normal((13, 11)))
    for op in STENCILS:
        for axis in (0, 1):
            f = lambda v, op=op, axis=axis: op(v, order, axis, free_top)  # noqa: E731
            ax, vjp = jax.vjp(f, x)
            assert abs(jnp.vdot(ax, y) - jnp.vdot(x, vjp(y)[0])) <= 1e-12 * abs(jnp.vdot(ax, y))
            # forward mode is the operator itself (linear), and vmap gives the same
            np.testing.assert_allclose(jax.jvp(f, (x,), (y,))[1], f(y), rtol=1e-14, atol=1e-14)
            np.testing.assert_allclose(jax.vmap(f)(jnp.stack([x, y]))[1], f(y), rtol=1e-14, atol=1e-14)


def test_stencil_vjp_matches_the_dense_matrix_at_a_free_surface():
    # the mirrored (free-surface) rows: compare with a dense matrix built column by column
    order, n = 4, 9
    eye = jnp.eye(n * 5).reshape(n * 5, n, 5)
    for op in STENCILS:
        a = jax.vmap(lambda e, op=op: op(e, order, 0, True))(eye).reshape(n * 5, n * 5)
        y = jnp.arange(n * 5, dtype=jnp.float64).reshape(n, 5)
        _, vjp = jax.vjp(lambda v, op=op: op(v, order, 0, True), jnp.zeros((n, 5)))
        np.testing.assert_allclose(vjp(y)[0].ravel(), a @ y.ravel(), rtol=1e-13, atol=1e-12)


def test_born_dot_product_constant_density_cpml_slabs():
    # <J v, w> = <v, J^T w> through the slab CPML operator (constant density, free surface)
    nx, nz, dx, f0 = 40, 26, 10.0, 15.0
    dt = 0.3 * dx / 3200.0
    true = synthetic_model(nx, nz, dx, dtype=jnp.float64)
    shot = Shot([[1, 20]], [[1, ix] for ix in range(0, nx, 3)], ricker(f0, dt, 90, dtype=jnp.float64))
    pml = CPML(6, f0=f0, free_surface=True, velocity_max=3200.0)

    def forward(v):
        return simulate(AcousticModel(v, dx=dx), shot, dt=dt, order=4, boundary=pml).traces

    rng = np.random.default_rng(3)
    v = jnp.asarray(rng.standard_normal(true.shape))
    w = jnp.asarray(rng.standard_normal((90, shot.receivers.shape[0])))
    jv = jax.jvp(forward, (true.velocity,), (v,))[1]
    jtw = jax.vjp(forward, true.velocity)[1](w)[0]
    lhs, rhs = jnp.vdot(jv, w), jnp.vdot(v, jtw)
    assert abs(lhs - rhs) <= 1e-10 * abs(lhs)
