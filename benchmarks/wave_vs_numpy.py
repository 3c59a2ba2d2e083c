"""Order-2 acoustic FD seed scheme: plain NumPy vs physax (JAX, lax.scan) on CPU.

The seed scheme is the order-2 staggered variable-density leapfrog

    p_next = 2 p - p_prev + dt^2 kappa [dx(1/rho dx p) + dz(1/rho dz p)] + source,

kappa = rho c^2, on a 300 x 300 grid (synthetic layered model, density from a
Gardner-like linear law), 1000 steps, one Ricker point source, rigid edges (no
PML), every wavefield returned. Both run in float32 by default (``--float64``
for double).

The NumPy baseline (`numpy_seed`) is the seed code as a user writes it: one
expression per line, `np.diff` for the staggered differences, a new array per
operation, fields stored into a preallocated `(n_steps, nz, nx)` array. It is
not hand-optimised (no in-place `out=` buffers); its edge handling matches
physax's (p = 0 past the last cell, zero flux before the first).

Memory: NumPy asks the kernel for transparent huge pages (`madvise`) on large
arrays; XLA's CPU allocator does not, and the 360 MB of returned wavefields then
cost ~90,000 page faults per call. The script re-executes itself once with
``GLIBC_TUNABLES=glibc.malloc.hugetlb=1`` so that XLA's buffers get the same huge
pages NumPy already uses (NumPy's own timing is unchanged by it); pass
``--no-hugepages`` to measure without it.

    /work/venv/bin/python benchmarks/wave_vs_numpy.py [--n 300] [--steps 1000] [--float64]
"""

import argparse
import os
import sys
import time

_TUNABLE = "glibc.malloc.hugetlb=1"
if "--no-hugepages" not in sys.argv and _TUNABLE not in os.environ.get("GLIBC_TUNABLES", ""):
    env = dict(
        os.environ, GLIBC_TUNABLES=":".join(filter(None, [os.environ.get("GLIBC_TUNABLES"), _TUNABLE]))
    )
    os.execve(sys.executable, [sys.executable, *sys.argv], env)

import jax  # noqa: E402
import numpy as np  # noqa: E402


def numpy_seed(velocity, density, dx, dt, wavelet, source):
    """The seed scheme in plain NumPy; returns every wavefield, shape (n_steps, nz, nx)."""
    kappa = density * velocity**2
    rho_pad = np.pad(density, ((0, 1), (0, 1)), mode="edge")
    bx = 2.0 / (density + rho_pad[:-1, 1:])  # 1/rho at (i, j + 1/2)
    bz = 2.0 / (density + rho_pad[1:, :-1])  # 1/rho at (i + 1/2, j)
    p_prev = np.zeros_like(velocity)
    p = np.zeros_like(velocity)
    fields = np.zeros((len(wavelet), *velocity.shape), velocity.dtype)
    for n in range(len(wavelet)):
        fields[n] = p
        qx = bx * np.diff(p, axis=1, append=0) / dx
        qz = bz * np.diff(p, axis=0, append=0) / dx
        div = np.diff(qx, axis=1, prepend=0) / dx + np.diff(qz, axis=0, prepend=0) / dx
        p_next = 2 * p - p_prev + dt**2 * kappa * div
        p_next[source] += dt**2 * kappa[source] * wavelet[n] / dx**2
        p_prev, p = p, p_next
    return fields


def _best(fn, repeats):
    """Best (wall, process CPU) seconds over `repeats` calls, and the last output."""
    times = []
    for _ in range(repeats):
        t, c = time.perf_counter(), time.process_time()
        out = fn()
        jax.block_until_ready(out)
        times.append((time.perf_counter() - t, time.process_time() - c))
        if len(times) < repeats:
            del out
    return min(times), out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--float64", action="store_true")
    parser.add_argument("--no-hugepages", action="store_true")
    args = parser.parse_args()
    if args.float64:
        jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp

    from physax.solvers.wave import AcousticModel, Shot, ricker, simulate, synthetic_model

    dtype = np.float64 if args.float64 else np.float32
    n, nt, dx, f0 = args.n, args.steps, 10.0, 15.0
    velocity = np.asarray(synthetic_model(n, n, dx).velocity, dtype)
    density = (310.0 * velocity**0.25).astype(dtype)  # Gardner's relation
    dt = 0.4 * dx / float(velocity.max())
    wavelet = np.asarray(ricker(f0, dt, nt), dtype)
    source = (n // 2, n // 2)
    model = AcousticModel(jnp.asarray(velocity), jnp.asarray(density), dx=dx)
    shot = Shot([source], [source], jnp.asarray(wavelet))

    load = os.getloadavg()[0]
    t_np, ref = _best(lambda: numpy_seed(velocity, density, dx, dt, wavelet, source), 1)
    rows = []
    for name in ("all wavefields", "traces only"):
        if name == "all wavefields":
            run = lambda: simulate(model, shot, dt=dt, order=2, snapshot_every=1).snapshots
            reference = ref
        else:
            run = lambda: simulate(model, shot, dt=dt, order=2, unroll=4).traces
            reference = ref[:, source[0], source[1]][:, None]
        (t_first, _), _ = _best(run, 1)
        t_jax, out = _best(run, args.repeats)
        err = float(np.abs(np.asarray(out) - reference).max() / np.abs(reference).max())
        rows.append((name, t_first, t_jax, err))
        del out

    pages = "off" if args.no_hugepages else "on (glibc.malloc.hugetlb=1)"
    print(
        f"order-2 staggered variable-density seed scheme, {n} x {n}, {nt} steps, "
        f"{dtype.__name__}, rigid edges; huge pages for XLA: {pages}"
    )
    print(
        f"device: {jax.devices()[0].device_kind}, {os.cpu_count()} CPU(s), "
        f"load average at start {load:.2f}, after {os.getloadavg()[0]:.2f}"
    )
    head = ("code", "output", "1st call (s)", "wall (s)", "CPU (s)", "speed-up wall", "CPU", "max rel diff")
    print(
        f"{head[0]:<8}{head[1]:<16}{head[2]:>13}{head[3]:>10}{head[4]:>9}{head[5]:>15}{head[6]:>7}{head[7]:>14}"
    )
    print(f"{'NumPy':<8}{'all wavefields':<16}{'':>13}{t_np[0]:>10.3f}{t_np[1]:>9.3f}")
    for name, t_first, t_jax, err in rows:
        up_wall, up_cpu = t_np[0] / t_jax[0], t_np[1] / t_jax[1]
        print(
            f"{'physax':<8}{name:<16}{t_first:>13.3f}{t_jax[0]:>10.3f}{t_jax[1]:>9.3f}"
            f"{up_wall:>14.1f}x{up_cpu:>6.1f}x{err:>14.1e}"
        )
    print(
        f"physax: best of {args.repeats} after warm-up; '1st call' includes compilation; "
        "CPU = process time (less sensitive to other load on a shared machine)."
    )


if __name__ == "__main__":
    main()
