"""Five-point Helmholtz/Poisson solver: exact discrete solve, second order, differentiable."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.sparse as sps
import scipy.sparse.linalg as spla

from physax.solvers import helmholtz_fd


def _manufactured(a1, a2, k):
    u = lambda x, y: jnp.sin(a1 * jnp.pi * x) * jnp.sin(a2 * jnp.pi * y)
    f = lambda x, y: (k**2 - (a1 * jnp.pi) ** 2 - (a2 * jnp.pi) ** 2) * u(x, y)
    return u, f


def test_matches_sparse_direct_solve():
    nx, ny, k = 12, 9, 1.7
    rng = np.random.default_rng(0)
    f = rng.standard_normal((nx - 1, ny - 1))
    x, y, u = helmholtz_fd(f, (nx, ny), (-1.0, 0.0), (1.0, 3.0), k=k, dtype=jnp.float64)
    hx, hy = 2.0 / nx, 3.0 / ny
    d = lambda n, h: sps.diags([1.0, -2.0, 1.0], [-1, 0, 1], shape=(n - 1, n - 1)) / h**2
    a = (
        sps.kron(d(nx, hx), sps.eye(ny - 1))
        + sps.kron(sps.eye(nx - 1), d(ny, hy))
        + k**2 * sps.eye((nx - 1) * (ny - 1))
    )
    want = spla.spsolve(a.tocsc(), f.ravel()).reshape(nx - 1, ny - 1)
    assert x.shape == (nx + 1,) and y.shape == (ny + 1,) and u.shape == (nx + 1, ny + 1)
    np.testing.assert_allclose(np.asarray(u[1:-1, 1:-1]), want, rtol=1e-11, atol=1e-12)
    assert float(jnp.abs(u[0]).max() + jnp.abs(u[:, -1]).max()) == 0.0


@pytest.mark.parametrize("k", [0.0, 1.0])
def test_second_order(k):
    u_exact, f = _manufactured(1.0, 4.0, k)
    errors = []
    for n in (32, 64, 128):
        x, y, u = helmholtz_fd(f, (n, n), k=k, dtype=jnp.float64)
        ref = u_exact(x[:, None], y[None, :])
        errors.append(float(jnp.linalg.norm(u - ref) / jnp.linalg.norm(ref)))
    orders = np.log2(np.array(errors[:-1]) / np.array(errors[1:]))
    assert np.all(np.abs(orders - 2.0) < 0.1), (errors, orders)
    assert errors[-1] < 4e-3


def test_differentiable_in_k():
    _, f = _manufactured(1.0, 2.0, 0.0)

    def total(k):
        return jnp.sum(helmholtz_fd(f, (16, 16), k=k, dtype=jnp.float64)[2])

    g = jax.grad(total)(0.5)
    fd = (total(0.5 + 1e-6) - total(0.5 - 1e-6)) / 2e-6
    assert abs(float(g) - float(fd)) < 1e-6 * max(1.0, abs(float(fd)))


def test_bad_input():
    with pytest.raises(ValueError, match="intervals"):
        helmholtz_fd(jnp.zeros((0, 0)), (1, 4))
    with pytest.raises(ValueError, match="interior shape"):
        helmholtz_fd(jnp.zeros((3, 3)), (8, 8))
    with pytest.raises(ValueError, match="hi > lo"):
        helmholtz_fd(jnp.zeros((3, 3)), (4, 4), (0.0, 0.0), (-1.0, 1.0))
