"""Time-loop objects: `jax.grad` of any function of the traces runs the native adjoint."""

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
    build_native,
    native_available,
    ricker,
    simulate,
    synthetic_model,
)
from physax.solvers.wave._loops import resolve_loop

needs_native = pytest.mark.skipif(not native_available(), reason="the native kernel could not be built here")

PML = CPML(6, f0=15.0, free_surface=True)
STEPS = 90


def _problem(dtype):
    model = synthetic_model(24, 30, 10.0, dtype=dtype)
    wavelet = jnp.asarray(ricker(15.0, 1e-3, STEPS), dtype)
    shot = Shot([[3, 10], [20, 4]], [[2, ix] for ix in range(0, 24, 3)], jnp.stack([wavelet, -0.5 * wavelet]))
    start = 0.97 * model.velocity + 20.0 * jnp.sin(jnp.arange(model.velocity.size)).reshape(model.shape)
    return start.astype(dtype), shot


def _traces(velocity, wavelets, shot, loop):
    s = Shot(shot.sources, shot.receivers, wavelets)
    return simulate(AcousticModel(velocity, dx=10.0), s, dt=1e-3, order=4, boundary=PML, loop=loop).traces


LOSSES = {
    "sum of squares": lambda t: jnp.sum(t**2),
    "nonlinear": lambda t: jnp.sum(jnp.tanh(3e3 * t) * t[::-1]) + jnp.max(t) ** 2,
}


def _relative(a, b):
    return float(jnp.linalg.norm(a - b) / jnp.linalg.norm(b))


@pytest.mark.slow
@needs_native
@pytest.mark.parametrize("loss", list(LOSSES))
@pytest.mark.parametrize("dtype, tol", [(jnp.float64, 1e-10), (jnp.float32, 1e-4)])
def test_grad_of_any_function_of_the_traces_uses_the_native_adjoint(loss, dtype, tol):
    start, shot = _problem(dtype)
    f = LOSSES[loss]

    def objective(v, w, loop):
        return f(_traces(v, w, shot, loop))

    grad = jax.grad(objective, argnums=(0, 1))
    # the default loop's reverse mode calls the native adjoint kernel, not the XLA scan
    jaxpr = str(jax.make_jaxpr(lambda v, w: grad(v, w, None))(start, shot.wavelets))
    assert "physax_acoustic_adjoint" in jaxpr
    g_default = grad(start, shot.wavelets, None)
    g_native = grad(start, shot.wavelets, NativeLoop())
    g_xla = grad(start, shot.wavelets, XLALoop())
    for a, n, b in zip(g_default, g_native, g_xla, strict=True):
        assert a.dtype == b.dtype == dtype and float(jnp.linalg.norm(b)) > 0
        np.testing.assert_array_equal(a, n)
        assert _relative(a, b) < tol


@needs_native
def test_native_tangent_and_adjoint_are_transposes():
    # <J v, w> = <v, J^T w>: J v from the XLA loop's tangent, J^T w from the native adjoint
    start, shot = _problem(jnp.float64)
    forward = lambda v: _traces(v, shot.wavelets, shot, NativeLoop())  # noqa: E731
    rng = np.random.default_rng(4)
    v = jnp.asarray(rng.standard_normal(start.shape))
    w = jnp.asarray(rng.standard_normal((STEPS, shot.receivers.shape[0])))
    traces, jv = jax.jvp(forward, (start,), (v,))
    _, pullback = jax.vjp(forward, start)
    (jtw,) = pullback(w)
    lhs, rhs = float(jnp.vdot(jv, w)), float(jnp.vdot(v, jtw))
    assert abs(lhs - rhs) <= 1e-10 * abs(lhs)
    xla = _traces(start, shot.wavelets, shot, XLALoop())
    assert _relative(traces, xla) < 1e-12


@needs_native
def test_build_native_returns_the_library_and_the_switch_is_read_at_call_time(monkeypatch):
    path = build_native()
    assert path.is_file() and path.name.startswith("acoustic_cpml-")
    assert build_native() == path
    model = synthetic_model(24, 30, 10.0)
    assert isinstance(resolve_loop(None, model, PML, 4), NativeLoop)
    monkeypatch.setenv("PHYSAX_NATIVE", "0")
    assert not native_available()
    assert isinstance(resolve_loop(None, model, PML, 4), XLALoop)
    with pytest.raises(RuntimeError, match="PHYSAX_NATIVE"):
        resolve_loop(NativeLoop(), model, PML, 4)
    monkeypatch.delenv("PHYSAX_NATIVE")
    assert native_available()
    # snapshots and variable density always take the XLA loop
    assert isinstance(resolve_loop(None, model, PML, 4, snapshot_every=10), XLALoop)
    dense = AcousticModel(model.velocity, jnp.ones(model.shape), dx=10.0)
    assert isinstance(resolve_loop(None, dense, PML, 4), XLALoop)
