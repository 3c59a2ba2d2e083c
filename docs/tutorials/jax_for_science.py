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
# # JAX for scientific computing
#
# physax is written in JAX, and every model, solver and loss in it is a JAX function.
# This tutorial is the JAX you need to read and extend it: arrays, the three
# transformations (`jit`, `grad`, `vmap`) and their relatives, random numbers, the
# rules JAX imposes ("the sharp bits"), and a timing table measured on *your* machine,
# including the 2-D acoustic wave simulation that the scalable-PINNs workshop and the
# "Introduction to JAX" lecture use to show what compilation buys.
#
# Everything on this page runs top to bottom as a script; `PHYSAX_DOCS_QUICK=1`
# shrinks the timing problems so the test suite can run it in seconds.

# %%
import os
import time

import jax
import jax.numpy as jnp
import matplotlib.pyplot as plt
import numpy as np

QUICK = os.environ.get("PHYSAX_DOCS_QUICK") == "1"
print("JAX", jax.__version__, "on", jax.devices()[0].platform, "| quick mode:", QUICK)

# %% [markdown]
# ## Arrays: NumPy's API, but immutable
#
# `jax.numpy` mirrors NumPy's functions. The arrays it returns live on the default
# device (CPU here, a GPU if one is installed) and are **immutable**: there is no
# in-place assignment. An "update" returns a new array through the `.at[...]` syntax;
# under `jit` the compiler turns it back into an in-place write whenever the old array
# is not used again, so the functional style costs nothing.

# %%
x = jnp.linspace(0.0, 1.0, 5)
print(type(x).__name__, x.dtype, x)

try:
    x[0] = 10.0
    raised = False
except TypeError as err:
    raised = True
    print("in-place assignment refused:", str(err).splitlines()[0])
assert raised

y = x.at[0].set(10.0)  # a new array; x is unchanged
z = x.at[1:3].add(1.0)
print("x =", x, "\ny =", y, "\nz =", z)
assert float(x[0]) == 0.0 and float(y[0]) == 10.0

# %% [markdown]
# JAX defaults to 32-bit floats. Double precision is opt-in, per computation, with
# `jax.enable_x64` (physax uses it this way for its float64 reference solves and the
# L-BFGS polish, without flipping the global flag for the rest of your program).

# %%
print(jnp.ones(3).dtype)
with jax.enable_x64(True):
    print(jnp.ones(3).dtype)

# %% [markdown]
# ## Compiling with jit: trace once, run fast
#
# `jax.jit(f)` does not run `f` with numbers the first time it is called. It runs it
# with *tracers*, abstract values that only know shape and dtype, and records every
# primitive operation into a small functional program, the **jaxpr**. XLA then compiles
# the jaxpr for the device, fusing elementwise operations into a single loop. Later calls
# with the same shapes and dtypes reuse the compiled code.
#
# `jax.make_jaxpr` shows the recorded program:


# %%
def poly(x):
    return x + x * x + x * x * x


print(jax.make_jaxpr(poly)(1.0))

# %% [markdown]
# Three multiplications and two additions, each a separate pass over memory when run
# eagerly; after `jit` they become one fused loop. Timing a compiled function needs two
# precautions: call it once first (the first call includes compilation) and wait for the
# result with `block_until_ready()`, because JAX dispatches work asynchronously.


# %%
def best_time(fn, repeats=5):
    """Best wall-clock seconds of ``fn()`` over ``repeats`` calls (after one warm-up)."""
    jax.block_until_ready(fn())
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        jax.block_until_ready(fn())
        times.append(time.perf_counter() - t0)
    return min(times)


poly_jit = jax.jit(poly)
a = jax.random.normal(jax.random.key(0), (1000, 1000))
t_eager = best_time(lambda: poly(a))
t_jit = best_time(lambda: poly_jit(a))
print(f"eager: {1e6 * t_eager:8.1f} µs   jit: {1e6 * t_jit:8.1f} µs   speed-up {t_eager / t_jit:.1f}x")
assert jnp.allclose(poly(a), poly_jit(a), rtol=1e-5)

