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
# # Scaling PINNs: FBPINNs and ELM-FBPINNs
#
# A PINN that solves a problem with one low frequency in a few hundred steps can stall for
# tens of thousands of steps when the solution oscillates quickly. This tutorial shows the
# failure, then two remedies from the scalable-PINNs workshop:
#
# 1. **spectral bias**: the same PINN on $u' = \cos(\omega x)$ for growing $\omega$;
# 2. **finite-basis PINNs** (Moseley, Markham & Nissen-Meyer 2023): domain decomposition,
#    windows that form a partition of unity, schedulers and multilevel decompositions;
# 3. **ELM-FBPINNs** (Anderson, Dolean, Moseley & Pestana 2024): freeze the hidden layers,
#    and training becomes one linear least-squares solve;
# 4. an honest comparison with a PINN of the same number of parameters: error and time.
#
# With `PHYSAX_DOCS_QUICK=1` the training runs are shortened (1500 instead of 3000 Adam
# steps) so the page runs as a test in about half the time; the figures quoted in the text
# are those of the full run of this page on the project's 2-core CPU development machine,
# loaded by other jobs (timings there vary by 2x).

# %%
import os
import time

import equinox as eqx
import jax
import jax.numpy as jnp
import matplotlib.pyplot as plt
import numpy as np

from physax import fbpinn, nn, pinn, problems
from physax.optim import Adam

QUICK = os.environ.get("PHYSAX_DOCS_QUICK") == "1"
STEPS = 1500 if QUICK else 3000


def n_params(module):
    """Number of trainable floats in a module."""
    return sum(x.size for x in jax.tree.leaves(eqx.filter(module, eqx.is_inexact_array)))


# %% [markdown]
# ## 1. Spectral bias: a PINN on $\cos(\omega x)$
#
# The first problem of the FBPINN paper is the simplest differential equation there is,
#
# $$\frac{du}{dx} = \cos(\omega x),\qquad u(0) = 0,\qquad x\in[-2\pi, 2\pi],\qquad
#   u = \frac{\sin(\omega x)}{\omega}.$$
#
# `physax.problems.CosineODE(omega)` defines it, with the residual divided by $\omega$
# (same solution, a loss of order one) and the hard constraint
# $u = \tanh(\omega x)\,N(x)$, which makes $u(0) = 0$ exact, so the loss is the residual
# alone. We train one and the same tanh network, three hidden layers of 68 units
# (9,589 parameters; the number will matter in section 4), with Adam on 3000
# Latin-hypercube points, for growing $\omega$. The learning rate decays from $10^{-3}$
# tenfold over the run: at a constant $10^{-3}$ Adam's loss spikes now and then (at
# $\omega = 1$ the error jumped from $5\cdot10^{-4}$ to $8\cdot10^{-2}$ in the last 250
# of 3000 steps), and a figure read off the last step would be luck.

# %%
WIDTH = 68
OMEGAS = (1.0, 15.0) if QUICK else (1.0, 4.0, 15.0)
collocation = pinn.Collocation(n_interior=3000)


def train_pinn(omega, steps=STEPS):
    problem = problems.CosineODE(omega=omega)
    net = nn.MLP(1, "scalar", width=WIDTH, depth=3, key=jax.random.key(0))
    model = nn.HardConstraint(net, problem.hard_constraint())
    t0 = time.perf_counter()
    result = pinn.fit(
        problem,
        model,
        key=jax.random.key(1),
        collocation=collocation,
        adam=Adam(steps, learning_rate=1e-3, decay_rate=0.1, decay_steps=steps),
        lbfgs=None,
        hard_constraints=True,
        chunk=500,
        progress=False,
    )
    return result, time.perf_counter() - t0


pinn_runs = {omega: train_pinn(omega) for omega in OMEGAS}
for omega, (res, seconds) in pinn_runs.items():
    print(
        f"omega = {omega:4.0f}: rel. L2 error {res.history['rel_l2'][-1]:.2e} after {STEPS} steps ({seconds:.0f} s)"
    )

# %%
x = np.linspace(-2 * np.pi, 2 * np.pi, 2000)
fig, axes = plt.subplots(1, len(OMEGAS) + 1, figsize=(4 * (len(OMEGAS) + 1), 3.3), constrained_layout=True)
for ax, (omega, (res, _)) in zip(axes, pinn_runs.items()):
    ax.plot(x, np.sin(omega * x) / omega, "k", lw=3, alpha=0.3, label="exact")
    ax.plot(x, jax.vmap(res.model)(jnp.asarray(x)[:, None]), "C3", label="PINN")
    ax.set_title(f"omega = {omega:g}")
    ax.set_xlabel("x")
