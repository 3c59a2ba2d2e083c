"""Spatial convergence orders 2, 4, 6, 8 of the FD operators and of full wave runs."""

import jax.numpy as jnp
import numpy as np
import pytest

from physax.solvers.wave import AcousticModel, Shot, ricker, simulate
from physax.solvers.wave._stencils import (
    backward_derivative,
    forward_derivative,
    second_derivative,
)

C, F0, LENGTH, T_END = 2000.0, 20.0, 750.0, 0.25
SIGMA = 10.0  # width (m) of the Gaussian source: a smooth source, so no near-field floor
SPACINGS = (10.0, 6.25, 5.0)  # 10 to 20 points per wavelength at f0
OFFSETS = np.array([[0.0, 150.0], [100.0, 100.0]])  # receiver offsets (m), on every grid


def _spectral_leapfrog(n, h, dt, forcing, sources, weights, receivers):
    """Same leapfrog in time but the exact Laplacian (periodic Fourier modes).

    Both runs share the time discretisation, so their difference is the spatial
    error alone; the domain is large enough that neither the rigid FD edges nor
    the periodic images reach the receivers before T_END.
    """
    k = 2 * np.pi * np.fft.fftfreq(n, h)
    k2 = (k[:, None] ** 2 + k[None, :] ** 2).ravel()
    gain = np.zeros((len(receivers), k2.size))
    for (sz, sx), a in zip(sources, weights, strict=True):
        for i, (rz, rx) in enumerate(receivers):
            phase = k[:, None] * (rz - sz) * h + k[None, :] * (rx - sx) * h
            gain[i] += a * np.cos(phase).ravel() / n**2
    q_prev, q = np.zeros_like(k2), np.zeros_like(k2)
    amp = 2.0 - (C * dt) ** 2 * k2
    out = np.empty((len(forcing), len(receivers)))
    for i, f in enumerate(forcing):
        out[i] = gain @ q
        q_prev, q = q, amp * q - q_prev + f
    return out


def _wave_error(order, h):
    n = int(round(LENGTH / h))
    dt = 0.3 * h / C
    nt = int(T_END / dt)
    w = np.asarray(ricker(F0, dt, nt, dtype=jnp.float64))
    centre, m = n // 2, int(np.ceil(3 * SIGMA / h))
    offs = np.arange(-m, m + 1)
    sources = np.array([[centre + a, centre + b] for a in offs for b in offs])
    weights = np.exp(-0.5 * ((sources - centre) ** 2).sum(1) * (h / SIGMA) ** 2)
    weights /= weights.sum()
    receivers = centre + np.round(OFFSETS / h).astype(int)
    model = AcousticModel(np.full((n, n), C), dx=h)
    shot = Shot(sources, receivers, weights[:, None] * w[None])
    traces = np.asarray(simulate(model, shot, dt=dt, order=order).traces)
    ref = _spectral_leapfrog(n, h, dt, (C * dt / h) ** 2 * w, sources, weights, receivers)
    return np.linalg.norm(traces - ref) / np.linalg.norm(ref)


def _slope(hs, errors):
    return np.polyfit(np.log(hs), np.log(errors), 1)[0]


@pytest.mark.parametrize("order", [2, 4, 6, 8])
def test_wave_run_spatial_convergence(order):
    errors = [_wave_error(order, h) for h in SPACINGS]
    slope = _slope(SPACINGS, errors)
    assert abs(slope - order) <= 0.2 * order, (slope, errors)


@pytest.mark.parametrize("order", [2, 4, 6, 8])
def test_operator_convergence_central_and_staggered(order):
    # unit spacing, a Gaussian of width s: the error scales like (1 / s)^order; the bump
    # is negligible at the edges, so zero padding is exact, and one shape means one compile
    x = np.arange(-256.0, 256.0)
    widths = np.array([10.0, 40.0 / 3.0, 20.0])
    errs = {"central": [], "staggered": [], "first": []}
    for s in widths:
        u = lambda y, s=s: np.exp(-((y / s) ** 2))
        f = jnp.asarray(np.broadcast_to(u(x), (9, x.size)))
        d2 = np.asarray(second_derivative(f, order, axis=1))[4]
        g = forward_derivative(f, order, axis=1)
        d2s = np.asarray(backward_derivative(g, order, axis=1))[4]
        exact_d2 = (4 * x**2 / s**2 - 2) / s**2 * u(x)
        exact_g = -2 * (x + 0.5) / s**2 * u(x + 0.5)
        scale = np.abs(exact_d2).max()
        errs["central"].append(np.abs(d2 - exact_d2).max() / scale)
        errs["staggered"].append(np.abs(d2s - exact_d2).max() / scale)
        errs["first"].append(np.abs(np.asarray(g)[4] - exact_g).max() / np.abs(exact_g).max())
    for name, e in errs.items():
        slope = _slope(1.0 / widths, e)
        assert abs(slope - order) <= 0.2 * order, (name, slope, e)
