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
# # A PINN from scratch, then with physax
#
# A physics-informed neural network (PINN) is a network $u_\theta(t, x)$ trained so that
# the differential equation holds at many points, the initial and boundary conditions
# hold, and (for an inverse problem) the network matches measurements while unknown
# coefficients of the equation are learned alongside its weights (Raissi, Perdikaris &
# Karniadakis 2019). This tutorial builds one in about forty lines of plain JAX, then
# does the same and more with physax:
#
# 1. a damped harmonic oscillator, forward and inverse, from scratch;
# 2. the same problem with `physax.problems.DampedOscillator` and `physax.pinn.fit`;
# 3. Burgers' equation: identify $\lambda_1, \lambda_2$ in
#    $u_t + \lambda_1 u u_x - \lambda_2 u_{xx} = 0$ from 2000 observations;
# 4. the heat equation (identify the diffusivity) and the nonlinear Schrödinger equation.
#
# With `PHYSAX_DOCS_QUICK=1` every training run is shortened so the page runs as a test
# in a few minutes; the figures quoted in the text are those of the full run on this
# page.

# %%
import os
import tempfile
import time

import jax
import jax.numpy as jnp
import matplotlib.pyplot as plt
import numpy as np
import optax

QUICK = os.environ.get("PHYSAX_DOCS_QUICK") == "1"
RUNS = tempfile.mkdtemp(prefix="physax-tutorial-")  # run directories of this page

# %% [markdown]
# ## 1. The damped oscillator in plain JAX
#
# A mass on a spring with damping obeys
#
# $$u'' + 2d\,u' + \omega_0^2 u = 0, \qquad u(0) = 1,\quad u'(0) = 0,\qquad t\in[0, 1],$$
#
# whose under-damped solution is
# $u = e^{-dt}\big(\cos\omega t + \tfrac{d}{\omega}\sin\omega t\big)$,
# $\omega = \sqrt{\omega_0^2 - d^2}$. We take $d = 2$, $\omega_0 = 20$ (three
# oscillations), the values of the PINN workshop.
#
# The loss has three terms: the mean squared residual of the equation at 200 points
# (divided by $\omega_0^2$ so that it is of order one), and the two initial conditions.
# The network's derivatives with respect to its input $t$ come from `jax.grad` applied
# twice; `jax.vmap` evaluates the residual at every point. Training runs 500 Adam steps
# per compiled call (`lax.scan`).

# %%
D, W0 = 2.0, 20.0


def exact(t, d=D, w0=W0):
    w = np.sqrt(w0**2 - d**2)
    return np.exp(-d * t) * (np.cos(w * t) + d / w * np.sin(w * t))


def init_mlp(sizes, key):
    keys = jax.random.split(key, len(sizes) - 1)
    return [
        (jax.random.normal(k, (o, i)) * jnp.sqrt(2.0 / (i + o)), jnp.zeros(o))
        for k, i, o in zip(keys, sizes[:-1], sizes[1:])
    ]


def u(params, t):  # the network: one time t -> one displacement
    h = jnp.array([t])
    for W, b in params[:-1]:
        h = jnp.tanh(W @ h + b)
    W, b = params[-1]
    return (W @ h + b)[0]


u_t = jax.grad(u, argnums=1)
u_tt = jax.grad(u_t, argnums=1)


def residual(params, d, t):
    return (u_tt(params, t) + 2 * d * u_t(params, t)) / W0**2 + u(params, t)


t_phys = jnp.linspace(0.0, 1.0, 200)


def forward_loss(params):
    r = jax.vmap(residual, in_axes=(None, None, 0))(params, D, t_phys)
    return jnp.mean(r**2) + (u(params, 0.0) - 1.0) ** 2 + (u_t(params, 0.0) / W0) ** 2


