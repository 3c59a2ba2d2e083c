"""Nonlinear PDEs: invariants, exact special solutions, stability smoke tests, gradients."""

import math

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from physax.solvers import spectral as sp


def rel(a, b):
    return float(jnp.linalg.norm(a - b) / jnp.linalg.norm(b))


def test_navier_stokes_kolmogorov_runs_finite_mean_conserved():
    grid = sp.PeriodicGrid(2, 32, extent=2 * math.pi)
    w0 = sp.gaussian_random_field(grid, key=jax.random.key(1), exponent=4.0, amplitude=3.0)
    assert abs(float(jnp.mean(w0))) < 1e-14
    pde = sp.NavierStokesVorticity(nu=1e-2, drag=0.1)
    traj = sp.rollout(sp.Stepper(pde, grid, 0.02), w0, 25)
    assert traj.shape == (26, 1, 32, 32)
    assert bool(jnp.all(jnp.isfinite(traj)))
    assert float(jnp.max(jnp.abs(jnp.mean(traj, axis=(1, 2, 3))))) < 1e-13
    # Without drag a non-zero mean is an exact invariant of the divergence-form advection.
    pde0 = sp.NavierStokesVorticity(nu=1e-2, drag=0.0)
    out = sp.rollout(sp.Stepper(pde0, grid, 0.02), w0 + 0.7, 25)
    np.testing.assert_allclose(np.asarray(jnp.mean(out, axis=(1, 2, 3))), 0.7, atol=1e-13)


def test_navier_stokes_laminar_kolmogorov_steady_state_and_taylor_green():
    grid = sp.PeriodicGrid(2, 32, extent=2 * math.pi)
    x, y = grid.coordinates()
    nu, drag, amp, nf = 0.05, 0.1, 0.5, 4
    pde = sp.NavierStokesVorticity(nu=nu, drag=drag, forcing_amplitude=amp, forcing_wavenumber=nf)
    # Curl of A sin(n y) x^ balanced by viscosity and drag: a steady shear flow.
    steady = (-amp * nf * jnp.cos(nf * y) / (nu * nf**2 + drag))[None]
    out = sp.rollout(sp.Stepper(pde, grid, 0.1), steady, 10)[-1]
    assert rel(out, steady) < 1e-12
    # Taylor-Green vortex: advection vanishes, decays as exp(-2 nu t).
    free = sp.NavierStokesVorticity(nu=nu, drag=0.0, forcing_wavenumber=0)
    tg = (2 * jnp.sin(x) * jnp.sin(y))[None]
    out = sp.rollout(sp.Stepper(free, grid, 0.1), tg, 10)[-1]
    assert rel(out, tg * math.exp(-2 * nu * 1.0)) < 1e-12


def test_gray_scott_stays_finite_and_bounded():
    grid = sp.PeriodicGrid(2, 32, extent=2.5)
    u0 = sp.gray_scott_square(grid, key=jax.random.key(0), size=0.2)
    assert u0.shape == (2, 32, 32)
    traj = sp.rollout(sp.Stepper(sp.GrayScott(), grid, 1.0), u0, 100)
    assert bool(jnp.all(jnp.isfinite(traj)))
    assert float(jnp.min(traj)) > -0.05 and float(jnp.max(traj)) < 1.05


def test_nls_soliton_mass_conserved_and_shape_kept():
    # Extent 40 keeps the sech tails (~4e-9) periodic; N=256 resolves them past the 2/3 cut.
    grid = sp.PeriodicGrid(1, 256, extent=40.0)
    h0 = sp.nls_soliton(grid, amplitude=1.0)
    assert jnp.iscomplexobj(h0)
    t, n = 2.0, 200
    traj = sp.rollout(sp.Stepper(sp.NonlinearSchroedinger(), grid, t / n), h0, n)
    assert traj.dtype == jnp.complex128
    mass = jnp.sum(jnp.abs(traj) ** 2, axis=(1, 2)) * grid.spacing
    assert float(jnp.max(jnp.abs(mass / mass[0] - 1))) < 1e-10
    # Exact soliton: h(t) = h0 exp(i t / 2).
    assert rel(traj[-1], h0 * jnp.exp(0.5j * t)) < 1e-6
    # A real input is promoted to complex.
    assert sp.Stepper(sp.NonlinearSchroedinger(), grid, 0.01)(jnp.real(h0)).dtype == jnp.complex128


