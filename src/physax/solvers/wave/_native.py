"""The native CPU time loop: build, load and call `native/acoustic_cpml.cc` through XLA's FFI.

The kernels run the whole forward time loop of the constant-density solver in one custom
call (threads over grid rows, or one thread per shot; ``$PHYSAX_NUM_THREADS``, else all
available CPUs), the way compiled wave codes such as deepwave do, and its discrete adjoint
from checkpoints (reverse mode); XLA's own loop pays a fused-kernel launch and buffer
copies at every step. It is built at first use with the machine's C++ compiler (``$CXX``,
else ``c++``/``g++``) against the headers that ship with jaxlib, for this CPU
(``-march=native``), and kept under the physax cache directory (``$PHYSAX_CACHE_DIR``, else
``~/.cache/physax``), keyed by a hash of the source, the flags, the jaxlib version and the
CPU. Without a compiler, or if the build fails, `native_available()` is False and the
solver stays on its XLA path: results are the same up to float rounding.
``PHYSAX_NATIVE=0`` switches it off.
"""

from __future__ import annotations

import ctypes
import functools
import hashlib
import logging
import os
import platform
import shutil
import subprocess
import tempfile
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

from ._coefficients import central_coefficients, staggered_coefficients

log = logging.getLogger(__name__)

_DIR = Path(__file__).parent / "native"
_SOURCE = _DIR / "acoustic_cpml.cc"
_HEADERS = (_DIR / "threads.h", _DIR / "wave_shot.h", _DIR / "wave_adjoint.h")
_FLAGS = (
    "-O3",
    "-march=native",
    "-fopenmp-simd",
    "-pthread",
    "-shared",
    "-fPIC",
    "-std=c++17",
)
_SUFFIX = {jnp.dtype("float32"): "F32", jnp.dtype("float64"): "F64"}
_KERNELS = ("Forward", "Adjoint")


def _target(kernel: str, dtype) -> str:
    return f"physax_acoustic_{kernel.lower()}_{_SUFFIX[jnp.dtype(dtype)].lower()}"


class NativeBuildError(RuntimeError):
    """The native wave kernel could not be built or loaded on this machine."""


def _compiler() -> str | None:
    for name in (os.environ.get("CXX"), "c++", "g++", "clang++"):
        if name and shutil.which(name):
            return name
    return None


def _cpu_tag() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            info = [line for line in f if line.startswith(("model name", "flags"))][:2]
    except OSError:
        info = []
    return platform.machine() + "".join(info)


def _library_path(compiler: str) -> Path:
    import jaxlib

    from physax.problems._cache import cache_dir  # lazy: problems imports the solvers

    key = "\n".join(
        [
            *(f.read_text() for f in (_SOURCE, *_HEADERS)),
            compiler,
            " ".join(_FLAGS),
            jaxlib.__version__,
            _cpu_tag(),
            platform.system(),
        ]
    )
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    suffix = ".dylib" if platform.system() == "Darwin" else ".so"
    return cache_dir() / "native" / f"acoustic_cpml-{digest}{suffix}"


def _build(compiler: str, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=target.suffix)
    os.close(fd)
    cmd = [compiler, *_FLAGS, "-isystem", jax.ffi.include_dir(), str(_SOURCE), "-o", tmp]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
        if done.returncode != 0:
            raise NativeBuildError(f"`{' '.join(cmd)}` failed:\n{done.stderr[-2000:]}")
        os.replace(tmp, target)  # atomic: a concurrent or crashed build never leaves half a file
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


@functools.cache
def _load() -> None:
    """Build (once per machine) and register the FFI targets; raises `NativeBuildError`."""
    compiler = _compiler()
    if compiler is None:
        raise NativeBuildError("no C++ compiler found (set $CXX or install g++)")
    path = _library_path(compiler)
    if not path.exists():
        log.info("building the native wave kernel: %s", path)
        _build(compiler, path)
    try:
        lib = ctypes.cdll.LoadLibrary(str(path))
    except OSError as err:  # e.g. a file from another machine: rebuild once
        _build(compiler, path)
        try:
            lib = ctypes.cdll.LoadLibrary(str(path))
        except OSError:
            raise NativeBuildError(f"cannot load {path}: {err}") from err
    for kernel in _KERNELS:
        for dtype, suffix in _SUFFIX.items():
            handler = jax.ffi.pycapsule(getattr(lib, f"PhysaxAcoustic{kernel}{suffix}"))
            jax.ffi.register_ffi_target(_target(kernel, dtype), handler, platform="cpu")


@functools.cache
def native_available() -> bool:
    """Whether the native CPU kernel is switched on and built (builds it on first call)."""
    if os.environ.get("PHYSAX_NATIVE", "1").strip().lower() in ("0", "false", "no", "off"):
        return False
    try:
        _load()
    except Exception as err:  # noqa: BLE001 - any failure (no compiler, old jax, FFI) means: use XLA
        log.warning("physax: native wave kernel unavailable, using the XLA time loop (%s)", err)
        return False
    return True


def supports(dtype) -> bool:
    """Whether the kernel handles this floating dtype (float32 and float64)."""
    return jnp.dtype(dtype) in _SUFFIX