def train(loss, params, steps, lr=1e-2):
    opt = optax.adam(optax.exponential_decay(lr, 2000, 0.7))
    state = opt.init(params)

    @jax.jit
    def chunk(params, state):
        def step(carry, _):
            params, state = carry
            value, grads = jax.value_and_grad(loss)(params)
            updates, state = opt.update(grads, state)
            return (optax.apply_updates(params, updates), state), value

        (params, state), values = jax.lax.scan(step, (params, state), None, length=500)
        return params, state, values

    losses = []
    for _ in range(steps // 500):
        params, state, values = chunk(params, state)
        losses.append(values)
    return params, np.concatenate(losses)


# %% [markdown]
# That is the whole method. Train it:

# %%
STEPS = 2000 if QUICK else 10000
t0 = time.perf_counter()
theta, losses = train(forward_loss, init_mlp([1, 32, 32, 32, 1], jax.random.key(0)), STEPS)
t_scratch = time.perf_counter() - t0
t_test = np.linspace(0.0, 1.0, 500)
u_scratch = np.asarray(jax.vmap(u, in_axes=(None, 0))(theta, jnp.asarray(t_test)))
err_scratch = np.linalg.norm(u_scratch - exact(t_test)) / np.linalg.norm(exact(t_test))
print(f"{STEPS} Adam steps in {t_scratch:.1f} s, relative L2 error {err_scratch:.2e}")
assert err_scratch < (0.5 if QUICK else 0.05), err_scratch

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 3.5), constrained_layout=True)
ax1.plot(t_test, exact(t_test), "k", lw=3, alpha=0.3, label="exact")
ax1.plot(t_test, u_scratch, "C0", label="PINN (plain JAX)")
ax1.set_xlabel("t")
ax1.legend()
ax2.semilogy(losses)
ax2.set_xlabel("Adam step")
ax2.set_title("loss")
plt.show()

# %% [markdown]
# ### The inverse problem: learn the damping from noisy data
#
# Now pretend $d$ is unknown, but we have 60 noisy measurements of $u$. The damping
# becomes a trainable scalar next to the weights, and the loss swaps the initial
# conditions for a data term. `jax.grad` differentiates with respect to the tuple
# `(weights, d)` as readily as with respect to the weights alone.

# %%
k_obs, k_noise = jax.random.split(jax.random.key(1))
t_obs = np.sort(np.asarray(jax.random.uniform(k_obs, (60,))))
u_obs = exact(t_obs) + 0.02 * np.asarray(jax.random.normal(k_noise, (60,)))


def inverse_loss(p):
    params, d = p
    r = jax.vmap(residual, in_axes=(None, None, 0))(params, d, t_phys)
    fit = jax.vmap(u, in_axes=(None, 0))(params, jnp.asarray(t_obs)) - u_obs
    return jnp.mean(r**2) + jnp.mean(fit**2)


(theta_inv, d_est), _ = train(
    inverse_loss, (init_mlp([1, 32, 32, 32, 1], jax.random.key(3)), jnp.array(0.0)), STEPS
)
d_err = abs(float(d_est) - D) / D
print(f"identified d = {float(d_est):.3f} (true {D}), error {100 * d_err:.1f} %")
assert d_err < (0.5 if QUICK else 0.1), d_err

plt.figure(figsize=(6, 3.3))
plt.plot(t_test, exact(t_test), "k", lw=3, alpha=0.3, label="exact")
plt.plot(t_obs, u_obs, "o", ms=4, label="noisy data")
plt.plot(
    t_test,
    jax.vmap(u, in_axes=(None, 0))(theta_inv, jnp.asarray(t_test)),
    label=f"PINN, d = {float(d_est):.2f}",
)
plt.xlabel("t")
plt.legend()
plt.show()

# %% [markdown]
# From 60 points with noise of 0.02 (2 % of the initial amplitude) the damping comes out
# within several per cent of the truth: the physics term fills in what the sparse, noisy
# data leave open, and the remaining error is set by the noise. More data, or the initial
# conditions as extra loss terms, tighten it.
#
# ## 2. The same with physax
#
# physax splits what we just wrote into reusable objects:
#
# | plain JAX above | physax |
# |---|---|
# | `exact`, `residual`, the initial conditions | `physax.problems.DampedOscillator(d, omega0)`: domain, residual, conditions, exact solution |
# | `init_mlp`, `u` | `physax.nn.MLP(1, "scalar", width, depth, key=...)` |
# | `jax.grad` twice through the network | `u.d("t", "t")` on a `Field`; all derivatives from one forward-mode Taylor pass |
# | `t_phys` | `physax.pinn.Collocation(n_interior=..., n_boundary=...)` |
# | `train` | `physax.pinn.fit(..., adam=Adam(...), lbfgs=LBFGS(...))`: compiled chunks, history, L-BFGS polish in float64 |
# | `d` as a trainable scalar | `Parameter(2.0, trainable=True, init=...)` |
#
# A problem's residual is written for one point against a `Field` `u`, which evaluates
# the network and any derivative by coordinate name. `DampedOscillator`'s is
# `u.d("t", "t") / w0**2 + 2 * d * u.d("t") / w0**2 + u()`, the same residual as ours.

# %%
import physax.pinn as pinn
from physax.nn import MLP
from physax.optim import LBFGS, Adam
from physax.problems import DampedOscillator, Parameter

