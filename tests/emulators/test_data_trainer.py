"""Trajectory data, index-based windows, permutations, and the trainer end to end."""

import functools

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from physax import emulators as em, nn
from physax._train import Diverged
from physax.solvers import spectral as sp

GRID = sp.PeriodicGrid(1, 16, extent=1.0)
REF = sp.Stepper(sp.Advection(velocity=-0.5 / 16), GRID, dt=1.0, order=1)


@pytest.fixture(scope="module")
def data():
    ic = functools.partial(em.sine_cosine_series, GRID, max_mode=3, dtype=jnp.float32)
    return em.generate_trajectories(REF, ic, num_trajectories=3, num_steps=9, key=jax.random.key(0))


def test_generate_and_save(data, tmp_path):
    assert data.shape == (3, 10, 1, 16) and data.dtype == jnp.float32
    np.testing.assert_allclose(data[1, 1], REF(data[1, 0]), atol=1e-6)
    path = em.save_trajectories(tmp_path / "d.npz", data, pde="advection", cfl=-0.5)
    back, meta = em.load_trajectories(path)
    np.testing.assert_array_equal(back, np.asarray(data))
    assert meta["cfl"] == -0.5 and meta["shape"] == [3, 10, 1, 16]


def test_windows_shapes_and_contents(data):
    w = em.Windows(3, 10, 4)
    assert w.num_windows == 3 * 7
    batch = w.gather(data, jnp.array([0, 6, 7, 20]))
    assert batch.shape == (4, 4, 1, 16)
    for b, j in enumerate([0, 6, 7, 20]):
        n, s = divmod(j, 7)
        np.testing.assert_array_equal(batch[b], data[n, s : s + 4])
    first = em.Windows(3, 10, 4, sub_stacking=False)
    assert first.num_windows == 3
    np.testing.assert_array_equal(first.materialise(data), data[:, :4])
    with pytest.raises(ValueError, match="longer trajectories"):
        em.Windows(3, 10, 11)


def test_permutation_table_visits_each_window_once_per_epoch():
    table, per_epoch = em.permutation_table(10, 4, 7, key=jax.random.key(1))
    assert per_epoch == 3 and table.shape == (3, 12)
    for row in table:
        assert sorted(row[:10]) == list(range(10)) and list(row[10:]) == [-1, -1]
    assert not np.array_equal(table[0], table[1])


def test_trainer_learns_and_records(data, tmp_path):
    net = nn.LinearConv(1, 1, 1, 2, key=jax.random.key(73))
    trainer = em.Trainer(em.Supervised(2), optax.adam(1e-2), num_steps=60, batch_size=8)
    callbacks = [
        em.Evaluate(30, lambda m: jnp.linalg.norm(m.weight - jnp.array([0.5, 0.5])), "stencil_error"),
        em.WeightNorm(30),
        em.Loss(60, data[:, :3]),
        em.GradNorm(60, data[:, :3]),
        em.SaveNetwork(60, str(tmp_path / "net_{step}.eqx")),
    ]
    result = trainer(net, data, key=jax.random.key(2), callbacks=callbacks, chunk=20, progress=False)
    hist = result.history
    assert [h["step"] for h in hist] == [20, 30, 40, 60] and list(hist["step"]) == [20, 30, 40, 60]
    assert isinstance(result.state, em.EmulatorState) and result.state.step == 60
    assert hist[-1]["stencil_error"] < hist[1]["stencil_error"]
    assert {"loss", "grad_norm", "weight_norm", "loss_eval", "grad_norm_eval"} <= set(hist[-1])
    assert (tmp_path / "net_60.eqx").is_file()


def test_trainer_bad_inputs(data):
    trainer = em.Trainer(em.Supervised(12), optax.adam(1e-2), num_steps=1, batch_size=4)
    net = nn.LinearConv(1, 1, 1, 2, key=jax.random.key(0))
    with pytest.raises(ValueError, match="longer trajectories"):
        trainer(net, data, key=jax.random.key(0), progress=False)
    ok = em.Trainer(em.Supervised(1), optax.adam(1e-2), num_steps=1, batch_size=4)
    with pytest.raises(ValueError, match="expects 2 input channel"):
        ok(nn.LinearConv(1, 2, 2, 2, key=jax.random.key(0)), data, key=jax.random.key(0), progress=False)
    with pytest.raises(ValueError, match="out_channels = 1"):
        ok(nn.LinearConv(1, 1, 2, 2, key=jax.random.key(0)), data, key=jax.random.key(0), progress=False)
    with pytest.raises(ValueError, match="ref_stepper"):
        em.Trainer(em.DivertedChain(2, 1), optax.adam(1e-2), num_steps=1, batch_size=4)


