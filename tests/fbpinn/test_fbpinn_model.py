"""FBPINN core: decompositions, windows, pair evaluation, schedulers, compilation."""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from physax import fbpinn, nn, problems
from physax.fbpinn._fit import FBPINNTrainer, _adam_chunk
from physax.fbpinn._residual import residuals
from physax.geometry import Box, Interval
from physax.optim import Adam
from physax.pinn import Collocation, evaluate, loss_terms


def _constant_one(d):
    def make(key):
        net = nn.MLP(d, "scalar", 4, 1, key=key, dtype=jnp.float64)
        net = eqx.tree_at(lambda m: m.weights[-1], net, jnp.zeros_like(net.weights[-1]))
        return eqx.tree_at(lambda m: m.biases[-1], net, jnp.ones_like(net.biases[-1]))

    return make


@pytest.mark.slow
@pytest.mark.parametrize(
    "window, dec",
    [
        (fbpinn.CosineWindow(), fbpinn.uniform(Interval(-1.0, 2.0), 7, overlap=1.5)),
        (fbpinn.CosineWindow(), fbpinn.uniform(Box((0.0, 0.0), (1.0, 2.0)), (3, 5), overlap=2.5)),
        (fbpinn.CosineWindow(), fbpinn.multilevel(Box((0.0, 0.0), (1.0, 1.0)), [1, 2, 4])),
        (fbpinn.SigmoidWindow(), fbpinn.multilevel(Box((0.0, 0.0), (1.0, 1.0)), [1, 2, 4])),
        (fbpinn.BumpWindow(), fbpinn.multilevel(Box((0.0, 0.0), (1.0, 1.0)), [1, 2, 4])),
    ],
)
def test_windows_form_partition_of_unity(window, dec):
    model = fbpinn.FBPINN(
        dec, _constant_one(dec.domain.dim), key=jax.random.key(0), window=window, dtype=jnp.float64
    )
    pts = dec.domain.sample_interior(jax.random.key(1), 500, dtype=jnp.float64)
    pts = jnp.concatenate([pts, jnp.asarray([dec.domain.lo, dec.domain.hi])])  # corners too
    jets = eqx.filter_jit(lambda m, p, pr: m.jets(p, pr, (jnp.eye(dec.domain.dim)[0],), ((0, 0),)))
    u = jets(model, pts, fbpinn.build_pairs(dec, pts))
    np.testing.assert_allclose(u.v, 1.0, atol=1e-12)
    np.testing.assert_allclose(u.d1[0], 0.0, atol=1e-9)
    np.testing.assert_allclose(u.d2[0], 0.0, atol=1e-7)


@pytest.mark.slow
def test_one_subdomain_fbpinn_equals_the_pinn_it_wraps():
    problem = problems.Helmholtz2D()
    dec = fbpinn.uniform(problem.domain, 1, overlap=1.2)
    model = fbpinn.FBPINN(
        dec, lambda k: nn.MLP(2, "scalar", 8, 2, key=k), key=jax.random.key(0), scale=0.5, shift=0.1
    )
    net = model.subdomain_net(0)
    lo, hi = (
        np.asarray(model.centres[0] - model.widths[0] / 2),
        np.asarray(model.centres[0] + model.widths[0] / 2),
    )
    pinn = lambda z: 0.1 + 0.5 * eqx.nn.Sequential([nn.Normalize(lo, hi), net])(z)
    batch = Collocation(n_interior=64, n_boundary=32).sample(problem, jax.random.key(1))
    pairs = {k: fbpinn.build_pairs(dec, v) for k, v in batch.items()}
    trainer = FBPINNTrainer(problem, Adam(), {}, frozenset())
    ours = eqx.filter_jit(trainer.terms)(model, {}, batch, pairs)
    ref = jax.jit(lambda b: loss_terms(problem, pinn, {}, b))(batch)
    for k in ref:
        np.testing.assert_allclose(ours[k], ref[k], rtol=2e-5)
    np.testing.assert_allclose(
        model.values(batch["interior"], pairs["interior"]),
        jax.vmap(pinn)(batch["interior"]),
        rtol=1e-5,
        atol=1e-6,
    )


@pytest.mark.slow
def test_pair_evaluation_equals_dense_evaluation():
    dom = Box((0.0, -1.0), (1.0, 1.0))
    dec = fbpinn.multilevel(dom, [1, (2, 3), 3], overlap=1.7)
    model = fbpinn.FBPINN(
        dec,
        lambda k: nn.MLP(2, "scalar", 8, 2, key=k, dtype=jnp.float64),
        key=jax.random.key(0),
        scale=2.0,
        constraint=lambda z, u: z[0] * u + jnp.sin(z[1]),
        dtype=jnp.float64,
    )
    pts = dom.sample_interior(jax.random.key(1), 50, dtype=jnp.float64)
    pairs = fbpinn.build_pairs(dec, pts)
    assert len(pairs) < 50 * dec.n_subdomains
    fn = lambda u, p: jnp.stack([u(), u.d("x"), u.d("y"), u.d("x", "x"), u.d("x", "y"), u.d("y", "y")])
    dense = eqx.filter_jit(lambda m, pts: jax.vmap(lambda z: evaluate(fn, m, z, ("x", "y"), {}))(pts))
    ours = eqx.filter_jit(
        lambda m, pts, pairs: residuals(fn, lambda d, p: m.jets(pts, pairs, d, p), pts, ("x", "y"), {})
    )
    dense, ours = dense(model, pts), ours(model, pts, pairs)
    np.testing.assert_allclose(ours, dense, rtol=1e-9, atol=1e-9)


