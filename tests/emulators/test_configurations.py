"""Each configuration's loss and gradient against a hand-written reference on a tiny case."""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from physax import emulators as em


class Stencil(eqx.Module):
    w: jax.Array

    def __call__(self, u):
        return self.w[0] * jnp.roll(u, 1, -1) + self.w[1] * u + self.w[2] * jnp.roll(u, -1, -1)


def f(w, u):  # the same emulator as a plain function of (weights, batch)
    return w[0] * jnp.roll(u, 1, -1) + w[1] * u + w[2] * jnp.roll(u, -1, -1)


def ref_step(u):
    return 0.7 * jnp.roll(u, 1, -1) + 0.3 * u


def mse(a, b):
    return jnp.mean(jnp.mean((a - b) ** 2, axis=(-2, -1)))


W = jnp.array([0.2, 0.5, 0.25])


@pytest.fixture(scope="module")
def data():
    u0 = jax.random.normal(jax.random.key(0), (3, 1, 8))
    traj = [u0]
    for _ in range(4):
        traj.append(jax.vmap(ref_step)(traj[-1]))
    return jnp.stack(traj, axis=1)  # (3, 5, 1, 8)


def grad_of(config, data, **kw):
    return jax.grad(lambda w: config(Stencil(w), data, **kw))(W)


def check(config, data, hand, **kw):
    loss = config(Stencil(W), data, **kw)
    np.testing.assert_allclose(loss, hand(W), rtol=1e-12)
    np.testing.assert_allclose(grad_of(config, data, **kw), jax.grad(hand)(W), rtol=1e-10, atol=1e-14)


def test_supervised_with_weights(data):
    weights = em.exponential_discount(3, 0.5)

    def hand(w):
        u, total = data[:, 0], 0.0
        for t in range(1, 4):
            u = f(w, u)
            total += 0.5 ** (t - 1) * mse(u, data[:, t])
        return total

    check(em.Supervised(3, time_level_weights=weights), data, hand)


def test_supervised_cut_bptt(data):
    def hand(w):
        u, total = data[:, 0], 0.0
        for t in range(1, 4):
            u = f(w, u)
            total += mse(u, data[:, t])
            if t % 2 == 0:
                u = jax.lax.stop_gradient(u)
        return total

    check(em.Supervised(3, cut_bptt_every=2), data, hand)
    # Cutting every step leaves only the one-step gradient of each level (input held fixed).
    g_cut = grad_of(em.Supervised(2, cut_bptt_every=1), data)
    g_full = grad_of(em.Supervised(2), data)
    assert not np.allclose(g_cut, g_full)


def test_diverted_chain_general(data):
    def hand(w):
        main, total = data[:, 0], 0.0
        for _t in range(3 - 2 + 1):
            p, r, branch = main, main, 0.0
            for _b in range(2):
                p, r = f(w, p), jax.vmap(ref_step)(r)
                branch += mse(p, r)
            total += branch
            main = f(w, main)
        return total

    check(em.DivertedChain(3, 2), data, hand, ref_stepper=ref_step)


def test_diverted_chain_branch_T_is_supervised(data):
    for t in (1, 3):
        sup = em.Supervised(t)
        div = em.DivertedChain(t, t)
        np.testing.assert_allclose(
            div(Stencil(W), data, ref_stepper=ref_step), sup(Stencil(W), data), rtol=1e-12
        )
        np.testing.assert_allclose(grad_of(div, data, ref_stepper=ref_step), grad_of(sup, data), rtol=1e-10)


def test_diverted_chain_cut_physics_branch(data):
    def hand(w):
        main, total = data[:, 0], 0.0
        for _ in range(2):
            total += mse(f(w, main), jax.vmap(ref_step)(jax.lax.stop_gradient(main)))
            main = f(w, main)
        return total

    cfg = em.DivertedChain(2, 1, cut_div_chain=True)
    check(cfg, data, hand, ref_stepper=ref_step)
    assert not np.allclose(
        grad_of(cfg, data, ref_stepper=ref_step), grad_of(em.DivertedChain(2, 1), data, ref_stepper=ref_step)
    )


