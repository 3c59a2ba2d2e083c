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
    [SSBroyden(), *(pytest.param(o, marks=_SLOW) for o in (BFGS(), SSBFGS(), NewtonCG(), LBFGS()))],
    ids=lambda o: o.name,
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