# %% [markdown]
# The workshop measured 870 µs eager and 117 µs compiled (8x) for this function on a
# 1000 x 1000 array; the numbers above are your machine's.
#
# ## Derivatives with grad
#
# `jax.grad(f)` returns a new function that evaluates $\nabla f$ by reverse-mode
# automatic differentiation. `f` must return a scalar. `argnums` chooses which
# arguments to differentiate with respect to, and transformations compose: the gradient
# of a gradient is a second derivative.


# %%
def f(x, y):
    return jnp.sin(x) * y**2


df_dx = jax.grad(f)  # argnums=0 by default
df_dy = jax.grad(f, argnums=1)
df_both = jax.grad(f, argnums=(0, 1))  # a tuple of both partial derivatives
d2f_dx2 = jax.grad(jax.grad(f))

x0, y0 = 0.3, 2.0
print("df/dx    ", df_dx(x0, y0), "  exact", np.cos(x0) * y0**2)
print("df/dy    ", df_dy(x0, y0), "  exact", 2 * np.sin(x0) * y0)
print("both     ", df_both(x0, y0))
print("d2f/dx2  ", d2f_dx2(x0, y0), "  exact", -np.sin(x0) * y0**2)
assert np.isclose(df_dx(x0, y0), np.cos(x0) * y0**2, rtol=1e-5)
assert np.isclose(df_dy(x0, y0), 2 * np.sin(x0) * y0, rtol=1e-5)
assert np.isclose(d2f_dx2(x0, y0), -np.sin(x0) * y0**2, rtol=1e-5)

# %% [markdown]
# `jax.value_and_grad` returns the value and the gradient from one pass, which is what
# a training loop wants (the loss to log, the gradient to step with).
#
# ## Jacobians, Hessians, and the two primitives underneath
#
# For a function $g:\mathbb{R}^n\to\mathbb{R}^m$ JAX offers the full Jacobian in forward
# mode (`jacfwd`, one pass per input, cheap when $n \le m$) or reverse mode (`jacrev`,
# one pass per output, cheap when $m \le n$), and `hessian` (forward over reverse). All
# of them are built from two primitives:
#
# - `jvp`, the Jacobian-vector product $J v$ (forward mode: one pass, any $v$);
# - `vjp`, the vector-Jacobian product $u^\top J$ (reverse mode: one backward pass).
#
# A PINN needs $\partial u/\partial t$, $\partial^2 u/\partial x^2$, ... of a network
# with two inputs: forward mode is the natural choice, and physax propagates Taylor
# coefficients forward through the network for exactly that reason.


# %%
def g(v):
    return jnp.array([v[0] * v[1], jnp.sin(v[0]) + v[1] ** 3, jnp.exp(v[0] - v[1])])


v0 = jnp.array([0.5, -1.0])
J_fwd = jax.jacfwd(g)(v0)
J_rev = jax.jacrev(g)(v0)
print("Jacobian (3 x 2):\n", J_fwd)
assert jnp.allclose(J_fwd, J_rev, atol=1e-6)

tangent = jnp.array([1.0, 2.0])
value, jv = jax.jvp(g, (v0,), (tangent,))
print("J v  =", jv)
assert jnp.allclose(jv, J_fwd @ tangent, atol=1e-6)

value, pullback = jax.vjp(g, v0)
cotangent = jnp.array([1.0, 0.0, -1.0])
(uJ,) = pullback(cotangent)
print("u^T J =", uJ)
assert jnp.allclose(uJ, cotangent @ J_fwd, atol=1e-6)


def h(v):
    return v[0] ** 2 * v[1] + jnp.cos(v[1])


H = jax.hessian(h)(v0)
print("Hessian of h:\n", H)
exact_H = jnp.array([[2 * v0[1], 2 * v0[0]], [2 * v0[0], -jnp.cos(v0[1])]])
assert jnp.allclose(H, exact_H, atol=1e-6)

# %% [markdown]
# ## Batching with vmap: write it for one sample, run it on a batch
#
# `jax.vmap(f, in_axes=...)` turns a function of one example into a function of a
# batch, without a Python loop and without rewriting `f` with batch dimensions.
# `in_axes` says, per argument, which axis is the batch axis (`None`: the argument is
# shared by every example). physax's modules all work on one point or one sample and are
# batched this way.


