"""Order-2 acoustic FD seed scheme: plain NumPy vs physax (JAX, lax.scan) on CPU.

300 x 300 grid, 1000 steps, every wavefield returned, rigid edges (no PML), one
Ricker point source; both in float32 (``--float64`` for double). Prints a table
with wall times and the speed-up, and the max difference of the wavefields.

    /work/venv/bin/python benchmarks/wave_vs_numpy.py [--n 300] [--steps 1000] [--float64]
"""

import argparse
import time

import jax
import numpy as np


def numpy_seed(velocity, dx, dt, wavelet, source, keep_fields=True):
    """Reference loop: p+ = 2p - p- + (c dt/dx)^2 (5-point Laplacian) + dt^2 c^2 s / dx^2."""
    nz, nx = velocity.shape
    courant2 = (velocity * dt / dx) ** 2
    amp = courant2[source]  # dt^2 c^2 / dx^2 at the source cell (grid-point delta)
    p_prev = np.zeros_like(velocity)
    p = np.zeros_like(velocity)
    shape = (len(wavelet), nz, nx) if keep_fields else (len(wavelet), 1, 1)
    fields = np.empty(shape, velocity.dtype)
    lap = np.empty_like(velocity)
    for n, w in enumerate(wavelet):
        fields[n] = p if keep_fields else p[source]
        np.multiply(p, -4.0, out=lap)
        lap[1:] += p[:-1]
        lap[:-1] += p[1:]
        lap[:, 1:] += p[:, :-1]
        lap[:, :-1] += p[:, 1:]
        p_next = 2.0 * p - p_prev + courant2 * lap
        p_next[source] += amp * w
        p_prev, p = p, p_next
    return fields


def _best(fn, repeats):
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        out = fn()
        jax.block_until_ready(out)
        times.append(time.perf_counter() - t)
    return min(times), out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--float64", action="store_true")
    args = parser.parse_args()
    if args.float64:
        jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp

    from physax.solvers.wave import AcousticModel, Shot, ricker, simulate, synthetic_model

    dtype = np.float64 if args.float64 else np.float32
    n, nt, dx, f0 = args.n, args.steps, 10.0, 15.0
    velocity = np.asarray(synthetic_model(n, n, dx).velocity, dtype)
    dt = 0.4 * dx / float(velocity.max())
    wavelet = np.asarray(ricker(f0, dt, nt), dtype)
    source = (n // 2, n // 2)
    model = AcousticModel(jnp.asarray(velocity), dx=dx)
    shot = Shot([source], [source], jnp.asarray(wavelet))

    rows = []
    for keep in (True, False):
        t_np, ref = _best(lambda k=keep: numpy_seed(velocity, dx, dt, wavelet, source, k), 1)
        if keep:
            run = lambda: simulate(model, shot, dt=dt, order=2, snapshot_every=1).snapshots
        else:
            run = lambda: simulate(model, shot, dt=dt, order=2).traces
        t_first, _ = _best(run, 1)
        t_jax, out = _best(run, args.repeats)
        ref = ref.reshape(np.asarray(out).shape)
        err = float(np.abs(np.asarray(out) - ref).max() / np.abs(ref).max())
        rows.append(("all wavefields" if keep else "traces only", t_np, t_first, t_jax, err))

    print(f"order-2 seed scheme, {n} x {n} grid, {nt} steps, {dtype.__name__}, rigid edges")
    print(f"device: {jax.devices()[0].device_kind}, {jax.device_count()} device(s)")
    head = ("output", "NumPy (s)", "physax 1st (s)", "physax (s)", "speed-up", "max rel diff")
    print(f"{head[0]:<16}{head[1]:>11}{head[2]:>16}{head[3]:>12}{head[4]:>10}{head[5]:>14}")
    for name, t_np, t_first, t_jax, err in rows:
        print(f"{name:<16}{t_np:>11.3f}{t_first:>16.3f}{t_jax:>12.3f}{t_np / t_jax:>9.1f}x{err:>14.1e}")
    print(f"physax: best of {args.repeats} after warm-up; '1st' includes compilation.")


if __name__ == "__main__":
    main()