axes[0].legend()
for omega, (res, _) in pinn_runs.items():
    axes[-1].semilogy(res.history["step"], res.history["rel_l2"], label=f"omega = {omega:g}")
axes[-1].set_xlabel("Adam step")
axes[-1].set_title("rel. L2 error")
axes[-1].legend()
plt.show()

err_low, err_high = (pinn_runs[o][0].history["rel_l2"][-1] for o in (OMEGAS[0], OMEGAS[-1]))
assert err_low < 0.05, err_low  # the low frequency is learned
assert err_high > 0.5, err_high  # the high one is not

# %% [markdown]
# With 3000 steps, $\omega = 1$ is solved to a relative L2 error of 4.0e-4, while at
# $\omega = 15$ the network learns almost nothing (0.90): a smooth curve through the
# oscillations (measured for this page's settings; at a constant learning rate an earlier
# run gave 9.2e-4, 1.0e-1 at $\omega = 4$, and 0.97). This is **spectral
# bias**: gradient descent fits the low-frequency content of a target first and the high
# frequencies very slowly (Rahaman et al. 2019). A bigger network or more steps help only
# slowly; the workshop's point is that *changing the problem each network sees* helps far
# more.
#
# ## 2. Finite-basis PINNs
#
# Cover the domain with $J$ overlapping subdomains, put a small network $N_j$ on each,
# and blend them with windows $w_j$ normalised to a partition of unity:
#
# $$u(x) = \sum_{j=1}^J \frac{w_j(x)}{\sum_k w_k(x)}\; N_j\!\left(\frac{x - c_j}{h_j/2}\right).$$
#
# Each network sees its own subdomain (centre $c_j$, width $h_j$) rescaled to $[-1, 1]$.
# With 30 subdomains on $[-2\pi, 2\pi]$, the 15 periods of $\cos 15x$ become half a period
# per network: a low frequency again, which is what networks learn easily.
#
# `fbpinn.uniform(domain, 30, overlap=1.9)` places 30 equally spaced subdomains, each 1.9
# times as wide as the centre spacing. Windows are objects: `CosineWindow()` (the
# default, $C^1$), `BumpWindow()` ($C^\infty$) and `SigmoidWindow(sharpness)` (the
# paper's). Each is zero outside its subdomain; the model divides by their sum.

# %%
cosine = problems.CosineODE(omega=15.0)
decomposition = fbpinn.uniform(cosine.domain, 30, overlap=1.9)
centres, widths, _ = decomposition.boxes()
xs = jnp.linspace(-2 * np.pi, 2 * np.pi, 1500)[:, None]

fig, axes = plt.subplots(1, 3, figsize=(14, 3), constrained_layout=True, sharey=True)
for ax, window in zip(axes, (fbpinn.CosineWindow(), fbpinn.BumpWindow(), fbpinn.SigmoidWindow(10.0))):
    one = lambda c, h, window=window: jax.vmap(lambda z: window(z, c, h))(xs)  # one subdomain's window
    w = jax.vmap(one)(jnp.asarray(centres), jnp.asarray(widths))
    w = np.asarray(w / w.sum(axis=0))  # normalised: a partition of unity
    ax.plot(xs[:, 0], w[8:14].T)
    ax.plot(xs[:, 0], w.sum(axis=0), "k--", lw=1, label="sum over all 30")
    ax.set_xlim(-4, 0)
    ax.set_title(type(window).__name__)
    ax.set_xlabel("x")
axes[0].legend(loc="center left")
plt.show()
assert np.allclose(w.sum(axis=0), 1.0)

# %% [markdown]
# The FBPINN of the paper: 30 networks of two hidden layers of 16 units, outputs scaled
# by $1/\omega$ (`scale`) and the same hard constraint. `fbpinn.fit` trains it with the
# PINN loss, evaluating each collocation point only through the subdomains that cover it
# (a point-subdomain pair list, built once).