# %%
def affine(W, b, x):  # one input vector x
    return jnp.tanh(W @ x + b)


kW, kx = jax.random.split(jax.random.key(1))
W = jax.random.normal(kW, (4, 3))
b = jnp.zeros(4)
xs = jax.random.normal(kx, (128, 3))  # a batch of 128 inputs

batched = jax.vmap(affine, in_axes=(None, None, 0))  # W, b shared; x batched on axis 0
out = batched(W, b, xs)
loop = jnp.stack([affine(W, b, x) for x in xs])
print(out.shape)
assert jnp.allclose(out, loop, atol=1e-6)

# per-example gradients: vmap over grad
per_example = jax.vmap(jax.grad(lambda x: jnp.sum(affine(W, b, x) ** 2)))(xs)
print("per-example input gradients:", per_example.shape)

# %% [markdown]
# ## Random numbers: explicit keys
#
# NumPy keeps a hidden global random state. JAX cannot (a compiled, parallel program has
# no "previous call"), so randomness takes an explicit **key**. The same key always gives
# the same numbers; to get new numbers you `split` a key into independent subkeys and
# never reuse a key you have consumed. physax follows the same rule: every function that
# draws random numbers has a keyword-only `key=`.

# %%
key = jax.random.key(42)
print(jax.random.normal(key, (3,)))
print(jax.random.normal(key, (3,)), " <- same key, same numbers")
key, sub1, sub2 = jax.random.split(key, 3)
print(jax.random.normal(sub1, (3,)))
print(jax.random.normal(sub2, (3,)))
assert jnp.array_equal(jax.random.normal(sub1, (3,)), jax.random.normal(sub1, (3,)))
assert not jnp.array_equal(jax.random.normal(sub1, (3,)), jax.random.normal(sub2, (3,)))

# %% [markdown]
# ## The sharp bits
#
# The transformations assume some rules. Break one and the result is an error or,
# worse, a silently wrong program.
#
# **Pure functions.** A jitted function's Python body runs once, at trace time. Side
# effects (printing, appending to a list, reading a global that later changes) happen at
# tracing, not at every call:

# %%
calls = []


@jax.jit
def impure(x):
    calls.append("traced")  # runs only while tracing
    print("tracing with", x)  # prints a tracer, once
    return 2 * x


impure(1.0)
impure(2.0)  # same shape and dtype: cached, the body does not run again
print(calls)
assert calls == ["traced"]

# %% [markdown]
# **Static shapes.** Every array inside a compiled function has a shape known at trace
# time. A function whose *output shape* depends on *values*, such as `jnp.nonzero`,
# must be told the size:


# %%
@jax.jit
def positive_entries(x):
    return x[jnp.nonzero(x > 0, size=3, fill_value=0)]


print(positive_entries(jnp.array([-1.0, 2.0, -3.0, 4.0, 5.0])))

# %% [markdown]
# **Control flow on values.** Python `if` on a traced value fails inside `jit` (the
# tracer has no value yet). Use `jnp.where` for elementwise choices and `lax.cond`,
# `lax.fori_loop`, `lax.scan` for control flow; Python loops over a fixed count are fine
# but are unrolled into the program.


# %%
@jax.jit
def relu_where(x):
    return jnp.where(x > 0, x, 0.0)


try:

    @jax.jit
    def relu_if(x):
        return x if x > 0 else 0.0

    relu_if(1.0)
    failed = False
except jax.errors.TracerBoolConversionError:
    failed = True
print("Python `if` on a tracer raised an error:", failed, "| jnp.where:", relu_where(jnp.array([-1.0, 2.0])))
assert failed

# %% [markdown]
# **Out-of-place updates** (above) and **explicit random keys** (above) complete the
# list. One more that bites scientists: out-of-bounds indexing does not raise inside
# JAX; reads are clamped to the last element and out-of-bounds writes are dropped.

# %%
print(jnp.arange(5)[10], " <- index 10 of a length-5 array returns the last element")

