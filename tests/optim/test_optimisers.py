"""The optimiser phases on problems with known minimisers, and the SSBroyden update by hand."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from physax.optim import (
    BFGS,
    LBFGS,
    SSBFGS,
    Adam,
    LevenbergMarquardt,
    NewtonCG,
    Objective,
    SSBroyden,
    update_inverse_hessian,
)
from physax.optim._newton_cg import truncated_cg
from physax.optim._nystrom import nystrom_approximation, nystrom_preconditioner
from physax.optim._quasi_newton import scaling


def _rosenbrock(p):
    x, y = p["xy"][0], p["xy"][1]
    return (1 - x) ** 2 + 100 * (y - x**2) ** 2


def _run(opt, params, objective, steps):
    @jax.jit
    def go(params):
        state = opt.init(params, objective)
        return jax.lax.fori_loop(0, steps, lambda _, c: opt.step(*c, objective), (params, state))[0]

    return go(params)


_SLOW = pytest.mark.slow


@pytest.mark.parametrize(
    "opt",
    [
        SSBroyden(),
        *(pytest.param(o, marks=_SLOW) for o in (BFGS(), SSBFGS(), NewtonCG(), NewtonCG(rank=2), LBFGS())),
    ],
    ids=lambda o: o.name + ("-nystrom" if getattr(o, "rank", 0) else ""),
)
def test_quasi_newton_phases_find_the_rosenbrock_minimum(opt):
    start = {"xy": jnp.array([-1.2, 1.0])}
    found = _run(opt, start, Objective(_rosenbrock), 80)
    np.testing.assert_allclose(found["xy"], [1.0, 1.0], atol=1e-7)


def test_levenberg_marquardt_solves_linear_least_squares_in_one_step():
    A = jax.random.normal(jax.random.key(0), (30, 6), jnp.float64)
    b = jax.random.normal(jax.random.key(1), (30,), jnp.float64)
    residuals = lambda p: A @ p["w"] - b
    obj = Objective(lambda p: 0.5 * jnp.sum(residuals(p) ** 2), residuals)
    lm = LevenbergMarquardt(initial_damping=1e-14, min_damping=0.0)
    found = _run(lm, {"w": jnp.zeros(6)}, obj, 1)
    np.testing.assert_allclose(found["w"], np.linalg.lstsq(A, b, rcond=None)[0], rtol=1e-10, atol=1e-12)


@pytest.mark.slow
def test_levenberg_marquardt_finds_the_rosenbrock_minimum():
    rosen = lambda p: jnp.sqrt(2.0) * jnp.array([1 - p["xy"][0], 10 * (p["xy"][1] - p["xy"][0] ** 2)])
    found = _run(LevenbergMarquardt(), {"xy": jnp.array([-1.2, 1.0])}, Objective(_rosenbrock, rosen), 60)
    np.testing.assert_allclose(found["xy"], [1.0, 1.0], atol=1e-8)


def test_ssbroyden_update_matches_a_hand_computed_step():
    H = np.array([[2.0, 0.3], [0.3, 1.0]])
    g = np.array([1.0, -2.0])  # gradient before the step
    alpha = 0.5
    s = -alpha * H @ g  # the step taken along -H g
    y = np.array([0.4, -1.1])  # gradient change
    # the scalars of Al-Baali & Khalfan (2003) / Urbán et al. (2025), by hand
    ys, Hy = y @ s, H @ y
    yHy = y @ Hy
    b = -alpha * (s @ g) / ys
    h = yHy / ys
    a = b * h - 1
    rho_minus = min(1.0, h * (1 - np.sqrt(a / (1 + a))))
    theta = max((rho_minus - 1) / a, min(1 / rho_minus, (1 - b) / b))
    sigma = 1 + a * theta
    rho_hat = min(1.0, 1 / b)
    tau = (
        min(rho_hat * sigma ** (1 / (1 - 2)), sigma) if theta <= 0 else rho_hat * min(sigma**-1.0, 1 / theta)
    )
    phi = (1 - theta) / (1 + a * theta)
    v = s / ys - Hy / yHy
    expected = (H - np.outer(Hy, Hy) / yHy + phi * yHy * np.outer(v, v)) / tau + np.outer(s, s) / ys
    args = [jnp.asarray(z) for z in (s, y, H)]
    got_tau, got_phi = scaling("ssbroyden", *args, jnp.asarray(alpha), jnp.asarray(g))
    np.testing.assert_allclose([got_tau, got_phi], [tau, phi], rtol=1e-12)
    new = update_inverse_hessian(jnp.asarray(H), args[0], args[1], got_tau, got_phi)
    np.testing.assert_allclose(new, expected, rtol=1e-12)
    np.testing.assert_allclose(new @ y, s, rtol=1e-12)  # the secant equation
    # tau = phi = 1 is textbook BFGS: (I - rho s y^T) H (I - rho y s^T) + rho s s^T
    rho = 1 / ys
    bfgs = (np.eye(2) - rho * np.outer(s, y)) @ H @ (np.eye(2) - rho * np.outer(y, s)) + rho * np.outer(s, s)
    np.testing.assert_allclose(update_inverse_hessian(jnp.asarray(H), args[0], args[1], 1.0, 1.0), bfgs)


@pytest.mark.slow
def test_loss_transform_and_bad_settings():
    found = _run(SSBroyden(transform=jnp.sqrt), {"xy": jnp.array([-1.2, 1.0])}, Objective(_rosenbrock), 80)
    np.testing.assert_allclose(found["xy"], [1.0, 1.0], atol=1e-6)
    with pytest.raises(ValueError, match="steps must be >= 0"):
        SSBroyden(steps=-1)
    with pytest.raises(ValueError, match="transform must be a function"):
        BFGS(transform="sqrt")
    with pytest.raises(ValueError, match="linesearch"):
        LevenbergMarquardt(linesearch=0)
    with pytest.raises(ValueError, match="least-squares objective"):
        LevenbergMarquardt().step({"w": jnp.zeros(2)}, LevenbergMarquardt().init({"w": jnp.zeros(2)}),
                                  Objective(lambda p: jnp.sum(p["w"] ** 2)))  # fmt: skip
    assert Adam().first_order and not SSBroyden().first_order


def test_a_fresh_quasi_newton_start_is_cauchy_scaled():
    A = jnp.diag(jnp.array([1.0, 1e4]))  # badly scaled: an unscaled step along -g overshoots by 1e4
    quadratic = Objective(lambda p: 0.5 * p["w"] @ A @ p["w"])
    params = {"w": jnp.array([1.0, 1.0])}
    g = A @ params["w"]
    state = SSBroyden().init(params, quadratic)
    # H0 = (g^T g / g^T A g) I: the exact minimising step along -g of the quadratic
    np.testing.assert_allclose(state.H, (g @ g) / (g @ A @ g) * np.eye(2), rtol=1e-12)
    new, after = SSBroyden().step(params, state, quadratic)
    assert float(after.value) < float(state.value) and not bool(after.stalled)


def _spectrum_matrix(n, eigenvalues, seed=0):
    Q, _ = np.linalg.qr(np.random.default_rng(seed).normal(size=(n, n)))
    return jnp.asarray(Q @ np.diag(eigenvalues) @ Q.T), Q


def test_nystrom_approximation_is_exact_for_a_low_rank_operator_and_refuses_an_indefinite_one():
    n = 60
    A, Q = _spectrum_matrix(n, np.concatenate([np.logspace(4, 0, 5), np.zeros(n - 5)]))
    U, eig = nystrom_approximation(lambda v: A @ v, n, 8, jax.random.key(0), jnp.float64)
    np.testing.assert_allclose(U @ jnp.diag(eig) @ U.T, A, atol=1e-9 * 1e4)
    np.testing.assert_allclose(eig[:5], np.logspace(4, 0, 5), rtol=1e-9)
    indefinite, _ = _spectrum_matrix(n, np.linspace(-1.0, 1.0, n))
    U, eig = nystrom_approximation(lambda v: indefinite @ v, n, 8, jax.random.key(0), jnp.float64)
    v = jnp.arange(n, dtype=jnp.float64)
    np.testing.assert_array_equal(nystrom_preconditioner(U, eig, 0.0)(v), v)  # falls back to identity


def test_nystrom_preconditioning_makes_cg_converge_in_few_iterations():
    # ten large, spread eigenvalues over a cluster near 1: the PINN-like spectrum NNCG targets
    n = 200
    A, _ = _spectrum_matrix(n, np.concatenate([np.logspace(6, 3, 10), np.linspace(1, 2, n - 10)]))
    g = jnp.asarray(np.random.default_rng(1).normal(size=n))
    approx = nystrom_approximation(lambda v: A @ v, n, 20, jax.random.key(2), jnp.float64)
    residual = lambda p: float(jnp.linalg.norm(A @ p + g) / jnp.linalg.norm(g))
    plain = truncated_cg(lambda v: A @ v, g, 10, jnp.array(1e-14))
    preconditioned = truncated_cg(
        lambda v: A @ v, g, 10, jnp.array(1e-14), nystrom_preconditioner(*approx, 0.0)
    )
    assert residual(plain) > 1.0
    assert residual(preconditioned) < 1e-5


def test_nystrom_newton_cg_takes_the_exact_newton_step_on_a_quadratic():
    n = 30
    A, _ = _spectrum_matrix(n, np.logspace(4, 0, n))
    b = jnp.asarray(np.random.default_rng(3).normal(size=n))
    objective = Objective(lambda p: 0.5 * p["w"] @ A @ p["w"] - b @ p["w"])
    found = _run(NewtonCG(rank=n, cg_steps=3), {"w": jnp.zeros(n)}, objective, 1)
    np.testing.assert_allclose(found["w"], jnp.linalg.solve(A, b), rtol=1e-8)