@pytest.mark.slow
def test_every_configuration_trains(data):
    def residuum(u_next, u_prev):
        return u_next - REF(u_prev)

    net = nn.LinearConv(1, 1, 1, 2, key=jax.random.key(73))
    trainers = [
        em.diverted_chain_trainer(2, 1, ref_stepper=REF, num_steps=5, batch_size=8),
        em.mix_chain_trainer(1, ref_stepper=REF, num_steps=5, batch_size=8),
        em.residuum_trainer(1, residuum_fn=residuum, num_steps=5, batch_size=8),
        em.composite_trainer(
            [em.Supervised(1), em.Residuum(1)], num_steps=5, batch_size=8, residuum_fn=residuum
        ),
    ]
    for tr in trainers:
        hist = tr(net, data, key=jax.random.key(0), progress=False).history
        assert np.isfinite(hist[-1]["loss"])


def test_resume_from_state_is_bit_identical(data):
    """Stopping at a chunk boundary (here: by raising from a callback) and continuing from the
    saved state ends at the same weights, optimiser state and history as one uninterrupted run."""
    net = nn.LinearConv(1, 1, 1, 2, key=jax.random.key(73))
    cfg = em.Supervised(2)
    trainer = em.Trainer(cfg, optax.adam(optax.cosine_decay_schedule(1e-2, 50)), 50, batch_size=8)
    kw = {"key": jax.random.key(5), "chunk": 20, "progress": False, "callbacks": [em.WeightNorm(15)]}
    full = trainer(net, data, **kw)
    saved = []

    class Stop(Exception):
        pass

    def stop_after_two(record, state):
        saved.append(state)
        if len(saved) == 2:
            raise Stop

    with pytest.raises(Stop):
        trainer(net, data, **{**kw, "callbacks": [*kw["callbacks"], stop_after_two]})
    assert saved[-1].step == 20  # chunks end at 15 (callback) and 20
    rest = trainer(net, data, **kw, state=saved[-1])
    assert [r["step"] for r in rest.history] == [30, 40, 45, 50]
    for a, b in zip(jax.tree.leaves(full.state), jax.tree.leaves(rest.state), strict=True):
        np.testing.assert_array_equal(a, b)
    assert full.history[-1]["loss"] == rest.history[-1]["loss"]
    np.testing.assert_array_equal(full.model.weight, rest.model.weight)
    with pytest.raises(ValueError, match="another emulator"):
        trainer(nn.LinearConv(1, 1, 1, 3, key=jax.random.key(0)), data, **kw, state=saved[-1])


def test_divergence_carries_the_last_good_state(data):
    net = nn.LinearConv(1, 1, 1, 2, key=jax.random.key(73))
    trainer = em.Trainer(em.Supervised(2), optax.sgd(1e12), num_steps=40, batch_size=8)
    with pytest.raises(em.EmulatorDiverged) as info:
        trainer(net, data, key=jax.random.key(0), chunk=1, progress=False)
    e = info.value
    assert isinstance(e, Diverged) and e.state.step == e.step - 1
    assert all(np.isfinite(x).all() for x in jax.tree.leaves(e.state.params))
    assert f"last good state is at step {e.state.step}" in str(e)


@pytest.mark.slow
def test_trainax_quickstart_stencil_errors():
    """The Trainax quickstart with its keys: ||w - [1+CFL, -CFL]|| <= 0.037, 0.032, 0.019."""
    grid = sp.PeriodicGrid(1, 30, extent=1.0)
    ref = sp.Stepper(sp.Advection(velocity=-0.75 / 30), grid, dt=1.0, order=1)
    ic = functools.partial(em.sine_cosine_series, grid, max_mode=5, dtype=jnp.float32)
    data = em.generate_trajectories(ref, ic, num_trajectories=20, num_steps=99, key=jax.random.key(0))
    net = nn.LinearConv(1, 1, 1, 2, key=jax.random.key(73))
    errors = []
    for r in (1, 5, 20):
        trainer = em.Trainer(em.Supervised(r), optax.adam(1e-2), num_steps=1000, batch_size=32)
        out = trainer(net, data, key=jax.random.key(42), chunk=1000, progress=False).model
        errors.append(float(jnp.linalg.norm(out.weight - jnp.array([0.25, 0.75]))))
    assert errors[0] <= 0.037 and errors[1] <= 0.032 and errors[2] <= 0.019
    assert errors[0] > errors[1] > errors[2]