# %% [markdown]
# ## NumPy vs JAX on this machine
#
# Three measurements, each the best of several calls after a warm-up:
#
# 1. a dense matrix product;
# 2. the jitted polynomial from above;
# 3. the 2-D acoustic wave simulation from the workshop and the lecture: 300 x 300 grid,
#    1000 time steps, every wavefield kept, written once as a plain NumPy loop and once
#    with physax's finite-difference solver, `physax.solvers.wave.simulate`, whose time
#    loop is a compiled `lax.scan`.
#
# The scheme is the variable-density acoustic equation
# $\frac{1}{\kappa}\partial_t^2 p = \nabla\cdot(\frac{1}{\rho}\nabla p) + s$ with
# $\kappa = \rho c^2$, second order in space on a staggered grid and leapfrog in time:
#
# $$p^{n+1} = 2p^n - p^{n-1} + \Delta t^2\,\kappa\,\big[D_x^-(b_x D_x^+ p^n) + D_z^-(b_z D_z^+ p^n)\big] + \Delta t^2\,\kappa\, s^n / h^2,$$
#
# where $D^\pm$ are forward/backward differences and $b$ is $1/\rho$ averaged to the
# half-cells. The NumPy version is written the way one writes it first: one line per
# operation, new arrays each step.

# %%
from physax.solvers.wave import AcousticModel, Shot, ricker, simulate, synthetic_model

