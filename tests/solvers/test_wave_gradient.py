"""Reverse-mode gradients through the checkpointed time loop."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from physax.solvers.wave import (
    CPML,
    AcousticModel,
    Shot,
    XLALoop,
    l2_misfit,
    ricker,
    simulate,
    simulate_shots,
    smooth_model,
    stack_shots,
    synthetic_model,
    velocity_gradient,
)

F0, DX, NX, NZ = 15.0, 10.0, 48, 30
DT = 0.3 * DX / 3200.0
NT = 150
PML = CPML(8, f0=F0, free_surface=True, velocity_max=3200.0)


@pytest.fixture(scope="module")
def setup():
    true = synthetic_model(NX, NZ, DX, dtype=jnp.float64)
    start = AcousticModel(smooth_model(true.velocity, 4.0), dx=DX)
    wavelet = ricker(F0, DT, NT, dtype=jnp.float64)
    receivers = np.array([[1, ix] for ix in range(0, NX, 4)])
    shots = stack_shots([Shot([[1, ix]], receivers, wavelet) for ix in (10, 37)])
    observed = simulate_shots(true, shots, dt=DT, order=4, boundary=PML).traces
    return true, start, shots, observed


# None (automatic): the native loop and its discrete adjoint where it is built, else XLA
@pytest.fixture(scope="module", params=[None, XLALoop()], ids=["auto", "xla"])
def loop(request):
    return request.param


@pytest.fixture(scope="module")
def gradient(setup, loop):
    _, start, shots, observed = setup
    return velocity_gradient(start, shots, observed, dt=DT, order=4, boundary=PML, loop=loop)


def test_gradient_matches_finite_differences(setup, gradient, loop):
    _, start, shots, observed = setup
    misfit, grad = gradient
    direction = jnp.asarray(np.random.default_rng(0).standard_normal(start.shape))
    eps = 1e-2  # m/s; the misfit is smooth, central differences are O(eps^2)

    def j(v):  # the same compiled function as the gradient
        model = AcousticModel(v, dx=DX)
        return velocity_gradient(model, shots, observed, dt=DT, order=4, boundary=PML, loop=loop)[0]

    fd = (j(start.velocity + eps * direction) - j(start.velocity - eps * direction)) / (2 * eps)
    assert misfit > 0
    np.testing.assert_allclose(jnp.vdot(grad, direction), fd, rtol=1e-6)
    value = l2_misfit(start, shots, observed, dt=DT, order=4, boundary=PML, checkpoint=False)
    np.testing.assert_allclose(value, misfit, rtol=1e-12)


def test_checkpointed_gradient_equals_plain_scan(setup, gradient, loop):
    _, start, shots, observed = setup
    j1, g1 = gradient  # segments of ceil(sqrt(150)) = 13 steps (jax.checkpoint / native replay)
    j2, g2 = velocity_gradient(
        start, shots, observed, dt=DT, order=4, boundary=PML, checkpoint=False, loop=loop
    )
    np.testing.assert_allclose(j1, j2, rtol=1e-12)
    np.testing.assert_allclose(g1, g2, rtol=1e-10, atol=1e-12 * float(jnp.abs(g2).max()))


def test_dot_product_linearised_operator(setup):
    # <J v, w> = <v, J^T w> for the Born (linearised) modelling operator J = d traces / d c
    true, _, shots, _ = setup
    shot = jax.tree.map(lambda x: x[0], shots)
    density = jnp.full(true.shape, 1800.0, jnp.float64)  # exercise the staggered scheme too

    def forward(v):
        model = AcousticModel(v, density, dx=DX)
        return simulate(model, shot, dt=DT, order=2, boundary=PML).traces

    rng = np.random.default_rng(1)
    v = jnp.asarray(rng.standard_normal(true.shape))
    w = jnp.asarray(rng.standard_normal((NT, shot.receivers.shape[0])))

    @jax.jit
    def products(c, v, w):
        jv = jax.jvp(forward, (c,), (v,))[1]
        jtw = jax.vjp(forward, c)[1](w)[0]
        return jnp.vdot(jv, w), jnp.vdot(v, jtw)

    lhs, rhs = products(true.velocity, v, w)
    assert abs(lhs - rhs) <= 1e-10 * abs(lhs)


def test_batched_shots_equal_single_shots_and_snapshots(setup):
    true, _, shots, observed = setup
    for i in range(2):
        shot = jax.tree.map(lambda x, i=i: x[i], shots)
        out = simulate(true, shot, dt=DT, order=4, boundary=PML, snapshot_every=10)
        np.testing.assert_allclose(out.traces, observed[i], rtol=1e-10, atol=1e-14)
        assert out.snapshots.shape == (NT // 10, NZ, NX)
        # snapshot j is the field at step 10 j; the receivers sit on row 1
        rec = shot.receivers
        np.testing.assert_allclose(out.snapshots[5][rec[:, 0], rec[:, 1]], out.traces[50])


@pytest.mark.slow
def test_checkpointed_gradient_memory_grows_like_sqrt_of_steps():
    # XLA's compile-time accounting (temporaries + outputs) of the XLA loop's gradient: 4x
    # the steps costs ~2x the memory under jax.checkpoint, ~4x with plain reverse mode (the
    # native adjoint allocates its segment inside the kernel, out of XLA's sight)
    true = synthetic_model(NX, NZ, DX, dtype=jnp.float32)
    start = AcousticModel(smooth_model(true.velocity, 4.0), dx=DX)

    def memory(n_steps, checkpoint):
        shot = Shot(
            [[1, 20]], [[1, ix] for ix in range(0, NX, 4)], ricker(F0, DT, n_steps, dtype=jnp.float32)
        )
        shots = stack_shots([shot])
        observed = jnp.zeros((1, n_steps, shot.receivers.shape[0]), jnp.float32)
        grad = jax.jit(
            lambda v: velocity_gradient(
                AcousticModel(v, dx=DX),
                shots,
                observed,
                dt=DT,
                order=4,
                boundary=PML,
                checkpoint=checkpoint,
                loop=XLALoop(),
            )
        )
        stats = grad.lower(start.velocity).compile().memory_analysis()
        return stats.temp_size_in_bytes + stats.output_size_in_bytes

    sqrt_growth = memory(1600, True) / memory(400, True)
    linear_growth = memory(1600, False) / memory(400, False)
    assert sqrt_growth < 2.5 < 3.5 < linear_growth, (sqrt_growth, linear_growth)
