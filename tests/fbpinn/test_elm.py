"""ELM-FBPINN: exact least-squares solves of linear problems, LSQR path, Gauss-Newton, precision."""

import jax
import numpy as np

from physax import fbpinn, problems
from physax._train import History, Result
from physax.geometry import Grid
from physax.pinn import Collocation


def _l1(problem, result):
    ref = problem.reference()
    pred = np.asarray(fbpinn.predict(result.model, ref.points))
    return float(np.mean(np.abs(pred - ref.flat_values)))


def test_elm_solves_a_linear_ode_to_1e8():
    problem = problems.DampedOscillator(d=1.0, omega0=6.0)
    model = fbpinn.ELMFBPINN(fbpinn.uniform(problem.domain, 4), 24, key=jax.random.key(0))
    col = Collocation(n_interior=300, n_boundary=10, sampler=Grid())
    dense = fbpinn.elm_solve(
        problem, model, key=jax.random.key(1), collocation=col, weights={"ic": 10.0}, warmup=False
    )
    assert isinstance(dense, Result) and dense.state is None and isinstance(dense.history, History)
    assert dense.stats["method"] == "dense" and dense.stats["rel_residual"] < 1e-8
    assert dense.stats["condition"] > 1 and dense.history[-1]["phase"] == "lstsq"
    assert _l1(problem, dense) <= 1e-8
    hard = fbpinn.elm_solve(
        problem,
        fbpinn.ELMFBPINN(
            model.decomposition, 24, key=jax.random.key(0), constraint=problem.hard_constraint()
        ),
        key=jax.random.key(1),
        collocation=col,
        hard_constraints=True,
    )
    assert _l1(problem, hard) <= 1e-8
    lsqr = fbpinn.elm_solve(
        problem, model, key=jax.random.key(1), collocation=col, weights={"ic": 10.0}, method="lsqr"
    )
    assert lsqr.stats["method"] == "lsqr" and _l1(problem, lsqr) <= 1e-6


def test_elm_solves_in_float64_without_the_global_x64_flag():
    jax.config.update("jax_enable_x64", False)  # the conftest fixture restores it
    problem = problems.DampedOscillator(d=1.0, omega0=6.0)
    model = fbpinn.ELMFBPINN(fbpinn.uniform(problem.domain, 3), 20, key=jax.random.key(0))
    assert model.coefficients.dtype == np.float64
    col = Collocation(n_interior=200, n_boundary=10, sampler=Grid())
    out = fbpinn.elm_solve(problem, model, key=jax.random.key(1), collocation=col, weights={"ic": 10.0})
    assert not jax.config.jax_enable_x64  # scoped to the solve
    assert out.model.coefficients.dtype == np.float64
    pred = fbpinn.predict(out.model, problem.reference().points)
    assert pred.dtype == np.float64 and _l1(problem, out) <= 1e-7  # float32 would stop near 1e-5


def test_gauss_newton_solves_a_nonlinear_ode():
    # u' = -u^2 on [0, 1], u(0) = 1: u = 1 / (1 + t)
    class Riccati(problems.DampedOscillator):
        def residual(self, u, params):
            return u.d("t") + u() ** 2

        def exact(self, points):
            return 1.0 / (1.0 + points[:, 0])

        def hard_constraint(self):
            return lambda z, n: 1.0 + z[0] * n

    problem = Riccati()
    model = fbpinn.ELMFBPINN(
        fbpinn.uniform(problem.domain, 3), 16, key=jax.random.key(0), constraint=problem.hard_constraint()
    )
    col = Collocation(n_interior=200, n_boundary=4, sampler=Grid())
    out = fbpinn.elm_solve(
        problem, model, key=jax.random.key(1), collocation=col, hard_constraints=True, nonlinear=True
    )
    assert out.stats["gauss_newton_iterations"] > 1 and len(out.history) == 1
    assert out.history[-1]["step"] == out.stats["gauss_newton_iterations"]
    assert _l1(problem, out) <= 1e-6
