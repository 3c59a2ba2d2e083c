"""The native CPU time loop evaluates the same scheme as the XLA loop; its adjoint is the XLA gradient."""

import os
import subprocess
import sys
import textwrap

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from physax.solvers.wave import (
    CPML,
    AcousticModel,
    NativeLoop,
    Shot,
    XLALoop,
    native_available,
    ricker,
    simulate,
    simulate_shots,
    stack_shots,
    synthetic_model,
)

needs_native = pytest.mark.skipif(not native_available(), reason="the native kernel could not be built here")

STEPS = 250
RECEIVERS = [[2, ix] for ix in range(0, 36, 3)] + [[47, 30], [20, 0]]


def _shot(dtype):
    wavelet = jnp.asarray(ricker(15.0, 1e-3, STEPS), dtype)
    # two sources, one of them off-centre near a corner layer
    return Shot([[4, 18], [40, 6]], RECEIVERS, jnp.stack([wavelet, -0.5 * wavelet]))


def _relative(a, b):
    return float(jnp.linalg.norm(a - b) / jnp.linalg.norm(b))


@pytest.mark.slow
@needs_native
@pytest.mark.parametrize(
    "order, boundary",
    [
        (2, None),  # rigid edges
        (4, CPML(8, f0=15.0)),
        (6, CPML((0, 6, 9, 5), f0=15.0, free_surface=True)),  # free surface, unequal layers
        (8, CPML((7, 0, 0, 10), f0=15.0)),  # layers on one end of each axis only
    ],
)
@pytest.mark.parametrize("dtype", [jnp.float32, jnp.float64])
def test_native_traces_equal_the_xla_loop(order, boundary, dtype):
    model = synthetic_model(36, 48, 10.0, dtype=dtype)
    shot = _shot(dtype)
    native = simulate(model, shot, dt=1e-3, order=order, boundary=boundary, loop=NativeLoop()).traces
    xla = simulate(model, shot, dt=1e-3, order=order, boundary=boundary, loop=XLALoop()).traces
    assert native.dtype == xla.dtype == dtype
    assert float(jnp.max(jnp.abs(xla))) > 0
    # the same arithmetic up to the order of the sums: float rounding only
    assert _relative(native, xla) < (2e-5 if dtype == jnp.float32 else 1e-12)


@pytest.mark.slow
@needs_native
@pytest.mark.parametrize(
    "order, boundary",
    [
        (2, None),
        (4, CPML(8, f0=15.0)),
        (6, CPML((0, 6, 9, 5), f0=15.0, free_surface=True)),
        (8, CPML((7, 0, 0, 10), f0=15.0)),
    ],
)
@pytest.mark.parametrize("checkpoint", [True, False])
def test_native_adjoint_equals_the_xla_gradient(order, boundary, checkpoint):
    # reverse mode through NativeLoop(): the hand-written discrete adjoint (replayed
    # segments of ceil(sqrt(250)) = 16 steps, or one segment of all steps)
    model = synthetic_model(36, 48, 10.0, dtype=jnp.float64)
    observed = 1.1 * simulate(model, _shot(jnp.float64), dt=1e-3, order=order, boundary=boundary).traces
    start = 0.97 * model.velocity + 30.0 * jnp.sin(jnp.arange(model.velocity.size)).reshape(model.shape)

    def misfit(velocity, wavelets, loop):
        shot = Shot(_shot(jnp.float64).sources, RECEIVERS, wavelets)
        traces = simulate(
            AcousticModel(velocity, dx=10.0),
            shot,
            dt=1e-3,
            order=order,
            boundary=boundary,
            checkpoint=checkpoint,
            loop=loop,
        ).traces
        return 0.5 * jnp.sum((traces - observed) ** 2)

    wavelets = _shot(jnp.float64).wavelets
    g_native = jax.grad(misfit, argnums=(0, 1))(start, wavelets, NativeLoop())
    g_xla = jax.grad(misfit, argnums=(0, 1))(start, wavelets, XLALoop())
    for a, b in zip(g_native, g_xla, strict=True):
        assert float(jnp.linalg.norm(b)) > 0
        assert _relative(a, b) < 1e-12