problem = DampedOscillator(d=D, omega0=W0)
net = MLP(1, "scalar", width=32, depth=3, key=jax.random.key(0))
adam_steps = 1000 if QUICK else 5000
result = pinn.fit(
    problem,
    net,
    key=jax.random.key(1),
    collocation=pinn.Collocation(n_interior=200, n_boundary=2),
    adam=Adam(adam_steps, learning_rate=1e-2, decay_rate=0.7, decay_steps=2000),
    lbfgs=LBFGS(100 if QUICK else 1000),
    progress=False,
)
h = result.history
print("history columns:", h.columns)
print(
    f"relative L2 error vs exact: {h['rel_l2'][-1]:.2e} after {int(h['step'][-1])} steps, {h['wall_time_s'][-1]:.1f} s"
)
assert h["rel_l2"][-1] < (0.5 if QUICK else 0.01), h["rel_l2"][-1]

with jax.enable_x64(True):  # after the float64 L-BFGS phase the weights are float64
    u_physax = np.asarray(jax.vmap(result.model)(jnp.asarray(t_test)[:, None]))
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 3.5), constrained_layout=True)
ax1.plot(t_test, exact(t_test), "k", lw=3, alpha=0.3, label="exact")
ax1.plot(t_test, u_physax, "C1", label="physax PINN")
ax1.set_xlabel("t")
ax1.legend()
ax2.semilogy(h["step"], h["loss"], label="loss")
ax2.semilogy(h["step"], h["rel_l2"], label="rel. L2 error")
ax2.axvline(adam_steps, color="gray", ls=":", label="Adam → L-BFGS")
ax2.set_xlabel("step")
ax2.legend()
plt.show()

# %% [markdown]
# The L-BFGS phase after Adam (dotted line) is where most of the last digit of accuracy
# comes from: quasi-Newton steps on a smooth, deterministic loss are far more effective
# than more Adam steps. physax runs that phase in float64 (scoped to the phase; JAX's
# global flag is not touched), because a float32 line search stalls once the loss is
# small.
#
# The inverse problem is one change: the damping becomes a trainable `Parameter`, and
# observations drawn from the exact solution (with noise relative to the data's standard
# deviation) add the data term.

# %%
inverse_problem = DampedOscillator(d=Parameter(D, trainable=True, init=0.5), omega0=W0)
observations = inverse_problem.observations(40, key=jax.random.key(4), noise=0.05)
inverse = pinn.fit(
    inverse_problem,
    MLP(1, "scalar", width=32, depth=3, key=jax.random.key(5)),
    key=jax.random.key(6),
    observations=observations,
    collocation=pinn.Collocation(n_interior=200, n_boundary=2),
    adam=Adam(adam_steps, learning_rate=1e-2, decay_rate=0.7, decay_steps=2000),
    lbfgs=LBFGS(100 if QUICK else 1000),
    progress=False,
)
d_physax = inverse.parameters["d"]
print(f"identified d = {d_physax:.4f} (true {D}); error {100 * abs(d_physax - D) / D:.2f} %")
assert abs(d_physax - D) / D < (0.5 if QUICK else 0.05)

plt.figure(figsize=(6, 3.3))
plt.plot(inverse.history["step"], inverse.history["d"])
plt.axhline(D, color="k", ls="--", label="true d")
plt.xlabel("step")
plt.ylabel("d")
plt.title("the damping during training")
plt.legend()
plt.show()

# %% [markdown]
# ## 3. Burgers' equation: identifying $\lambda_1$ and $\lambda_2$
#
# The classic PINN inverse problem (Raissi et al. 2019, and the JAX-PINN tutorial):
# viscous Burgers' equation on $x\in[-1, 1]$, $t\in[0, 1]$, $u(0, x) = -\sin\pi x$,
# $u(t, \pm 1) = 0$, written with two unknown coefficients,
#
# $$u_t + \lambda_1 u u_x - \lambda_2 u_{xx} = 0, \qquad \lambda_1 = 1,\ \lambda_2 = 0.01/\pi .$$
#
# The solution steepens into a shock at $x = 0$. 2000 observations of $u$ are drawn
# from the exact solution (Cole–Hopf), and a 4 x 20 tanh network with the initial and
# boundary conditions built in (hard constraints) is trained with the PDE and data losses,
# with $\lambda_1, \lambda_2$ starting at 0 and 0.0025.
#
# This is the built-in experiment `burgers-inverse`, the same as `physax run
# burgers-inverse` on the command line. `physax.experiments.load` resolves its TOML
# configuration (overrides as a dict of dotted keys) and `run` writes the run
# directory. On this page it runs with its default configuration: 1000 Adam steps, then
# 4000 steps of the self-scaled Broyden method (`physax.optim.SSBroyden`) on the square root
# of the loss, all in float64 (the recipe of Urbán, Stefanou & Pons 2025).

