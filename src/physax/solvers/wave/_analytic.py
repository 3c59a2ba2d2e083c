"""Analytic 2D acoustic Green's function traces (homogeneous medium)."""

import numpy as np
import scipy.special
from jaxtyping import Array, Float


def greens_function_trace(
    wavelet: Float[Array, " n_steps"],
    dt: float,
    distance: float,
    velocity: float,
    density: float = 1.0,
    *,
    pad_factor: int = 8,
) -> np.ndarray:
    r"""Pressure trace of a point source in a homogeneous 2D medium.

    For $\partial_t^2 p - c^2 \Delta p = \kappa\, s(t)\,\delta(\mathbf{x})$
    (the equation `simulate` solves, $\kappa = \rho c^2$), with the time convention
    $p(t) = \frac{1}{2\pi}\int \hat p(\omega) e^{-i\omega t}\,d\omega$, the outgoing
    Helmholtz Green's function $(\Delta + k^2) g = -\delta$ is
    $g = \frac{i}{4}H_0^{(1)}(kr)$, so

    $$\hat p(r, \omega) = \rho\,\frac{i}{4}\,H_0^{(1)}\!\Big(\frac{\omega r}{c}\Big)\,
      \hat s(\omega).$$

    NumPy's FFT uses the opposite sign ($e^{-i\omega t}$ in the forward transform),
    so the transfer function is applied as its complex conjugate. The $\omega = 0$
    term (logarithmically singular) is dropped, which is exact for zero-mean
    wavelets such as the Ricker; the signal is zero-padded `pad_factor` times to
    avoid wrap-around of the slowly decaying 2D tail.

    **Arguments:**

    - `wavelet`: source time function $s(t_n)$, $t_n = n\,\Delta t$.
    - `dt`: sampling interval (s).
    - `distance`: source-receiver distance $r > 0$ (m).
    - `velocity`: $c$ (m/s).
    - `density`: $\rho$ (1 for the constant-density solver).
    - `pad_factor`: FFT length as a multiple of the trace length.

    **Returns:** the trace $p(r, t_n)$, a float64 NumPy array like `wavelet`.

    **Example:**

    >>> # the finite-difference solver against the exact trace 300 m from the source
    >>> wavelet = ricker(15.0, 1e-3, 400)
    >>> exact = greens_function_trace(wavelet, 1e-3, 300.0, 2000.0)
    >>> model = AcousticModel(jnp.full((40, 40), 2000.0), dx=10.0)
    >>> fd = simulate(model, Shot([[20, 5]], [[20, 35]], wavelet), dt=1e-3, boundary=CPML(10, f0=15.0))
    >>> exact.shape, bool(rel_l2_float64(fd.traces[:, 0], exact) < 0.02)
    ((400,), True)
    """
    if not (distance > 0 and velocity > 0 and dt > 0):
        raise ValueError("`distance`, `velocity` and `dt` must be positive.")
    s = np.asarray(wavelet, dtype=np.float64)
    n = s.shape[-1]
    n_fft = pad_factor * n
    omega = 2.0 * np.pi * np.fft.rfftfreq(n_fft, dt)
    transfer = np.zeros_like(omega, dtype=np.complex128)
    transfer[1:] = density * 0.25j * scipy.special.hankel1(0, omega[1:] * distance / velocity)
    spectrum = np.fft.rfft(s, n_fft) * np.conj(transfer)
    return np.fft.irfft(spectrum, n_fft)[..., :n]