n_grid, n_steps = (100, 200) if QUICK else (300, 1000)
dx, f0 = 10.0, 15.0
velocity = np.asarray(synthetic_model(n_grid, n_grid, dx).velocity, np.float32)
density = (310.0 * velocity**0.25).astype(np.float32)  # Gardner's relation
dt = 0.4 * dx / float(velocity.max())  # well inside the CFL limit
wavelet = np.asarray(ricker(f0, dt, n_steps), np.float32)
src = (n_grid // 2, n_grid // 2)


def wave_numpy(velocity, density, wavelet, src, dx, dt):
    """All wavefields of the staggered order-2 scheme, plain NumPy, rigid outer edges."""
    kappa = density * velocity**2
    rho_right = np.concatenate([density[:, 1:], density[:, -1:]], axis=1)
    rho_down = np.concatenate([density[1:, :], density[-1:, :]], axis=0)
    bx = 2.0 / (density + rho_right)  # 1/rho between a cell and its right neighbour
    bz = 2.0 / (density + rho_down)  # ... and the one below
    p_old = np.zeros_like(velocity)
    p = np.zeros_like(velocity)
    out = np.empty((len(wavelet), *velocity.shape), velocity.dtype)
    for n in range(len(wavelet)):
        out[n] = p
        grad_x = np.zeros_like(p)
        grad_x[:, :-1] = p[:, 1:] - p[:, :-1]
        grad_x[:, -1] = -p[:, -1]  # p = 0 beyond the last column
        grad_z = np.zeros_like(p)
        grad_z[:-1, :] = p[1:, :] - p[:-1, :]
        grad_z[-1, :] = -p[-1, :]
        flux_x = bx * grad_x / dx
        flux_z = bz * grad_z / dx
        div = np.zeros_like(p)
        div[:, 0] = flux_x[:, 0]  # no flux enters through the first column
        div[:, 1:] = flux_x[:, 1:] - flux_x[:, :-1]
        div[0, :] += flux_z[0, :]
        div[1:, :] += flux_z[1:, :] - flux_z[:-1, :]
        p_new = 2 * p - p_old + dt**2 * kappa * div / dx
        p_new[src] += dt**2 * kappa[src] * wavelet[n] / dx**2
        p_old, p = p, p_new
    return out


model = AcousticModel(jnp.asarray(velocity), jnp.asarray(density), dx=dx)
shot = Shot([src], [src], jnp.asarray(wavelet))


def wave_jax():
    return simulate(model, shot, dt=dt, order=2, snapshot_every=1).snapshots


t0 = time.perf_counter()
fields_np = wave_numpy(velocity, density, wavelet, src, dx, dt)
t_wave_np = time.perf_counter() - t0
t0 = time.perf_counter()
fields_jax = np.asarray(jax.block_until_ready(wave_jax()))
t_wave_first = time.perf_counter() - t0
t_wave_jax = best_time(wave_jax, repeats=3)
rel_diff = float(np.abs(fields_jax - fields_np).max() / np.abs(fields_np).max())
print(f"max relative difference NumPy vs physax: {rel_diff:.1e}")
assert fields_jax.shape == fields_np.shape == (n_steps, n_grid, n_grid)
assert rel_diff < 1e-3, rel_diff

# %% [markdown]
# Both codes compute the same wavefields (the difference is float32 round-off). Here
# they are, at four times, with the layers of the velocity model drawn as contours: the
# wavefront bends and reflects where the velocity changes.

# %%
fig, axes = plt.subplots(1, 4, figsize=(13, 3.4), constrained_layout=True)
extent = (0, n_grid * dx / 1000, n_grid * dx / 1000, 0)
for ax, frac in zip(axes, (0.25, 0.45, 0.65, 0.85)):
    k = int(frac * n_steps)
    scale = np.percentile(np.abs(fields_jax[k]), 99.5)  # per snapshot: the wave weakens as it spreads
    ax.imshow(fields_jax[k], cmap="RdBu_r", vmin=-scale, vmax=scale, extent=extent)
    ax.contour(velocity, levels=6, colors="k", linewidths=0.4, extent=extent, origin="upper")
    ax.set_title(f"t = {k * dt:.2f} s")
    ax.set_xlabel("x (km)")
axes[0].set_ylabel("z (km)")
plt.show()

# %% [markdown]
# Now the table. The matrix product uses the same float32 inputs for both libraries.

# %%
n_mat = 500 if QUICK else 2000
A = np.random.default_rng(0).standard_normal((n_mat, n_mat)).astype(np.float32)
A_jax = jnp.asarray(A)
matmul_jax = jax.jit(jnp.matmul)
t_mm_np = best_time(lambda: A @ A, repeats=3)
t_mm_jax = best_time(lambda: matmul_jax(A_jax, A_jax), repeats=3)

a_np = np.asarray(a)
t_poly_np = best_time(lambda: poly(a_np))  # the same Python function, on NumPy arrays

rows = [
    (f"matmul {n_mat} x {n_mat}", t_mm_np, t_mm_jax),
    ("x + x² + x³ on 1000 x 1000", t_poly_np, t_jit),
    (f"wave {n_grid}² x {n_steps} steps", t_wave_np, t_wave_jax),
]
print(f"{'task':<30}{'NumPy':>12}{'JAX (jit)':>12}{'speed-up':>10}")
for name, t_np, t_jx in rows:
    print(f"{name:<30}{t_np:>11.4f}s{t_jx:>11.4f}s{t_np / t_jx:>9.1f}x")
print(f"(the wave simulation's first JAX call, compilation included: {t_wave_first:.2f} s)")
print("device:", jax.devices()[0].device_kind, "|", os.cpu_count(), "CPU cores visible")

# %% [markdown]
# For comparison, the workshop's numbers for the same wave simulation (300 x 300,
# 1000 steps) were **8.06 s** in NumPy and **1.58 s** with JAX on the CPU of an Apple
# M1 Max (5x), and **65.5 ms** with JAX on an NVIDIA RTX 3090 GPU (123x). On a GPU the
# code above runs unchanged; the only difference is `pip install -e ".[cuda]"`.
#
# Why the speed-up? Each NumPy operation is a separate pass over memory that allocates a
# new array, and Python dispatches every one of them, a dozen or so per time step; the
# compiled loop fuses the stencil into a few passes and keeps the whole time loop inside
# XLA. How large the ratio is depends as much on the NumPy side as on JAX. The loop above
# writes into slices of preallocated arrays; the project's benchmark
# (`benchmarks/wave_vs_numpy.py`) times a version built from `np.diff` with padding, one
# new array per operation, as in the course's code, and measures 18x on the project's
# 2-core machine. A matrix product, which both libraries hand to an optimised kernel, gains
# little on a CPU.
#
# ## Where next
#
# - [A first neural network in JAX](../first_network/): `grad` + Optax on a classifier.
# - [A PINN from scratch, then with physax](../pinn_from_scratch/): derivatives of a network
#   with respect to its inputs, and the physics loss.
# - The [differentiable solvers concept page](../../concepts/solvers/) for the wave solver
#   inside an inversion loop.