def _attributes(order, dx, free, z_slab, x_slab, segment):
    return dict(
        central=np.asarray(central_coefficients(order), np.float64),
        staggered=np.asarray(staggered_coefficients(order), np.float64),
        dx=np.float64(dx),
        free=np.int64(free),
        z_lo=np.int64(z_slab[0]),
        z_hi=np.int64(z_slab[1]),
        x_lo=np.int64(x_slab[0]),
        x_hi=np.int64(x_slab[1]),
        segment=np.int64(segment),
    )


def _forward(inputs, static, segment):
    c2dt2, wavelets, receivers = inputs[0], inputs[5], inputs[6]
    nz, nx = c2dt2.shape[-2:]
    n_steps, n_rec = wavelets.shape[-1], receivers.shape[-2]
    n_ckpt = -(-n_steps // segment) if segment else 0
    # p_prev and p on the grid, the CPML memories on the slab rows / columns only
    z_lo, z_hi = static[3]
    x_lo, x_hi = static[4]
    size = 2 * nz * nx + 2 * (z_lo + nz - z_hi) * nx + 2 * nz * (x_lo + nx - x_hi)
    call = jax.ffi.ffi_call(
        _target("Forward", c2dt2.dtype),
        (
            jax.ShapeDtypeStruct((n_steps, n_rec), c2dt2.dtype),
            jax.ShapeDtypeStruct((n_ckpt, size), c2dt2.dtype),
        ),
        vmap_method="broadcast_all",
    )
    return call(*inputs, **_attributes(*static, segment))


def _inputs(c2dt2, src_scale, wavelets, prof_z, prof_x, sources, receivers):
    # the kernel's argument order
    return (
        c2dt2,
        prof_z,
        prof_x,
        sources.astype(jnp.int32),
        src_scale,
        wavelets,
        receivers.astype(jnp.int32),
    )


@functools.partial(jax.custom_vjp, nondiff_argnums=(7, 8))
def _adjointed_traces(c2dt2, src_scale, wavelets, prof_z, prof_x, sources, receivers, static, segment):
    traces, _ = _forward(_inputs(c2dt2, src_scale, wavelets, prof_z, prof_x, sources, receivers), static, 0)
    return traces


def _adjointed_fwd(c2dt2, src_scale, wavelets, prof_z, prof_x, sources, receivers, static, segment):
    inputs = _inputs(c2dt2, src_scale, wavelets, prof_z, prof_x, sources, receivers)
    traces, checkpoints = _forward(inputs, static, segment)
    return traces, (inputs, checkpoints)


def _adjointed_bwd(static, segment, residuals, traces_ct):
    inputs, checkpoints = residuals
    c2dt2, src_scale, wavelets = inputs[0], inputs[4], inputs[5]
    call = jax.ffi.ffi_call(
        _target("Adjoint", c2dt2.dtype),
        (
            jax.ShapeDtypeStruct(c2dt2.shape, c2dt2.dtype),
            jax.ShapeDtypeStruct(src_scale.shape, c2dt2.dtype),
            jax.ShapeDtypeStruct(wavelets.shape, c2dt2.dtype),
        ),
        vmap_method="broadcast_all",
    )
    ct = jnp.asarray(traces_ct, c2dt2.dtype)
    g_c2dt2, g_scale, g_wavelets = call(*inputs, checkpoints, ct, **_attributes(*static, segment))
    # the CPML coefficients are constants of the scheme (fixed or stop_gradient velocity_max)
    return g_c2dt2, g_scale, g_wavelets, None, None, None, None


_adjointed_traces.defvjp(_adjointed_fwd, _adjointed_bwd)


def native_traces(
    c2dt2,
    prof_z,
    prof_x,
    sources,
    src_scale,
    wavelets,
    receivers,
    *,
    order,
    dx,
    free,
    z_slab,
    x_slab,
    adjoint_segment=None,
):
    r"""Receiver traces `(n_steps, n_receivers)` of one shot from the native loop.

    `c2dt2` is $\Delta t^2 c^2$ on the padded grid, `prof_z`/`prof_x` the stacked CPML
    coefficients `(4, n)` = (a, b, a_half, b_half), `sources`/`receivers` padded-grid
    indices `(k, 2)`, `src_scale` the per-source factor and `wavelets` `(n_src, n_steps)`;
    `z_slab = (lo, hi)` means memory variables on rows `[0, lo)` and `[hi, nz)`. Under
    `vmap` every argument gets the batch axis and the kernel loops over it.

    With `adjoint_segment = k` the result has a reverse-mode derivative (in `c2dt2`,
    `src_scale` and `wavelets`) from the native adjoint loop, which keeps the state every
    `k` steps and replays one segment at a time (no forward mode); with `None` it is a
    plain call with no derivative of its own.
    """
    static = (order, float(dx), bool(free), tuple(z_slab), tuple(x_slab))
    if adjoint_segment is None:
        inputs = _inputs(c2dt2, src_scale, wavelets, prof_z, prof_x, sources, receivers)
        return _forward(inputs, static, 0)[0]
    return _adjointed_traces(
        c2dt2, src_scale, wavelets, prof_z, prof_x, sources, receivers, static, int(adjoint_segment)
    )