# %%
import physax.experiments as ex

try:  # importing physax.report switches matplotlib to Agg; in a notebook, switch back to inline
    get_ipython().run_line_magic("matplotlib", "inline")  # noqa: F821
except NameError:  # run as a plain script
    pass

overrides = {}
if QUICK:
    overrides = {
        "train.adam_steps": 1000,
        "train.lbfgs_steps": 500,
        "collocation.n_interior": 1000,
        "chunk": 250,
    }
spec = ex.load("burgers-inverse", overrides)
print(spec.to_toml()[:600], "...")
burgers = ex.run(spec, out=os.path.join(RUNS, "burgers-inverse"), progress=False)

# %%
params = burgers.metrics["parameters"]
for name, p in params.items():
    print(f"{name}: estimate {p['estimate']:.6g}, true {p['true']:.6g}, error {100 * p['rel_error']:.4f} %")
print(
    f"relative L2 error of u: {burgers.metrics['rel_l2']:.2e}; wall time {burgers.metrics['wall_time_s']:.0f} s"
)
if QUICK:
    assert params["lambda1"]["rel_error"] < 0.05 and params["lambda2"]["rel_error"] < 0.5, params
else:
    assert params["lambda1"]["rel_error"] < 1e-4 and params["lambda2"]["rel_error"] < 1e-4, params

# %% [markdown]
# Both errors come out below 0.01 % (about 0.0003 % and 0.003 % when this default was
# measured). For comparison, Raissi et al. report errors of 0.096 % for $\lambda_1$ and
# 0.469 % for $\lambda_2$ with clean data.
#
# The run directory holds everything: `config.toml`, `metrics.json`, `history.csv`, the
# checkpoint, plots and `summary.md` (see [the run directory](../../reference/run-directory/)).
# A finished run loads back with `load_run`, and `predict` evaluates the trained field at
# any points `(t, x)`:

# %%
run = ex.load_run(burgers.directory)
print(sorted(p.name for p in burgers.directory.iterdir()))
t_grid, x_grid = np.linspace(0, 1, 101), np.linspace(-1, 1, 256)
T, X = np.meshgrid(t_grid, x_grid, indexing="ij")
U = run.predict(np.stack([T.ravel(), X.ravel()], axis=1)).reshape(T.shape)

hist = burgers.history
fig, axes = plt.subplots(1, 3, figsize=(14, 3.6), constrained_layout=True)
im = axes[0].pcolormesh(t_grid, x_grid, U.T, cmap="RdBu_r", shading="auto")
fig.colorbar(im, ax=axes[0])
axes[0].set_xlabel("t")
axes[0].set_ylabel("x")
axes[0].set_title("u(t, x), trained PINN")
for t_snap in (0.25, 0.5, 0.75):
    axes[1].plot(x_grid, U[int(t_snap * 100)], label=f"t = {t_snap}")
axes[1].set_xlabel("x")
axes[1].legend()
axes[1].set_title("snapshots: the shock at x = 0")
axes[2].semilogy(hist["step"], np.abs(hist["lambda1"] - 1.0), label="|λ1 − 1|")
axes[2].semilogy(hist["step"], np.abs(hist["lambda2"] - 0.01 / np.pi) / (0.01 / np.pi), label="|λ2 − ν| / ν")
axes[2].set_xlabel("step")
axes[2].legend()
axes[2].set_title("parameter errors during training")
plt.show()

# %% [markdown]
# The README's command line equivalents: `physax run burgers-inverse`, and
# `--set data.noise=0.01` for 1 % noise on the observations (with the earlier default,
# 5000 Adam + 5000 L-BFGS steps on an 8 x 20 network, the errors then rose to about 0.04 %
# and 0.16 %).
#
# ## 4. The heat equation and the nonlinear Schrödinger equation
#
# Two more problems of the "Neural networks for physics" course. The **heat equation**
# $u_t = k\,u_{xx}$ on $[0, 1]$ with an analytic solution; here the experiment
# `heat-inverse` identifies the diffusivity $k = 0.1$ from 500 observations, starting
# from $k = 0.5$:

# %%
heat_overrides = {"train.adam_steps": 1000, "train.lbfgs_steps": 200} if QUICK else {}
heat = ex.run(ex.load("heat-inverse", heat_overrides), out=os.path.join(RUNS, "heat-inverse"), progress=False)
k = heat.metrics["parameters"]["k"]
print(f"k: estimate {k['estimate']:.6f}, true {k['true']}, error {100 * k['rel_error']:.3f} %")
print(f"relative L2 error of u: {heat.metrics['rel_l2']:.2e}, {heat.metrics['wall_time_s']:.0f} s")
assert k["rel_error"] < (0.1 if QUICK else 0.005), k

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 3.5), constrained_layout=True)
x = np.linspace(0, 1, 101)
for t_snap in (0.0, 0.1, 0.3, 1.0):
    ax1.plot(x, heat.predict(np.stack([np.full_like(x, t_snap), x], axis=1)), label=f"t = {t_snap}")
ax1.set_xlabel("x")
ax1.set_title("u(t, x): heat diffusing out")
ax1.legend()
ax2.plot(heat.history["step"], heat.history["k"])
ax2.axhline(0.1, color="k", ls="--")
ax2.set_xlabel("step")
ax2.set_title("identified diffusivity k")
plt.show()

# %% [markdown]
# The **nonlinear Schrödinger equation** (Raissi et al. 2019) for a complex field
# $h = u + iv$,
#
# $$i h_t + \tfrac12 h_{xx} + |h|^2 h = 0,\quad x\in[-5, 5],\ t\in[0, \pi/2],\quad h(0, x) = 2\,\mathrm{sech}\,x,$$
#
# periodic in $x$. The network has two outputs $(u, v)$; the residual is a pair of real
# equations. physax builds the periodicity into the network (a periodic embedding of
# $x$) and keeps the initial condition as a loss term: $2\,\mathrm{sech}\,x$ is not
# exactly periodic on $[-5, 5]$ (its slope jumps by 0.054 at the ends), and an output that
# enforced it exactly would carry that kink for all time. It compares with a float64
# spectral (ETDRK4) reference that it computes and caches on first use. The default `nls`
# experiment trains for 2000 Adam + 1500 SSBroyden steps (rel. L2 of $h$ 7.2e-4); this
# page uses a shorter run.

# %%
nls_overrides = (
    {"train.adam_steps": 300, "train.lbfgs_steps": 0, "collocation.n_interior": 500}
    if QUICK
    else {"train.adam_steps": 3000, "train.lbfgs_steps": 1000, "collocation.n_interior": 2000}
)
nls = ex.run(ex.load("nls", nls_overrides), out=os.path.join(RUNS, "nls"), progress=False)
print(f"relative L2 error of h: {nls.metrics['rel_l2']:.2e}; {nls.metrics['wall_time_s']:.0f} s")
assert nls.metrics["rel_l2"] < (2.0 if QUICK else 0.1), nls.metrics["rel_l2"]  # quick: it runs

from physax.problems import NonlinearSchroedinger

ref = NonlinearSchroedinger().reference()
axes_ref = dict(ref.axes)
t_ref, x_ref = axes_ref["t"], axes_ref["x"]
pred = nls.predict(ref.points).reshape(*ref.shape, 2)
mod_pred = np.hypot(pred[..., 0], pred[..., 1])
mod_ref = np.hypot(ref.values[..., 0], ref.values[..., 1])
fig, axes = plt.subplots(1, 3, figsize=(14, 3.6), constrained_layout=True)
for ax, field, title in (
    (axes[0], mod_pred, "|h|, PINN"),
    (axes[1], np.abs(mod_pred - mod_ref), "| |h| − reference |"),
):
    im = ax.pcolormesh(t_ref, x_ref, field.T, shading="auto", cmap="viridis")
    fig.colorbar(im, ax=ax)
    ax.set_xlabel("t")
    ax.set_ylabel("x")
    ax.set_title(title)
i = np.argmin(np.abs(t_ref - 0.79))
axes[2].plot(x_ref, mod_ref[i], "k", lw=3, alpha=0.3, label="spectral reference")
axes[2].plot(x_ref, mod_pred[i], "C3", label="PINN")
axes[2].set_title(f"|h| at t = {t_ref[i]:.2f}")
axes[2].set_xlabel("x")
axes[2].legend()
plt.show()

# %% [markdown]
# ## What to take away
#
# - A PINN is a network, a residual evaluated by automatic differentiation, and an
#   optimiser; forty lines of JAX suffice for a small problem.
# - The inverse problem is where PINNs shine: unknown coefficients are just more
#   trainable parameters, and the physics regularises sparse, noisy data.
# - For forward problems, a classical solver is usually faster and more accurate: the
#   float64 spectral solve that produced the NLS reference above reaches a relative error
#   around 3e-5 in milliseconds. See [PINNs](../../concepts/pinn/) for when to use which.

# %%
import shutil

shutil.rmtree(RUNS)  # the run directories of this page were temporary