def test_pairs_match_brute_force_membership():
    dec = fbpinn.multilevel(Box((0.0, 0.0), (2.0, 1.0)), [(3, 2), (5, 4)], overlap=1.9)
    pts = np.random.default_rng(0).uniform([0, 0], [2, 1], (300, 2))
    pairs = fbpinn.build_pairs(dec, pts)
    mu, w, _ = dec.boxes()
    inside = np.all(np.abs(pts[:, None] - mu[None]) < w[None] / 2, axis=-1)
    got = np.zeros_like(inside)
    got[np.asarray(pairs.point), np.asarray(pairs.sub)] = True
    np.testing.assert_array_equal(got, inside)


def test_line_scheduler_marches_in_time():
    dom = Box((0.0, 0.0), (1.0, 1.0), coords=("t", "x"))
    dec = fbpinn.uniform(dom, (4, 2), overlap=1.5)
    stages = fbpinn.LineScheduler("t").stages(dec, 400)
    assert [(s.start, s.end) for s in stages] == [(0, 100), (100, 200), (200, 300), (300, 400)]
    t_index = np.arange(8) // 2  # C order over (t, x)
    first = [set(np.unique(t_index[s.active])) for s in stages]
    assert first[0] == {0} and first[-1] == {3}
    for k, s in enumerate(stages):
        assert not np.any(s.active & s.fixed)
        assert set(t_index[s.fixed]) <= set(range(k))  # only earlier time slabs are frozen
        if k:
            assert np.all(stages[k - 1].fixed <= s.fixed | s.active)
    assert np.all(np.any([s.active for s in stages], axis=0))
    final = fbpinn.LineScheduler("t", final_all=0.25).stages(dec, 400)
    assert final[-1].start == 300 and final[-1].active.all()


def test_point_scheduler_starts_at_the_point_and_grows():
    dec = fbpinn.uniform(Box((0.0, 0.0), (1.0, 1.0)), (5, 5), overlap=1.5)
    stages = fbpinn.PointScheduler(point=(0.0, 0.0), n_stages=6).stages(dec, 600)
    assert np.nonzero(stages[0].active)[0].tolist() == [0]
    trained = np.zeros(25, bool)
    for s in stages:
        assert not np.any(s.fixed & ~trained)  # a subdomain is frozen only after it trained
        trained |= s.active
    assert trained.all()
    assert fbpinn.AllActive().stages(dec, 10)[0].active.all()


@pytest.mark.slow  # moved out of the fast tier (its 8-minute budget); runs in .ci/run
def test_no_recompilation_with_a_fixed_active_set():
    problem = problems.CosineODE(omega=2.0)
    dec = fbpinn.uniform(problem.domain, 4)
    model = fbpinn.FBPINN(dec, lambda k: nn.MLP(1, "scalar", 4, 1, key=k), key=jax.random.key(0))
    sched = fbpinn.LineScheduler("x", n_stages=2)
    before = _adam_chunk._cached._cache_size()
    result = fbpinn.fit(
        problem,
        model,
        key=jax.random.key(1),
        collocation=Collocation(n_interior=40, n_boundary=4),
        adam=Adam(steps=20),
        scheduler=sched,
        chunk=3,
        progress=False,
        track_error=False,
    )
    # two stages of 10 steps: chunks of 3, 3, 3, 1 each, one compilation per active set
    assert [h["step"] for h in result.history] == [3, 6, 9, 10, 13, 16, 19, 20]
    assert len({tuple(s.active) for s in sched.stages(dec, 20)}) == 2
    assert _adam_chunk._cached._cache_size() - before == 2


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda d: fbpinn.rectangular(d, [[0.0, 1.0]], [[0.4, 0.4]]), "do not overlap|do not cover"),
        (lambda d: fbpinn.rectangular(d, [[0.2, 0.5, 0.8]], [0.4]), "do not cover"),
        (lambda d: fbpinn.rectangular(d, [[0.0, 0.5, 1.0]], [0.5]), "do not overlap"),
        (lambda d: fbpinn.rectangular(d, [[-0.1, 0.2, 0.8, 1.1]], [0.35]), "do not overlap"),
        (lambda d: fbpinn.rectangular(d, [[0.0, 1.0], [0.5]], [[1.5], [2.0]]), "each of the 1 axes"),
        (lambda d: fbpinn.rectangular(d, [[1.0, 0.0]], [1.5]), "strictly increasing"),
        (lambda d: fbpinn.uniform(d, 4, overlap=1.0), "overlap"),
        (lambda d: fbpinn.SigmoidWindow(sharpness=0.0), "sharpness"),
    ],
)
def test_bad_decompositions_give_clear_errors(make, match):
    with pytest.raises(ValueError, match=match):
        make(Interval(0.0, 1.0))


def test_a_window_is_an_object_not_a_name():
    dec = fbpinn.uniform(Interval(0.0, 1.0), 3)
    net = lambda k: nn.MLP(1, "scalar", 4, 1, key=k)
    with pytest.raises(TypeError, match=r"CosineWindow\(\)"):
        fbpinn.FBPINN(dec, net, key=jax.random.key(0), window="cosine")
    with pytest.raises(TypeError, match="AbstractWindow"):
        fbpinn.ELMFBPINN(dec, 4, key=jax.random.key(0), window="bump")


def test_wrong_point_shape_is_rejected():
    dec = fbpinn.uniform(Interval(0.0, 1.0), 3)
    with pytest.raises(ValueError, match=r"shape \(n, 1\)"):
        fbpinn.build_pairs(dec, np.zeros((5, 2)))
