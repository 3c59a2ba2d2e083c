"""The 2-d emulator experiment (``emulator-2d-advection-diffusion``): bad tables, a tiny run that
learns the one-step map, resume to identical weights, and predictions of a loaded run."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import physax.experiments as ex
from physax.experiments import _emulator_build

NAME = "emulator-2d-advection-diffusion"
TINY = {
    "pde.num_points": 16,
    "data.train_trajectories": 4,
    "data.train_steps": 6,
    "data.test_trajectories": 2,
    "data.test_steps": 8,
    "eval.rollout_steps": 8,
    "model.architecture": "linear",  # a learnable 3 x 3 stencil: the PDE is linear
    "model.kernel_size": 3,
    "train.rollout_steps": [1, 2],
    "train.steps": 200,
    "train.batch_size": 8,
    "train.learning_rate": 0.05,
    "chunk": 100,
}


def test_bad_2d_tables_are_config_errors():
    cfg = ex.load(NAME).config
    with pytest.raises(ex.ConfigError, match="list of 2 numbers"):
        _emulator_build.build_reference({**cfg, "pde": {**cfg["pde"], "velocity": [1.0]}})
    with pytest.raises(ex.ConfigError, match="1-d only"):
        _emulator_build.build_reference({**cfg, "pde": {**cfg["pde"], "ic": "sine_cosine"}})
    one_d = ex.load("emulator-burgers").config["model"]
    with pytest.raises(ex.ConfigError, match="latent_size"):
        _emulator_build.build_model({**one_d, "architecture": "encoder_decoder"}, jax.random.key(0))


@pytest.fixture(scope="module")
def run2d(tmp_path_factory):
    return ex.run(ex.load(NAME, TINY), out=tmp_path_factory.mktemp("e2d") / "run", progress=False)


@pytest.mark.slow
def test_2d_emulator_learns_resumes_and_predicts(run2d, tmp_path, monkeypatch):
    m, out = run2d.metrics, run2d.directory
    assert m["status"] == "finished" and m["steps"] == 400 and set(m["per_rollout"]) == {"1", "2"}
    for f in ("rollout.png", "rollout_error.png", "rollout_metrics.png", "summary.md"):
        assert (out / f).is_file()
    # the trained stencil follows the reference: one step's error is well below that of
    # persistence (u^{n+1} = u^n; the field moves by 0.16 and 0.08 cells per step: about 0.19)
    cfg = run2d.spec.config
    _, stepper, init = _emulator_build.build_reference(cfg)
    u0 = np.asarray(init(key=jax.random.key(5)))
    assert u0.shape == (1, 16, 16)
    exact = np.asarray(stepper(jnp.asarray(u0)))
    pred = run2d.predict(u0, steps=2)
    assert pred.shape == (2, 1, 16, 16)
    err = np.linalg.norm(pred[0] - exact) / np.linalg.norm(exact)
    still = np.linalg.norm(u0 - exact) / np.linalg.norm(exact)
    assert err < 0.5 * still, (err, still)
    assert run2d.predict(np.stack([u0, u0])).shape == (2, 1, 1, 16, 16)
    with pytest.raises(ex.ConfigError, match="shape"):
        run2d.predict(np.zeros((1, 16)))

    # killed during the second training, resumed: the same weights and metrics
    save = _emulator_build.save_tied

    def save_or_die(path, tree, cfg, **entries):
        if path.name == "state.eqx" and entries.get("rollout") == 2 and entries.get("step") == 200:
            raise KeyboardInterrupt
        save(path, tree, cfg, **entries)

    monkeypatch.setattr(_emulator_build, "save_tied", save_or_die)
    with pytest.raises(KeyboardInterrupt):
        ex.run(ex.load(NAME, TINY), out=tmp_path / "killed", progress=False)
    monkeypatch.undo()
    resumed = ex.resume(tmp_path / "killed", progress=False)
    assert resumed.metrics["gmean_nrmse_100"] == m["gmean_nrmse_100"]
    for a, b in zip(jax.tree.leaves(resumed.model), jax.tree.leaves(run2d.model), strict=True):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))

    # the encoder-decoder gets the lattice size from the [pde] table
    table = {**cfg["model"], "architecture": "encoder_decoder", "width": 2, "levels": 1, "latent_size": 4}
    net = _emulator_build.build_model(table, jax.random.key(0), dims=2, spatial_size=16)
    assert net.encode(jnp.zeros((1, 16, 16))).shape == (4,) and net(jnp.zeros((1, 16, 16))).shape == (
        1,
        16,
        16,
    )