@pytest.mark.slow
@needs_native
@pytest.mark.parametrize("segment_length", [1, 2, 3, 100])
def test_native_adjoint_for_any_segment_length(segment_length):
    # segments of one step (no replay), of two and three (paired and single backward
    # steps), and longer than the run; a receiver on the source, a free surface
    model = synthetic_model(40, 48, 10.0, dtype=jnp.float64)
    shot = Shot([[3, 15]], [[2, 5], [30, 25], [3, 15]], ricker(15.0, 1e-3, 60))
    pml = CPML(6, f0=15.0, free_surface=True)
    observed = 1.1 * simulate(model, shot, dt=1e-3, order=4, boundary=pml).traces

    def misfit(velocity, loop):
        traces = simulate(
            AcousticModel(velocity, dx=10.0),
            shot,
            dt=1e-3,
            order=4,
            boundary=pml,
            loop=loop,
            segment_length=segment_length,
        ).traces
        return 0.5 * jnp.sum((traces - observed) ** 2)

    g_native = jax.grad(misfit)(0.98 * model.velocity, NativeLoop())
    g_xla = jax.grad(misfit)(0.98 * model.velocity, XLALoop())
    assert float(jnp.linalg.norm(g_xla)) > 0
    assert _relative(g_native, g_xla) < 1e-12


@pytest.mark.slow
@needs_native
def test_native_batched_shots_and_gradients_follow_the_xla_loop():
    model = synthetic_model(36, 48, 10.0, dtype=jnp.float64)
    wavelet = ricker(15.0, 1e-3, STEPS)
    shots = stack_shots([Shot([[2, ix]], RECEIVERS, (1 + 0.1 * ix) * wavelet) for ix in (5, 20, 30)])
    pml = CPML(8, f0=15.0, free_surface=True, velocity_max=3500.0)
    run = lambda v, loop: (
        simulate_shots(  # noqa: E731
            AcousticModel(v, dx=10.0), shots, dt=1e-3, order=8, boundary=pml, loop=loop
        ).traces
    )
    assert _relative(run(model.velocity, None), run(model.velocity, XLALoop())) < 1e-12

    # the default loop (native here): reverse mode by the native adjoint, forward mode by XLA
    loss = lambda v, loop: jnp.sum(run(v, loop) ** 2)  # noqa: E731
    g_auto = jax.grad(loss)(model.velocity, None)
    g_xla = jax.grad(loss)(model.velocity, XLALoop())
    assert float(jnp.linalg.norm(g_xla)) > 0
    np.testing.assert_allclose(g_auto, g_xla, rtol=1e-10, atol=1e-12 * float(jnp.max(jnp.abs(g_xla))))
    tangent = jnp.cos(jnp.arange(model.velocity.size)).reshape(model.shape)
    _, t_auto = jax.jvp(lambda v: loss(v, None), (model.velocity,), (tangent,))
    _, t_xla = jax.jvp(lambda v: loss(v, XLALoop()), (model.velocity,), (tangent,))
    np.testing.assert_allclose(t_auto, t_xla, rtol=1e-10)


@pytest.mark.slow
@needs_native
def test_native_row_split_over_many_threads():
    # more threads than the 2 cores: row ranges must keep clear of the layers and give the
    # same traces and gradients (in a child process, with PHYSAX_NUM_THREADS=7). 112 or 106
    # padded rows give 7 or 6 ranges of 16 rows; sources and receivers sit on or next to
    # their boundaries (model rows 10, 26, 42 or 16, 32, 48), one receiver on a source; 200
    # steps in segments of 15 (paired and single backward steps).
    code = textwrap.dedent(
        """
        import jax, jax.numpy as jnp
        jax.config.update("jax_enable_x64", True)
        from physax.solvers.wave import (AcousticModel, CPML, NativeLoop, Shot, XLALoop, ricker,
                                         simulate, synthetic_model)
        model = synthetic_model(24, 100, 10.0, dtype=jnp.float64)  # (nx, nz)
        rec = [[2, 5], [10, 9], [16, 12], [26, 3], [32, 10], [42, 20], [48, 12], [95, 20], [3, 15]]
        wavelet = ricker(15.0, 1e-3, 200)
        shot = Shot([[3, 15], [48, 12], [80, 7]], rec, jnp.stack([wavelet, 0.5 * wavelet, -wavelet]))
        start = 0.98 * model.velocity
        for pml in (CPML(6, f0=15.0), CPML(6, f0=15.0, free_surface=True)):
            run = lambda v, loop: simulate(
                AcousticModel(v, dx=10.0), shot, dt=1e-3, order=8, boundary=pml, loop=loop
            ).traces
            a, b = run(model.velocity, NativeLoop()), run(model.velocity, XLALoop())
            print(float(jnp.linalg.norm(a - b) / jnp.linalg.norm(b)))
            loss = lambda v, loop: 0.5 * jnp.sum((run(v, loop) - b) ** 2)
            ga, gb = jax.grad(loss)(start, NativeLoop()), jax.grad(loss)(start, XLALoop())
            print(float(jnp.linalg.norm(ga - gb) / jnp.linalg.norm(gb)))
        """
    )
    env = dict(os.environ, PHYSAX_NUM_THREADS="7")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    errors = [float(line) for line in out.stdout.split()]
    assert len(errors) == 4 and max(errors) < 1e-12, errors


