# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Differentiable simulation and inversion
#
# A PINN learns a solution by making a network satisfy the equation. The other way to mix
# physics and machine learning keeps a classical solver and **differentiates through
# it**: if the simulator is written in JAX, `jax.grad` gives the gradient of any output
# with respect to any input, here the velocity of the medium, and an Optax optimiser can
# then fit the input to observations. This tutorial follows the JAX lectures:
#
# 1. the finite-difference acoustic wave solver `physax.solvers.wave`;
# 2. the lectures' toy inversion: recover a velocity anomaly from the *full wavefield*
#    with `jax.grad` and Adam;
# 3. real full-waveform inversion (FWI) from *surface traces only*, with frequency
#    continuation, using `physax.inverse.fwi`.
#
# With `PHYSAX_DOCS_QUICK=1` the inversions run fewer iterations so that the page runs as
# a test in a fraction of the time; the figures quoted in the text are those of the full run of
# this page on the project's 2-core CPU machine, loaded by other jobs.

# %%
import os
import time

import jax
import jax.numpy as jnp
import matplotlib.pyplot as plt
import numpy as np
import optax

from physax import inverse
from physax.solvers import wave

QUICK = os.environ.get("PHYSAX_DOCS_QUICK") == "1"

# %% [markdown]
# ## 1. The wave solver
#
# The 2-d acoustic wave equation for the pressure $p(t, z, x)$ in a medium of velocity
# $c(z, x)$, driven by a point source $s(t)$ at $\mathbf{x}_s$,
#
# $$\frac{\partial^2 p}{\partial t^2} = c^2\,\nabla^2 p + c^2\, s(t)\,\delta(\mathbf x - \mathbf x_s),$$
#
# is discretised on a grid of spacing $h$ with central differences in space (order 2 to
# 8) and the leapfrog scheme in time,
# $p^{n+1} = 2p^n - p^{n-1} + \Delta t^2 c^2 \nabla_h^2 p^n + \dots$, stable for
# $\Delta t$ below a CFL limit (`wave.max_stable_dt`). Convolutional perfectly matched
# layers (`wave.CPML`) absorb the waves that leave the grid, so the small grid behaves
# like a piece of an infinite medium. The source is a Ricker wavelet.
#
# `wave.synthetic_model` builds a test medium: four layers, a dipping interface and a
# slow lens. One shot at the surface, with the pressure on the grid every 50 steps:

# %%
NX, NZ, DX = (60, 30, 20.0) if QUICK else (80, 40, 20.0)
DT, F0, T_END = 0.002, 8.0, 1.2
n_steps = int(round(T_END / DT))
true = wave.synthetic_model(NX, NZ, DX)
print(
    f"grid {NZ} x {NX} cells of {DX} m; dt = {DT} s (CFL limit {wave.max_stable_dt(3500.0, DX, order=4):.4f} s)"
)