def test_kdv_soliton_travels_at_its_speed():
    grid = sp.PeriodicGrid(1, 128, extent=40.0)
    c, t, n = 1.0, 2.0, 200
    u0 = sp.kdv_soliton(grid, speed=c, position=15.0)
    out = sp.rollout(sp.Stepper(sp.KortewegDeVries(), grid, t / n), u0, n)[-1]
    assert rel(out, sp.kdv_soliton(grid, speed=c, position=15.0 + c * t)) < 1e-5


def test_reaction_diffusion_and_ks_smoke():
    g1 = sp.PeriodicGrid(1, 64, extent=2.0)
    u0 = 0.5 * sp.random_fourier_series(g1, key=jax.random.key(3), max_mode=4)
    ac = sp.rollout(sp.Stepper(sp.AllenCahn(), g1, 0.05), u0, 100)[-1]
    assert float(jnp.max(jnp.abs(ac))) <= 1.01  # relaxes to the +-1 wells
    fisher0 = sp.gaussian_blobs(g1, key=jax.random.key(4), amplitude_range=(0.2, 0.5))
    fk = sp.rollout(sp.Stepper(sp.FisherKPP(nu=1e-3), g1, 0.05), fisher0, 200)[-1]
    assert float(jnp.min(fk)) > -1e-3 and float(jnp.max(fk)) < 1.01
    assert float(jnp.mean(fk)) > float(jnp.mean(fisher0))  # logistic growth toward u = 1
    g2 = sp.PeriodicGrid(2, 32, extent=20.0)
    ks0 = sp.gaussian_random_field(g2, key=jax.random.key(5), amplitude=0.1)
    ks = sp.rollout(sp.Stepper(sp.KuramotoSivashinskyCombustion(), g2, 0.05), ks0, 40)
    assert bool(jnp.all(jnp.isfinite(ks)))


def test_grad_through_rollout_matches_finite_difference():
    grid = sp.PeriodicGrid(1, 32, extent=2 * math.pi)
    x = grid.coordinates()
    u0 = jnp.sin(x) + 0.2 * jnp.cos(3 * x)
    target = jnp.cos(2 * x)

    @jax.jit
    def loss(nu, u_init):
        stepper = sp.Stepper(sp.Burgers(nu=nu), grid, 0.05, order=4, substeps=2)
        traj = sp.rollout(stepper, u_init, 8)
        return jnp.mean((traj[-1] - target) ** 2)

    nu0 = jnp.asarray(0.05)
    g_nu, g_u = jax.grad(loss, argnums=(0, 1))(nu0, u0)
    eps = 1e-6
    fd_nu = (loss(nu0 + eps, u0) - loss(nu0 - eps, u0)) / (2 * eps)
    np.testing.assert_allclose(float(g_nu), float(fd_nu), rtol=1e-6)
    direction = jnp.cos(x + 0.3)
    fd_u = (loss(nu0, u0 + eps * direction) - loss(nu0, u0 - eps * direction)) / (2 * eps)
    np.testing.assert_allclose(float(jnp.sum(g_u * direction)), float(fd_u), rtol=1e-6)


def test_vmap_and_jit_over_batch():
    grid = sp.PeriodicGrid(1, 32, extent=32 * math.pi)
    stepper = sp.Stepper(sp.KuramotoSivashinsky(), grid, 0.5)
    x = grid.coordinates()
    batch = jnp.stack([jnp.cos(x / 16 + p) * (1 + jnp.sin(x / 16)) for p in (0.0, 0.5, 1.0)])
    run = eqx.filter_jit(jax.vmap(lambda u: sp.rollout(stepper, u, 4)))
    out = run(batch)
    assert out.shape == (3, 5, 1, 32)
    np.testing.assert_allclose(np.asarray(out[1]), np.asarray(sp.rollout(stepper, batch[1], 4)), atol=1e-12)
