"""Data-parallel PINN training over simulated CPU devices gives the one-device result."""

import os
import subprocess
import sys
import textwrap

import pytest

SCRIPT = textwrap.dedent(
    """
    import jax, numpy as np
    from jax.sharding import NamedSharding
    from physax.nn import MLP
    from physax.optim import Adam
    from physax.pinn import Collocation, fit, make_trainer, run
    from physax.problems import Heat1D

    assert jax.device_count() == 4, jax.devices()
    problem = Heat1D()
    col = Collocation(n_interior=256, n_boundary=64, n_initial=64, resample_every=20)
    net = MLP(2, "scalar", width=16, depth=2, key=jax.random.key(0))
    kw = dict(key=jax.random.key(1), collocation=col, adam=Adam(60, learning_rate=1e-3), lbfgs=None,
              chunk=20, progress=False, track_error=False)
    one = fit(problem, net, **kw)
    four = fit(problem, net, devices=0, **kw)
    a = np.array([r["loss"] for r in one.history]); b = np.array([r["loss"] for r in four.history])
    np.testing.assert_allclose(b, a, rtol=2e-4)
    sharding = four.state.batch["interior"].sharding
    assert isinstance(sharding, NamedSharding) and len(sharding.device_set) == 4, sharding
    assert sharding.shard_shape((256, 2)) == (64, 2), sharding
    try:
        trainer = make_trainer(problem, net, collocation=Collocation(n_interior=250), adam=Adam(1), lbfgs=None)
        state = trainer.init(net, key=jax.random.key(0), observations=None)
        run(trainer, state, devices=0, progress=False, track_error=False)
    except ValueError as e:
        assert "multiple of 4" in str(e), e
    else:
        raise AssertionError("250 points over 4 devices should be refused")
    print("OK")
    """
)


@pytest.mark.slow
def test_sharded_training_matches_one_device():
    env = dict(os.environ, XLA_FLAGS="--xla_force_host_platform_device_count=4", JAX_PLATFORMS="cpu")
    out = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=900)
    assert out.returncode == 0 and "OK" in out.stdout, out.stderr[-3000:]


def test_bad_device_count_is_a_clear_error():
    from physax.pinn._sharding import point_mesh

    with pytest.raises(ValueError, match="local device"):
        point_mesh(64)
    assert point_mesh(None) is None and point_mesh(1) is None


def test_cli_refuses_more_devices_than_exist(tmp_path, capsys):
    from physax.cli import main

    out = tmp_path / "run"
    assert main(["run", "heat-forward", "--set", "train.devices=3", "--out", str(out), "--quiet"]) == 2
    assert "train.devices" in capsys.readouterr().err and not out.exists()