pml = wave.CPML((0, 15, 15, 15), f0=F0, free_surface=True, velocity_max=3500.0)  # free surface on top
shot = wave.Shot([[1, NX // 2]], [[1, i] for i in range(NX)], wave.ricker(F0, DT, n_steps))
t0 = time.perf_counter()
solution = wave.simulate(true, shot, dt=DT, order=4, boundary=pml, snapshot_every=50)
solution.traces.block_until_ready()
print(f"{n_steps} time steps in {time.perf_counter() - t0:.2f} s (including compilation)")

fig, axes = plt.subplots(1, 4, figsize=(15, 2.8), constrained_layout=True)
extent = (0, NX * DX / 1000, NZ * DX / 1000, 0)
im = axes[0].imshow(true.velocity, extent=extent, cmap="viridis")
fig.colorbar(im, ax=axes[0], label="m/s")
axes[0].set_title("velocity")
for ax, k in zip(axes[1:], (3, 5, 8)):
    snap = solution.snapshots[k]
    lim = float(jnp.abs(snap).max())
    ax.imshow(snap, extent=extent, cmap="RdBu_r", vmin=-lim, vmax=lim)
    ax.set_title(f"pressure at t = {k * 50 * DT:.1f} s")
for ax in axes:
    ax.set_xlabel("x (km)")
axes[0].set_ylabel("depth (km)")
plt.show()

# %%
lim = float(jnp.percentile(jnp.abs(solution.traces), 99))
plt.figure(figsize=(6, 4))
plt.imshow(
    solution.traces, aspect="auto", cmap="Greys", vmin=-lim, vmax=lim, extent=(0, NX * DX / 1000, T_END, 0)
)
plt.xlabel("receiver x (km)")
plt.ylabel("time (s)")
plt.title("shot gather: what surface receivers record")
plt.show()

# %% [markdown]
# The shot gather shows the direct wave along the surface, and below it the reflections
# from the layer boundaries: the only information about the subsurface a seismic survey
# has. Because `simulate` is JAX code (a `lax.scan` over time steps, checkpointed so that
# reverse mode stores one state per segment), it runs under `jit`, `vmap` (many shots:
# `simulate_shots`) and `grad`.
#
# ## 2. The lectures' toy inversion
#
# The JAX lectures close with an inversion in a dozen lines: simulate the wavefield of a
# *true* velocity, start from a homogeneous guess, and minimise the mean squared
# difference between the simulated and the true **full wavefield** (every grid point,
# many times) with Adam. That is an easy, unrealistic setting (nobody records the
# wavefield inside the Earth), and a good first test of differentiating through a solver.
# Here: a 60 x 60 grid, a source in the middle, and a fast Gaussian anomaly of +400 m/s
# beside it.

# %%
N, H, DT_TOY, F0_TOY = 60, 10.0, 1e-3, 20.0
zz, xx = np.meshgrid(np.arange(N), np.arange(N), indexing="ij")
v_true = jnp.asarray(2000.0 + 400.0 * np.exp(-((zz - 38) ** 2 + (xx - 22) ** 2) / (2 * 6.0**2)), jnp.float32)
# an explicit dtype: a weak-typed start would make `step` compile twice
v_start = jnp.full((N, N), 2000.0, jnp.float32)
toy_shot = wave.Shot([[N // 2, N // 2]], [[0, 0]], wave.ricker(F0_TOY, DT_TOY, 300))
toy_pml = wave.CPML(10, f0=F0_TOY, velocity_max=3000.0)


def wavefield(velocity):
    model = wave.AcousticModel(velocity, dx=H)
    return wave.simulate(model, toy_shot, dt=DT_TOY, order=4, boundary=toy_pml, snapshot_every=5).snapshots


observed_field = wavefield(v_true)


def loss(velocity):
    return jnp.mean((wavefield(velocity) - observed_field) ** 2)


optimizer = optax.adam(learning_rate=60.0)  # about the largest change per step, in m/s


@jax.jit
def step(velocity, state):
    value, grad = jax.value_and_grad(loss)(velocity)
    updates, state = optimizer.update(grad, state)
    return optax.apply_updates(velocity, updates), state, value


velocity, state = v_start, optimizer.init(v_start)
toy_losses = []
ITERS_TOY = 60 if QUICK else 250
t0 = time.perf_counter()
for _ in range(ITERS_TOY):
    velocity, state, value = step(velocity, state)
    toy_losses.append(float(value))
anomaly_err = lambda v: float(jnp.linalg.norm(v - v_true) / jnp.linalg.norm(v_true - 2000.0))
print(
    f"{ITERS_TOY} Adam steps in {time.perf_counter() - t0:.0f} s: "
    f"anomaly error {anomaly_err(v_start):.2f} -> {anomaly_err(velocity):.2f}, loss {toy_losses[0]:.2e} -> {toy_losses[-1]:.2e}"
)
assert anomaly_err(velocity) < (0.8 if QUICK else 0.5), anomaly_err(velocity)

# %%
fig, axes = plt.subplots(1, 4, figsize=(15, 3), constrained_layout=True)
for ax, v, title in ((axes[0], v_true, "true"), (axes[1], v_start, "start"), (axes[2], velocity, "inverted")):
    im = ax.imshow(v, cmap="viridis", vmin=1950, vmax=2420)
    ax.plot(N // 2, N // 2, "r*", ms=10)
    ax.set_title(f"{title} velocity")
fig.colorbar(im, ax=axes[:3], label="m/s", shrink=0.8)
axes[3].semilogy(toy_losses)
axes[3].set_xlabel("Adam step")
axes[3].set_title("wavefield misfit")
plt.show()

# %% [markdown]
# The gradient of the misfit with respect to 3600 velocities costs about two
# simulations (one forward, one backward through the time loop); with the full
# wavefield observed, the anomaly comes back with no further ingenuity. In the full run
# of this page, 250 steps brought the anomaly's relative error from 1 to 0.31 (the misfit
# fell by a factor of 140) in 11 minutes on the loaded 2-core machine; the quick mode's 60
# steps reach 0.58.
#
# ## 3. Full-waveform inversion from surface traces
#
# In practice only the traces at the surface are recorded, the misfit is highly
# non-convex (a simulated wave more than half a period away from the observed one pulls
# the model the wrong way: *cycle skipping*), and the velocity must stay physical. The
# standard remedies, all in `physax.inverse.fwi` (Tarantola 1984; Virieux & Operto 2009):
#
# - **frequency continuation** (Bunks et al. 1995): invert low-passed data first, where
#   the waves are long and cycle skipping is rare, then raise the cutoff band by band;
# - a **bounded, preconditioned parametrisation** (`BoundedVelocity`): the velocity is a
#   logistic function of the unknowns between `vmin` and `vmax`, with light smoothing of
#   the update and the top row (the sources' row) kept fixed;
# - any **Optax optimiser**, here L-BFGS, restarted at each band.
#
# The data: shots spread along the surface of the layered model above, every cell a
# receiver, 1.2 s recorded. The starting model is the true one blurred with a Gaussian of
# 12 cells: the layers and the lens are gone, only the trend with depth is left.

# %%
N_SHOTS = 6 if QUICK else 8
shots = inverse.surface_shots(NX, n_shots=N_SHOTS, f0=F0, dt=DT, n_steps=n_steps)
observed = wave.simulate_shots(true, shots, dt=DT, order=4, boundary=pml).traces
start = wave.AcousticModel(wave.smooth_model(true.velocity, 12.0), dx=DX)
bands = [2.0, 3.0, 4.5, 6.5, 9.0, None]  # low-pass cutoffs in Hz; None: the full band
iterations = [5, 5, 5, 5, 5, 10] if QUICK else [10, 10, 10, 15, 20, 40]
t0 = time.perf_counter()
result = inverse.fwi(
    start,
    shots,
    observed,
    dt=DT,
    bounds=(1500.0, 3500.0),
    bands=bands,
    iterations=iterations,
    optimizer=optax.lbfgs(memory_size=30),
    smoothing=1.0,
    mask_rows=1,
    order=4,
    boundary=pml,
)
t_fwi = time.perf_counter() - t0
inverted = result.model


def model_error(model):
    return float(jnp.linalg.norm(model.velocity - true.velocity) / jnp.linalg.norm(true.velocity))


h = result.history
print(f"{sum(iterations)} iterations over {len(bands)} bands in {t_fwi:.0f} s")
print(f"velocity error: start {model_error(start):.3f}, inverted {model_error(inverted):.3f}")
full = np.asarray(h["band"]) == len(bands) - 1
misfit_full = np.asarray(h["misfit"])[full]
print(f"full-band data misfit: {misfit_full[0]:.3e} at the start of the band -> {misfit_full[-1]:.3e}")
assert model_error(inverted) < 0.8 * model_error(start), (model_error(inverted), model_error(start))

# %%
fig, axes = plt.subplots(1, 3, figsize=(15, 2.8), constrained_layout=True)
for ax, m, title in ((axes[0], true, "true"), (axes[1], start, "start"), (axes[2], inverted, "inverted")):
    im = ax.imshow(m.velocity, extent=extent, cmap="viridis", vmin=1700, vmax=3300)
    ax.set_title(f"{title}: error {model_error(m):.3f}")
    ax.set_xlabel("x (km)")
axes[0].set_ylabel("depth (km)")
fig.colorbar(im, ax=axes, label="m/s", shrink=0.9)
plt.show()

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(13, 3.5), constrained_layout=True)
band = np.asarray(h["band"])
for b in np.unique(band):
    sel = band == b
    cutoff = bands[int(b)]
    ax1.semilogy(
        np.asarray(h["step"])[sel],
        np.asarray(h["misfit"])[sel],
        label=f"{cutoff} Hz" if cutoff else "full band",
    )
ax1.set_xlabel("iteration")
ax1.set_title("misfit per band (each band is its own low-passed data)")
ax1.legend(fontsize=8)
col = NX // 2
depth = np.arange(NZ) * DX / 1000
for m, style, name in ((true, "k", "true"), (start, "C1--", "start"), (inverted, "C0", "inverted")):
    ax2.plot(np.asarray(m.velocity)[:, col], depth, style, label=name)
ax2.invert_yaxis()
ax2.set_xlabel("velocity (m/s)")
ax2.set_ylabel("depth (km)")
ax2.set_title(f"profile at x = {col * DX / 1000:.1f} km")
ax2.legend()
plt.show()

# %%
residual_start = wave.simulate_shots(start, shots, dt=DT, order=4, boundary=pml).traces[0] - observed[0]
residual_inv = wave.simulate_shots(inverted, shots, dt=DT, order=4, boundary=pml).traces[0] - observed[0]
lim = float(jnp.percentile(jnp.abs(observed[0]), 99))
fig, axes = plt.subplots(1, 3, figsize=(14, 3.6), constrained_layout=True, sharey=True)
for ax, d, title in (
    (axes[0], observed[0], "observed (shot 1)"),
    (axes[1], residual_start, "residual, start model"),
    (axes[2], residual_inv, "residual, inverted model"),
):
    ax.imshow(d, aspect="auto", cmap="Greys", vmin=-lim, vmax=lim, extent=(0, NX * DX / 1000, T_END, 0))
    ax.set_title(title)
    ax.set_xlabel("receiver x (km)")
axes[0].set_ylabel("time (s)")
plt.show()

# %% [markdown]
# In the full run of this page (80 x 40 cells, 8 shots, 105 L-BFGS iterations in six
# bands, 467 s on the loaded 2-core machine) the relative velocity error fell from 0.082
# for the start model to 0.040, and the full-band misfit by a factor of 23 within its
# last band; the layers and the top of the lens reappear, and the data residual of the
# inverted model is a small fraction of the start model's. The deepest part, below the
# reach of the reflections in 1.2 s, is the least resolved. (Quick mode, 60 x 30 cells,
# 6 shots, 35 iterations: 0.112 to 0.068.)
#
# The command-line experiment `physax run fwi` is the same inversion at its full length
# (2555 iterations in seven bands): the project measured the velocity error falling by a
# factor of 3.6 and the misfit by a factor of about 4e5 in about 7 minutes on this
# machine (`benchmarks/README.md`). It writes checkpoints and can be resumed.
#
# ## What to take away
#
# - A simulator written in JAX is differentiable end to end: `jax.grad` of a misfit is the
#   adjoint-state gradient of geophysics, without writing the adjoint.
# - The toy full-wavefield problem is easy; real FWI from surface data needs frequency
#   continuation, bounds and a good starting model, which are optimisation choices, not
#   machine learning.
# - Compared with a PINN, the solver here is exact to its discretisation at every
#   iteration: the unknowns are the physical parameters themselves, and no network has to
#   learn the wave propagation.