# %%
model = fbpinn.FBPINN(
    decomposition,
    lambda k: nn.MLP(1, "scalar", width=16, depth=2, key=k),
    key=jax.random.key(0),
    scale=1 / 15.0,
    constraint=cosine.hard_constraint(),
)
print(f"FBPINN: {model.n_subdomains} subdomains, {n_params(model.nets)} parameters")
t0 = time.perf_counter()
fb = fbpinn.fit(
    cosine,
    model,
    key=jax.random.key(1),
    collocation=collocation,
    adam=Adam(STEPS, learning_rate=3e-3, decay_rate=0.5, decay_steps=2500),
    hard_constraints=True,
    chunk=500,
    progress=False,
)
t_fb = time.perf_counter() - t0
err_fb = fb.history["rel_l2"][-1]
print(
    f"FBPINN: rel. L2 error {err_fb:.2e}, test L1 {fb.history['test_l1'][-1]:.2e} after {STEPS} steps ({t_fb:.0f} s)"
)
res15, t_pinn = pinn_runs[15.0]
err_pinn = res15.history["rel_l2"][-1]
assert err_fb < 0.5 * err_pinn, (err_fb, err_pinn)

# %%
u_fb = np.asarray(fbpinn.predict(fb.model, np.asarray(xs)))
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 3.5), constrained_layout=True)
ax1.plot(xs[:, 0], np.sin(15 * xs[:, 0]) / 15, "k", lw=3, alpha=0.3, label="exact")
ax1.plot(xs[:, 0], u_fb, "C0", label="FBPINN")
ax1.plot(xs[:, 0], jax.vmap(res15.model)(xs), "C3", lw=1, label="PINN")
ax1.set_xlabel("x")
ax1.legend(loc="lower right")
ax2.semilogy(fb.history["step"], fb.history["rel_l2"], "C0", label="FBPINN")
ax2.semilogy(res15.history["step"], res15.history["rel_l2"], "C3", label="PINN, same size")
ax2.set_xlabel("Adam step")
ax2.set_title("rel. L2 error, omega = 15")
ax2.legend()
plt.show()

# %% [markdown]
# In the full run of this page the FBPINN reached a relative L2 error of 3.3e-3 (test L1
# 1.3e-4) after 3000 steps while the PINN of the same size was still at 0.90 (quick mode,
# 1500 steps: 0.13 against 1.15). The project's longer benchmark
# (`physax run fbpinn-cosine --set compare_pinn=true`, 10,000 steps) measured a test L1
# error of 2.7e-5 for the FBPINN against 3.6e-2 for a much larger 5 x 128 PINN, the same
# orders of magnitude as the paper.
#
# ### Schedulers
#
# A scheduler decides which subdomains train in which part of the run. `AllActive()`
# (used above) trains all of them all the time. `LineScheduler("t")` sweeps a front
# through the domain along one axis, like a time stepper: subdomains ahead of the front
# are left out, those it is crossing are trained, and those behind it are frozen (still
# contributing to $u$). `PointScheduler(point)` grows a ball from a point instead. A
# scheduler is only a list of stages, which can be inspected before training; here the
# 4 x 16 decomposition of the `fbpinn-burgers` experiment, in $(t, x)$:

# %%
burgers = problems.Burgers()
dec2 = fbpinn.uniform(burgers.domain, [4, 16])
stages = fbpinn.LineScheduler("t", final_all=0.3).stages(dec2, 6000)
fig, axes = plt.subplots(1, len(stages), figsize=(2.6 * len(stages), 2.8), constrained_layout=True)
for ax, stage in zip(axes, stages):
    state = np.where(stage.active, 2, np.where(stage.fixed, 1, 0)).reshape(4, 16)
    ax.imshow(state.T, origin="lower", cmap="Greys", vmin=0, vmax=2, extent=(0, 1, -1, 1), aspect="auto")
    ax.set_title(f"steps {stage.start}-{stage.end}")
    ax.set_xlabel("t")
axes[0].set_ylabel("x")
plt.show()
print("black: active, grey: fixed, white: left out")

# %% [markdown]
# ### Multilevel FBPINNs
#
# One level of small subdomains is good at small scales but passes information across
# the domain only from neighbour to neighbour. Dolean, Heinlein, Mishra & Moseley (2024)
# add coarser levels, as multigrid does: `fbpinn.multilevel(domain, [1, 2, 4, 8])` puts
# 1, 2 x 2, 4 x 4 and 8 x 8 subdomains on $[0, 1]^2$, each level a partition of unity,
# and the model averages the levels.

