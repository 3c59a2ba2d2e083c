"""Every sharded family against its one-device run; run by the tests as 1 x 4 and 2 x 2 devices.

Prints ``OK`` and a JSON line of figures when every check holds.
"""

import json
import sys
import time

import physax.distributed as dist

dist.initialize()

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import optax  # noqa: E402

assert jax.device_count() == 4, jax.devices()
which = sys.argv[1:] or ["fwi", "wave", "ensemble", "pinn"]
figures = {"processes": jax.process_count()}


def rel(a, b):
    a, b = (np.asarray(dist.to_host(x), np.float64) for x in (a, b))  # a sharded gradient is gathered
    return float(np.linalg.norm(a - b) / np.linalg.norm(b))


if "fwi" in which:
    from physax.inverse import fwi, surface_shots
    from physax.solvers.wave import CPML, AcousticModel, simulate_shots, smooth_model, synthetic_model

    t = time.perf_counter()
    true = synthetic_model(20, 12, 20.0, dtype=jnp.float32)
    start = AcousticModel(smooth_model(true.velocity, 3.0), dx=20.0)
    shots = surface_shots(20, n_shots=4, f0=8.0, dt=2e-3, n_steps=100, receiver_spacing=2)
    pml = CPML((0, 6, 6, 6), f0=8.0, free_surface=True, velocity_max=3500.0)
    observed = simulate_shots(true, shots, dt=2e-3, order=4, boundary=pml).traces
    kw = dict(
        dt=2e-3,
        bounds=(1500.0, 3500.0),
        smoothing=1.0,
        boundary=pml,
        iterations=2,
        optimizer=optax.adam(0.05),
    )
    one = fwi(start, shots, observed, **kw)
    four = fwi(start, shots, observed, devices=0, **kw)
    figures["fwi_misfit"] = rel(four.history["misfit"], one.history["misfit"])
    figures["fwi_velocity"] = rel(four.model.velocity, one.model.velocity)
    assert figures["fwi_misfit"] < 1e-5 and figures["fwi_velocity"] < 1e-6, figures
    figures["fwi_s"] = time.perf_counter() - t

if "wave" in which:
    from physax.solvers.wave import (
        CPML,
        AcousticModel,
        ShardedLoop,
        Shot,
        XLALoop,
        ricker,
        simulate,
        synthetic_model,
    )

    t = time.perf_counter()
    true = synthetic_model(28, 20, 10.0, dtype=jnp.float32)
    pml = CPML((0, 6, 6, 6), f0=15.0, free_surface=True, velocity_max=3500.0)  # padded grid 26 x 40
    shot = Shot([[2, 10]], [[1, k] for k in range(0, 28, 3)] + [[15, 20]], ricker(15.0, 1e-3, 80))

    def traces(v, loop):
        return simulate(
            AcousticModel(v, dx=10.0), shot, dt=1e-3, order=4, boundary=pml, loop=loop, segment_length=10
        ).traces

    ref = traces(true.velocity, XLALoop())
    g_ref = jax.grad(lambda v: jnp.sum(traces(v, XLALoop()) ** 2))(true.velocity)
    for split in ((1, 4), (2, 2)) if jax.process_count() == 1 else ((2, 2),):  # (2, 2) spans both processes
        loop = ShardedLoop(devices=0, split=split)
        figures[f"wave_traces_{split}"] = rel(traces(true.velocity, loop), ref)
        g = jax.grad(lambda v, loop=loop: jnp.sum(traces(v, loop) ** 2))(true.velocity)
        figures[f"wave_grad_{split}"] = rel(g, g_ref)
        assert figures[f"wave_traces_{split}"] < 1e-6 and figures[f"wave_grad_{split}"] < 1e-5, figures
    figures["wave_s"] = time.perf_counter() - t