def test_mix_chain(data):
    def hand(w):
        u = f(w, f(w, data[:, 0]))
        total = mse(f(w, data[:, 0]), data[:, 1]) + mse(u, data[:, 2])
        u = jax.vmap(ref_step)(u)
        return total + 2.0 * mse(u, data[:, 3])

    cfg = em.MixChain(2, num_post_physics_steps=1, time_level_weights=jnp.array([1.0, 1.0, 2.0]))
    check(cfg, data, hand, ref_stepper=ref_step)


def residuum(u_next, u_prev):
    return u_next - ref_step(u_prev)


def test_residuum_and_cuts(data):
    def hand(w, cut_prev=False, cut_next=False):
        prev, total = data[:, 0], 0.0
        for _ in range(2):
            nxt = f(w, prev)
            a = jax.lax.stop_gradient(nxt) if cut_next else nxt
            b = jax.lax.stop_gradient(prev) if cut_prev else prev
            total += jnp.mean(jnp.mean((a - jax.vmap(ref_step)(b)) ** 2, axis=(-2, -1)))
            prev = nxt
        return total

    check(em.Residuum(2), data, hand, residuum_fn=residuum)
    check(em.Residuum(2, cut_prev=True), data, lambda w: hand(w, cut_prev=True), residuum_fn=residuum)
    both = em.Residuum(1, cut_prev=True, cut_next=True)
    np.testing.assert_array_equal(grad_of(both, data, residuum_fn=residuum), 0.0)
    # One step from data: the previous level holds no parameters, so cutting `next` kills it all.
    np.testing.assert_array_equal(grad_of(em.Residuum(1, cut_next=True), data, residuum_fn=residuum), 0.0)


def test_composite_is_weighted_sum(data):
    parts = [em.Supervised(2), em.Residuum(1)]
    comp = em.Composite(parts, [1.0, 0.5])
    kw = {"ref_stepper": ref_step, "residuum_fn": residuum}
    expect = parts[0](Stencil(W), data) + 0.5 * parts[1](Stencil(W), data[:, :1], **kw)
    np.testing.assert_allclose(comp(Stencil(W), data, **kw), expect, rtol=1e-12)
    assert comp.num_snapshots == 3 and comp.needs_residuum and not comp.needs_ref_stepper


@pytest.mark.parametrize(
    "loss, hand",
    [
        (em.MSELoss(), lambda p, r: np.mean((p - r) ** 2)),
        (em.NormalizedMSELoss(), lambda p, r: np.mean((p - r) ** 2) / np.mean(r**2)),
        (em.MAELoss(), lambda p, r: np.mean(np.abs(p - r))),
        (em.NormalizedMAELoss(), lambda p, r: np.mean(np.abs(p - r)) / np.mean(np.abs(r))),
    ],
)
def test_time_level_losses(loss, hand):
    p = np.random.default_rng(0).normal(size=(4, 2, 6))
    r = np.random.default_rng(1).normal(size=(4, 2, 6))
    np.testing.assert_allclose(
        loss(jnp.asarray(p), jnp.asarray(r)), [hand(a, b) for a, b in zip(p, r)], rtol=1e-12
    )


def test_sample_weights_mask(data):
    cfg = em.Supervised(1)
    mask = jnp.array([True, True, False])
    np.testing.assert_allclose(
        cfg(Stencil(W), data, sample_weights=mask), cfg(Stencil(W), data[:2]), rtol=1e-12
    )


def test_bad_configuration_inputs(data):
    with pytest.raises(ValueError, match="snapshots"):
        em.Supervised(6)(Stencil(W), data)
    with pytest.raises(ValueError, match="num_branch_steps"):
        em.DivertedChain(2, 3)
    with pytest.raises(ValueError, match="ref_stepper"):
        em.DivertedChain(2, 1)(Stencil(W), data)
    with pytest.raises(ValueError, match="time_level_weights"):
        em.Supervised(2, time_level_weights=[1.0])