def test_loop_option_is_checked():
    model = synthetic_model(36, 48, 10.0)
    shot = _shot(jnp.float32)
    with pytest.raises(TypeError, match="`loop` must be"):
        simulate(model, shot, dt=1e-3, loop="native")
    with pytest.raises(ValueError, match="`engine` must be one of"):
        simulate(model, shot, dt=1e-3, engine="fortran")
    with pytest.raises(ValueError, match="traces only"):
        simulate(model, shot, dt=1e-3, loop=NativeLoop(), snapshot_every=10)
    dense = AcousticModel(model.velocity, jnp.ones(model.shape), dx=10.0)
    with pytest.raises(ValueError, match="constant-density"):
        simulate(dense, shot, dt=1e-3, loop=NativeLoop())
    # a grid too small for separate layers on an axis
    with pytest.raises(ValueError, match="too small"):
        simulate(
            synthetic_model(48, 4, 10.0),
            Shot([[1, 5]], [[2, 7]], ricker(15.0, 1e-3, 5)),
            dt=1e-3,
            boundary=CPML(3, f0=15.0),
            loop=NativeLoop(),
        )


def test_deprecated_engine_strings_still_pick_the_loops():
    model = synthetic_model(36, 48, 10.0)
    shot = _shot(jnp.float32)
    with pytest.warns(DeprecationWarning, match="loop="):
        old = simulate(model, shot, dt=1e-3, engine="xla").traces
    np.testing.assert_array_equal(old, simulate(model, shot, dt=1e-3, loop=XLALoop()).traces)
    with pytest.raises(ValueError, match="give `loop=` only"):
        simulate(model, shot, dt=1e-3, engine="native", loop=NativeLoop())


def test_automatic_loop_falls_back_to_xla_where_native_does_not_apply():
    # snapshots and variable density always run on the XLA loop, whatever the machine
    model = synthetic_model(36, 48, 10.0)
    shot = _shot(jnp.float32)
    pml = CPML(8, f0=15.0)
    auto = simulate(model, shot, dt=1e-3, boundary=pml, snapshot_every=50)
    xla = simulate(model, shot, dt=1e-3, boundary=pml, snapshot_every=50, loop=XLALoop())
    np.testing.assert_array_equal(auto.traces, xla.traces)
    assert auto.snapshots.shape == (STEPS // 50, *model.shape)


@pytest.mark.slow
@pytest.mark.parametrize("switch", ["no-compiler", "PHYSAX_NATIVE=0"])
def test_without_the_native_kernel_the_xla_loop_runs(tmp_path, switch):
    # no C++ compiler on PATH (and an empty cache), or the kernel switched off: simulate
    # and velocity_gradient still work, on the XLA loop, and say why on stderr
    code = textwrap.dedent(
        """
        import jax.numpy as jnp
        from physax.solvers.wave import (CPML, Shot, native_available, ricker, simulate,
                                         simulate_shots, stack_shots, synthetic_model,
                                         velocity_gradient)
        model = synthetic_model(30, 20, 10.0)
        shot = Shot([[3, 15]], [[2, 5], [15, 25]], ricker(15.0, 1e-3, 100))
        traces = simulate(model, shot, dt=1e-3, boundary=CPML(5, f0=15.0)).traces
        shots = stack_shots([shot])
        _, grad = velocity_gradient(model, shots, 0.0 * traces[None], dt=1e-3, boundary=CPML(5, f0=15.0))
        print(native_available(), float(jnp.abs(traces).max()) > 0, bool(jnp.isfinite(grad).all()))
        """
    )
    env = dict(os.environ, PHYSAX_CACHE_DIR=str(tmp_path))
    env.pop("CXX", None)
    if switch == "no-compiler":
        env["PATH"] = str(tmp_path)
    else:
        env["PHYSAX_NATIVE"] = "0"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == ["False", "True", "True"]
    if switch == "no-compiler":
        assert "no C++ compiler found" in out.stderr


def test_the_native_cache_loads_only_what_its_build_recorded(tmp_path):
    """A library planted at the cache path (or edited after the build) fails verification."""
    from physax.solvers.wave import _native

    lib = _native._private_dir(tmp_path / "native") / "acoustic_cpml-0123.so"
    assert (tmp_path / "native").stat().st_mode & 0o777 == 0o700
    lib.write_bytes(b"planted code")
    assert not _native._verified(lib)  # no record of a build
    _native._digest_file(lib).write_text(_native._sha256(lib) + "\n")
    lib.chmod(0o700)
    assert _native._verified(lib)
    lib.write_bytes(b"planted code, changed")
    assert not _native._verified(lib)  # edited after the build recorded it
