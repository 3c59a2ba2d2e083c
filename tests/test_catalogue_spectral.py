"""Allen-Cahn, NLS and KdV: residuals vanish on known exact solutions, cached spectral
references are right and survive a corrupt cache, and a PINN trains on each."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from physax.nn import MLP, HardConstraint
from physax.optim import Adam
from physax.pinn import Collocation, evaluate, fit
from physax.problems import AllenCahn, KdV, NonlinearSchroedinger, cached_array


@pytest.fixture(autouse=True)
def _private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("PHYSAX_CACHE_DIR", str(tmp_path / "cache"))


def _max_residual(problem, fn, key=0, n=64):
    params = problem.resolve({})
    pts = problem.domain.sample_interior(jax.random.key(key), n, dtype=jnp.float64)
    r = jax.vmap(lambda z: evaluate(problem.residual, fn, z, problem.domain.coords, params))(pts)
    return float(jnp.max(jnp.abs(r)))


def test_kdv_residual_vanishes_on_the_soliton():
    # u_t + 6 u u_x + u_xxx = 0 has u = c/2 sech^2(sqrt(c)/2 (x - c t)): checks the third derivative
    c = 2.0
    soliton = lambda z: 0.5 * c / jnp.cosh(0.5 * math.sqrt(c) * (z[1] - c * z[0])) ** 2
    assert _max_residual(KdV(lambda1=6.0, lambda2=1.0), soliton) < 1e-10
    assert _max_residual(KdV(lambda1=6.0, lambda2=1.1), soliton) > 1e-2  # and is not trivially zero


def test_nls_residual_vanishes_on_the_bright_soliton():
    a = 1.3  # h = a sech(a x) exp(i a^2 t / 2), as (real, imaginary)
    h = lambda z: (a / jnp.cosh(a * z[1])) * jnp.stack([jnp.cos(a**2 * z[0] / 2), jnp.sin(a**2 * z[0] / 2)])
    assert _max_residual(NonlinearSchroedinger(), h) < 1e-10
    assert _max_residual(NonlinearSchroedinger(beta=0.5), h) > 1e-2


def test_allen_cahn_residual_vanishes_on_the_stationary_kink():
    d, g = 1e-4, 5.0
    k = math.sqrt(g / (2 * d))
    assert _max_residual(AllenCahn(d=d, gamma=g), lambda z: jnp.tanh(k * z[1])) < 1e-8


@pytest.mark.parametrize("cls", [AllenCahn, NonlinearSchroedinger, KdV], ids=lambda c: c.__name__)
def test_reference_starts_at_the_initial_condition(cls):
    p = cls()
    ref = p.reference()
    (_, t), (_, x) = ref.axes
    assert ref.values.shape[:2] == (len(t), len(x)) and np.all(np.isfinite(ref.values))
    assert t[0] == p.domain.lo[0] and np.isclose(t[-1], p.domain.hi[0])
    z0 = jnp.stack([jnp.zeros(len(x)), jnp.asarray(x)], -1)
    u0 = jax.vmap(lambda z: p.hard_constraint()(z, jnp.zeros(p.components) if p.components > 1 else 0.0))(z0)
    np.testing.assert_allclose(ref.values[0], np.asarray(u0), atol=1e-12)


def test_nls_reference_conserves_mass_and_matches_raissi_peak():
    ref = NonlinearSchroedinger().reference()
    dx = 10.0 / ref.values.shape[1]
    mass = np.sum(ref.values[..., 0] ** 2 + ref.values[..., 1] ** 2, axis=1) * dx
    assert np.max(np.abs(mass / mass[0] - 1)) < 1e-5  # trapezoid on the 256-point subsample
    peak = np.max(np.hypot(ref.values[..., 0], ref.values[..., 1]))
    assert 3.8 < peak < 4.0  # the focusing peak near t = 0.79 of Raissi et al.'s Fig. 2


def test_allen_cahn_reference_settles_to_plus_minus_one():
    u_end = AllenCahn().reference().values[-1]
    assert np.max(np.abs(u_end)) < 1.01 and np.mean(np.abs(np.abs(u_end) - 1) < 0.05) > 0.7


def test_reference_is_cached_and_a_corrupt_file_is_recomputed(tmp_path):
    p = KdV()
    first = p.reference().values
    files = list((tmp_path / "cache" / "references").glob("kdv-*.npy"))
    assert len(files) == 1
    files[0].write_bytes(b"not an array")
    np.testing.assert_array_equal(p.reference().values, first)
    assert np.load(files[0]).shape == first.shape  # rewritten


def test_cached_array_rejects_a_bad_solver_result():
    with pytest.raises(RuntimeError, match="non-finite"):
        cached_array("bad", {"x": 1}, lambda: np.full((2, 2), np.nan), (2, 2))


def test_nls_pinn_trains_with_two_outputs():
    p = NonlinearSchroedinger()
    net = MLP(2, 2, width=16, depth=2, key=jax.random.key(0))
    res = fit(
        p,
        HardConstraint(net, p.hard_constraint()),
        key=jax.random.key(1),
        collocation=Collocation(n_interior=256, n_initial=0),
        adam=Adam(steps=60, learning_rate=3e-3),
        lbfgs=None,
        hard_constraints=True,
        chunk=30,
        progress=False,
    )
    losses = [r["pde"] for r in res.history]
    assert losses[-1] < losses[0] and np.isfinite(res.history[-1]["rel_l2"])


def test_allen_cahn_corner_constraint_removes_the_kink_and_keeps_u0():
    # the periodic x^2 cos(pi x) has a slope jump of 4 across x = +-1; corner=True rounds it off
    z = jnp.array([[t, x] for t in (0.05, 0.5) for x in (-1 + 1e-9, 1 - 1e-9)])

    def jumps(p):
        hc = p.hard_constraint()
        slopes = jax.jit(jax.vmap(jax.grad(lambda z: hc(z, 0.0))))(z)[:, 1]  # jit: faster than eager here
        return np.asarray(slopes[0::2] - slopes[1::2])

    corner = AllenCahn(corner=True)
    np.testing.assert_allclose(jumps(AllenCahn()), 4.0, atol=1e-6)
    assert np.max(np.abs(jumps(corner))) < 1e-5
    z0 = jnp.stack([jnp.zeros(101), jnp.linspace(-1.0, 1.0, 101)], -1)
    u0 = jax.jit(jax.vmap(lambda z: corner.hard_constraint()(z, 0.0)))(z0)
    np.testing.assert_allclose(
        np.asarray(u0), np.asarray(z0[:, 1] ** 2 * jnp.cos(jnp.pi * z0[:, 1])), atol=1e-12
    )
    with pytest.raises(TypeError, match="true or false"):
        AllenCahn(corner="yes")