# %%
laplace = problems.MultiscaleLaplace(n=4)
ml = fbpinn.multilevel(laplace.domain, [1, 2, 4, 8])
fig, axes = plt.subplots(1, ml.n_levels, figsize=(3 * ml.n_levels, 3), constrained_layout=True)
for level, ax in zip(ml.levels, axes):
    mu, w = level.boxes()
    for c, h in zip(mu, w):
        ax.add_patch(plt.Rectangle(c - h / 2, *h, fill=False, alpha=0.6))
        ax.plot(*c, "k.", ms=3)
    ax.set_xlim(-0.2, 1.2)
    ax.set_ylim(-0.2, 1.2)
    ax.add_patch(plt.Rectangle((0, 0), 1, 1, fill=False, color="C3", lw=2))
    ax.set_title(f"{level.size} subdomain(s)")
plt.show()
print(f"{ml.n_subdomains} subdomains on {ml.n_levels} levels")

# %% [markdown]
# On the multiscale Laplace problem with four scales ($-\Delta u = f$,
# $u = \frac14\sum_{i=1}^4 \sin(2^i\pi x)\sin(2^i\pi y)$), the `fbpinn-laplace-multiscale`
# experiment measured a test L1 error of 6.7e-3 for these four levels, 1.0e-2 for one
# level of 8 x 8, and 0.16 for a PINN of equal size (3000 Adam steps each, see
# `benchmarks/README.md`). The advantage depends on the regime: at a higher learning rate
# the ordering between the three changed. Its training takes minutes, so it is not run
# on this page: `physax run fbpinn-laplace-multiscale --set compare_pinn=true`.
#
# ## 3. ELM-FBPINNs: training as one least-squares solve
#
# Now freeze every hidden layer at random values and keep only the output layer: each
# subdomain network becomes a linear combination of $K$ fixed random features
# $\phi_{jk}(x)$ (an *extreme learning machine*). The FBPINN is then linear in its
# unknown coefficients $a_{jk}$,
#
# $$u(x) = \sum_j \frac{w_j(x)}{\sum_l w_l(x)} \Big(a_{j0} + \sum_{k=1}^K a_{jk}\,\phi_{jk}(x)\Big),$$
#
# and for a linear differential operator $\mathcal L$ so is every residual
# $\mathcal L u(x_i) - f(x_i)$. Asking all residuals (PDE and conditions) to vanish at the
# collocation points gives an overdetermined linear system $A a = b$, with $A$ sparse
# because each point lies in only a few subdomains. `fbpinn.elm_solve` assembles it from
# the same derivative machinery as training and solves it in float64 by least squares
# (nonlinear problems: Gauss–Newton iterations on the same system).

# %%
elm = fbpinn.ELMFBPINN(decomposition, 32, key=jax.random.key(0), feature_scale=2.0)
# on the FBPINN's 3000 points
solved = fbpinn.elm_solve(cosine, elm, key=jax.random.key(1), collocation=collocation)
stats = solved.stats
ref = cosine.reference()
u_elm = np.asarray(fbpinn.predict(solved.model, ref.points))
err_elm = np.linalg.norm(u_elm - ref.values.ravel()) / np.linalg.norm(ref.values)
print(
    f"ELM-FBPINN: {stats['n_rows']} rows x {stats['n_unknowns']} unknowns ({stats['method']}); "
    f"rel. L2 error {err_elm:.1e}; solve {stats['solve_time_s']:.2f} s after {stats['compile_time_s']:.1f} s compilation"
)
assert err_elm < 1e-6, err_elm

# %% [markdown]
# In the full run one solve reached a relative error of 2.5e-10, where gradient descent
# on the same architecture took minutes to reach 3e-3. The solve took 14 s there, with
# the machine's load average above 20 (other jobs); the same solve took 2.6 s at a lighter
# load. (With only 1000
# points, about as many as unknowns, the error is 1e-6: the least-squares system needs
# more equations than unknowns in every subdomain.) The damped
# oscillator of the `elm-oscillator` experiment, $u'' + 4u' + 6400u = 0$ on $[0, 1]$ (13
# periods), is solved the same way with 20 subdomains of 32 features, a system of 540 x
# 660: in the full run a relative error of 3.2e-6 in 1.8 s (loaded). The experiment
# itself, on an evenly spaced grid of points, measured 5.5e-8 in 0.23 s on a quiet machine
# (`benchmarks/README.md`): a fraction of a second, where the gradient-trained FBPINN of
# `fbpinn-oscillator` needed 347 s for 4.5e-3.