if "ensemble" in which:
    from physax.nn import MLP
    from physax.optim import Adam
    from physax.pinn import Collocation, fit_ensemble
    from physax.problems import Heat1D

    t = time.perf_counter()
    col = Collocation(n_interior=64, n_boundary=16, n_initial=16)
    kw = dict(collocation=col, adam=Adam(20, learning_rate=3e-3), chunk=10)
    keys = jax.random.split(jax.random.key(0), 4)
    net_fn = lambda k: MLP(2, "scalar", width=8, depth=1, key=k)  # noqa: E731
    one = fit_ensemble(Heat1D(), net_fn, keys, **kw)
    four = fit_ensemble(Heat1D(), net_fn, keys, devices=0, **kw)
    figures["ensemble_rel_l2"] = rel(four.stats["rel_l2_members"], one.stats["rel_l2_members"])
    figures["ensemble_spread"] = rel(four.stats["spread"], one.stats["spread"])
    assert figures["ensemble_rel_l2"] < 1e-5 and figures["ensemble_spread"] < 1e-4, figures
    figures["ensemble_s"] = time.perf_counter() - t

if "pinn" in which:
    from physax.nn import MLP
    from physax.optim import Adam
    from physax.pinn import Collocation, fit
    from physax.problems import Heat1D

    t = time.perf_counter()
    col = Collocation(n_interior=64, n_boundary=16, n_initial=16)
    net = MLP(2, "scalar", width=8, depth=1, key=jax.random.key(0))
    kw = dict(
        key=jax.random.key(1),
        collocation=col,
        adam=Adam(20, learning_rate=3e-3),
        lbfgs=None,
        chunk=10,
        progress=False,
    )
    one = fit(Heat1D(), net, **kw)
    four = fit(Heat1D(), net, devices=0, **kw)
    figures["pinn_loss"] = rel(four.history["loss"], one.history["loss"])
    figures["pinn_rel_l2"] = rel(four.history["rel_l2"], one.history["rel_l2"])
    assert figures["pinn_loss"] < 1e-4 and figures["pinn_rel_l2"] < 1e-4, figures
    figures["pinn_s"] = time.perf_counter() - t

if "emulator" in which:
    import functools

    import physax.emulators as em
    from physax import nn
    from physax.solvers import spectral as sp

    t = time.perf_counter()
    grid = sp.PeriodicGrid(1, 16, extent=1.0)
    ref = sp.Stepper(sp.Advection(velocity=-0.5 / 16), grid, dt=1.0, order=1)
    ic = functools.partial(em.sine_cosine_series, grid, max_mode=3, dtype=jnp.float32)
    data = em.generate_trajectories(ref, ic, num_trajectories=4, num_steps=9, key=jax.random.key(0))
    net = nn.ConvNet(1, 1, 1, width=8, depth=1, key=jax.random.key(1))
    runs = [
        em.Trainer(em.Supervised(2), optax.adam(1e-3), num_steps=20, batch_size=8, devices=d)(
            net, data, key=jax.random.key(2), chunk=10, progress=False
        )
        for d in (None, 0)
    ]
    figures["emulator_loss"] = rel(runs[1].history["loss"], runs[0].history["loss"])
    assert figures["emulator_loss"] < 1e-5, figures
    figures["emulator_s"] = time.perf_counter() - t

if "fbpinn" in which:
    from physax import nn
    from physax.fbpinn import FBPINN, fit, uniform
    from physax.optim import Adam
    from physax.pinn import Collocation
    from physax.problems import CosineODE

    t = time.perf_counter()
    cosine = CosineODE(omega=15.0)
    # 6 subdomains over 4 devices: blocks of 2, padded with 2 inactive subdomains
    model = FBPINN(
        uniform(cosine.domain, 6, overlap=1.9),
        lambda k: nn.MLP(1, "scalar", 8, 1, key=k),
        key=jax.random.key(0),
    )
    kw = dict(key=jax.random.key(1), collocation=Collocation(n_interior=120), adam=Adam(20), chunk=10)
    one = fit(cosine, model, progress=False, **kw)
    four = fit(cosine, model, progress=False, devices=0, **kw)
    figures["fbpinn_loss"] = rel(four.history["loss"], one.history["loss"])
    figures["fbpinn_rel_l2"] = rel(four.history["rel_l2"], one.history["rel_l2"])
    assert figures["fbpinn_loss"] < 1e-5 and figures["fbpinn_rel_l2"] < 1e-5, figures
    figures["fbpinn_s"] = time.perf_counter() - t

print("OK", json.dumps(figures))