# %%
osc = problems.DampedOscillator(d=2.0, omega0=80.0)
elm_osc = fbpinn.ELMFBPINN(fbpinn.uniform(osc.domain, 20), 32, key=jax.random.key(0), feature_scale=2.0)
solved_osc = fbpinn.elm_solve(
    osc,
    elm_osc,
    key=jax.random.key(1),
    collocation=pinn.Collocation(n_interior=500, n_boundary=20, n_initial=20),
)
ref_osc = osc.reference()
u_osc = np.asarray(fbpinn.predict(solved_osc.model, ref_osc.points))
err_osc = np.linalg.norm(u_osc - ref_osc.values.ravel()) / np.linalg.norm(ref_osc.values)
s = solved_osc.stats
print(
    f"oscillator: rel. L2 error {err_osc:.1e} in {s['solve_time_s']:.2f} s (condition estimate {s['condition']:.1e})"
)
assert err_osc < 1e-5, err_osc

t_plot = ref_osc.points[:, 0]
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 3.3), constrained_layout=True)
ax1.plot(t_plot, ref_osc.values.ravel(), "k", lw=3, alpha=0.3, label="exact")
ax1.plot(t_plot, u_osc, "C2", lw=1, label="ELM-FBPINN")
ax1.set_xlabel("t")
ax1.legend()
ax2.semilogy(t_plot, np.abs(u_osc - ref_osc.values.ravel()) + 1e-16, "C2")
ax2.set_xlabel("t")
ax2.set_title("pointwise error")
plt.show()

# %% [markdown]
# The condition estimate of about 1e16 says the random features are nearly linearly
# dependent: the solve works only because it is done in float64 with a rank-revealing
# (pivoted QR) least-squares method, which discards the dependent directions. This is the
# price of ELMs: they are collocation methods in a random basis, with the conditioning
# questions of any such method, and for a nonlinear PDE they need Gauss–Newton iterations.
#
# ## 4. The honest comparison
#
# Same problem ($\omega = 15$), same collocation points, the same number of parameters
# for the two trained models (the PINN's 3 x 68 layout was chosen for that), Adam for
# both:

# %%
rows = [
    ("PINN 3 x 68", n_params(res15.model), STEPS, err_pinn, t_pinn),
    ("FBPINN 30 x (2 x 16)", n_params(fb.model.nets), STEPS, err_fb, t_fb),
    ("ELM-FBPINN 30 x 32 features", solved.model.n_unknowns, 1, err_elm, stats["solve_time_s"]),
]
print(f"{'model':30s} {'params':>8s} {'steps':>6s} {'rel. L2':>9s} {'time (s)':>9s}")
for name, p, steps, err, sec in rows:
    print(f"{name:30s} {p:8d} {steps:6d} {err:9.1e} {sec:9.2f}")

# %% [markdown]
# The full run of this page (loaded 2-core CPU: other jobs running) gave:
#
# | model | parameters | steps | rel. L2 error | time |
# |---|---:|---:|---:|---:|
# | PINN 3 x 68 | 9,589 | 3000 | 0.90 (0.97 at a constant learning rate) | 277 s |
# | FBPINN 30 x (2 x 16) | 9,630 | 3000 | 3.3e-3 | 268 s |
# | ELM-FBPINN 30 x 32 features | 990 (solved) | 1 solve | 2.5e-10 | 14 s (2.6 s less loaded) |
#
# What this does and does not show:
#
# - **At equal size, on a high frequency, the FBPINN wins by a wide margin**, and here
#   its steps were no dearer than the PINN's: each point passes through the two or three
#   small networks that cover it, not through one wide one. (Under load the timings scatter
#   by 2x; the PINN's 3000 steps took 429 s to 661 s across the three frequencies.)
# - **The ELM-FBPINN is in a different class for linear problems**: no training loop,
#   float64 accuracy, seconds or less. It is a classical collocation least-squares
#   method with a random basis, and should be judged as one.
# - **A classical solver would do this problem better still**: it is an integral. The
#   PINN family's case is not speed on smooth forward problems; see
#   [Can PINNs beat classical solvers?](../pinns_vs_classical/).
# - On harder problems the FBPINN advantage is smaller: on Burgers, `fbpinn-burgers`
#   (rel. L2 5.1e-2) stays behind a plain PINN with L-BFGS (2.7e-4), see
#   [the FBPINN concepts page](../../concepts/fbpinn/).
#
# The same runs from the command line: `physax run fbpinn-cosine --set compare_pinn=true`,
# `physax run elm-oscillator`, `physax run fbpinn-burgers`,
# `physax run fbpinn-laplace-multiscale --set compare_pinn=true`.
