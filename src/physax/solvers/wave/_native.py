"""The native CPU time loop: build, load and call `native/acoustic_cpml.cc` through XLA's FFI.

The kernels run the whole forward time loop of the constant-density solver in one custom
call (threads over grid rows, or one thread per shot; `$PHYSAX_NUM_THREADS`, else all
available CPUs), the way compiled wave codes such as deepwave do, and its discrete adjoint
from checkpoints (reverse mode); XLA's own loop pays a fused-kernel launch and buffer
copies at every step. It is built at first use with the machine's C++ compiler (`$CXX`,
else `c++`/`g++`) against the headers that ship with jaxlib, for this CPU
(`-march=native`), and kept under the physax cache directory (`$PHYSAX_CACHE_DIR`, else
`~/.cache/physax`), keyed by a hash of the source, the flags, the jaxlib version and the
CPU; `build_native()` does it on request. Without a compiler, or if the build fails,
`native_available()` is False and the automatic loop choice stays on the XLA loop: results
are the same up to float rounding. `PHYSAX_NATIVE=0` switches it off (read at every call).
"""

from __future__ import annotations

import ctypes
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

from .._cache_dir import cache_dir
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
    """The native wave kernel could not be built or loaded on this machine.

    A `RuntimeError` raised by `build_native` (no C++ compiler, a compiler error, a library
    that does not load). `simulate` with `loop=None` never raises it: it falls back to the
    XLA loop.

    **Example:**

    >>> issubclass(NativeBuildError, RuntimeError)
    True

    To see why the native loop is not used:

    ```python
    try:
        build_native()
    except NativeBuildError as err:
        print("using the XLA loop:", err)
    ```
    """


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


def _private_dir(directory: Path) -> Path:
    """`directory`, created with mode 0700; refused unless this user owns it and no one else can write."""
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    st = directory.stat()
    if hasattr(os, "getuid") and st.st_uid != os.getuid():
        raise NativeBuildError(
            f"{directory} belongs to another user; set $PHYSAX_CACHE_DIR to a directory of yours"
        )
    if st.st_mode & 0o077:
        os.chmod(directory, 0o700)
    return directory


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _digest_file(target: Path) -> Path:
    return target.with_name(target.name + ".sha256")


def _verified(target: Path) -> bool:
    """Whether `target` is the library a build of this user recorded (its SHA-256 matches)."""
    record = _digest_file(target)
    try:
        st = target.stat()
        if hasattr(os, "getuid") and (st.st_uid != os.getuid() or record.stat().st_uid != os.getuid()):
            return False
        return not st.st_mode & 0o022 and record.read_text().strip() == _sha256(target)
    except OSError:
        return False


def _build(compiler: str, target: Path) -> None:
    """Compile into a temporary file, record its SHA-256, then rename both into place."""
    _private_dir(target.parent)
    fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=target.suffix)
    os.close(fd)
    cmd = [compiler, *_FLAGS, "-isystem", jax.ffi.include_dir(), str(_SOURCE), "-o", tmp]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
        if done.returncode != 0:
            raise NativeBuildError(f"`{' '.join(cmd)}` failed:\n{done.stderr[-2000:]}")
        os.chmod(tmp, 0o700)
        digest = _sha256(Path(tmp))
        fd2, tmp_digest = tempfile.mkstemp(dir=target.parent, suffix=".sha256")
        with os.fdopen(fd2, "w") as f:
            f.write(digest + "\n")
        os.replace(tmp, target)  # atomic: a concurrent or crashed build never leaves half a file
        os.replace(tmp_digest, _digest_file(target))
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


_LOADED: dict[str, Path] = {}  # the library registered in this process (at most one)
_FAILED: dict[str, NativeBuildError] = {}  # the first failure of an automatic build, if any


def switched_off() -> bool:
    """Whether `$PHYSAX_NATIVE` switches the native loop off (read at every call)."""
    return os.environ.get("PHYSAX_NATIVE", "1").strip().lower() in ("0", "false", "no", "off")


def build_native() -> Path:
    """Build (once per machine) and register the native wave kernel; return the library's path.

    Compiles `native/acoustic_cpml.cc` with the machine's C++ compiler (`$CXX`, else
    `c++`/`g++`/`clang++`; ~30 s) into the physax cache directory, unless a library
    for this source, compiler, jaxlib and CPU is there already, loads it and registers its
    FFI targets with XLA. Call it up front (e.g. when building a container image) to keep the
    build out of the first simulation; `simulate` otherwise builds at its first call, always
    in Python before tracing. It builds whatever `$PHYSAX_NATIVE` says (the variable only
    decides whether the solver uses the kernel).

    **Returns:** the path of the shared library.

    **Raises:** `NativeBuildError` (a `RuntimeError`) naming what failed: no compiler, the
    compiler's error output, or a library that does not load.

    **Example:**

    >>> try:
    ...     path = build_native()  # ~/.cache/physax/native/acoustic_cpml-<hash>.so
    ... except NativeBuildError:  # no C++ compiler here: simulate uses the XLA loop
    ...     path = None
    >>> path is None or path.exists()
    True
    """
    if "path" in _LOADED:
        return _LOADED["path"]
    compiler = _compiler()
    if compiler is None:
        raise NativeBuildError("no C++ compiler found (set $CXX or install g++)")
    path = _library_path(compiler)
    if not _verified(path):  # absent, or not the file this user's build recorded: never load it
        if path.exists():
            log.warning("rebuilding %s: it does not match the checksum its build recorded", path)
        else:
            log.info("building the native wave kernel: %s", path)
        _build(compiler, path)
    if not _verified(path):
        raise NativeBuildError(f"{path} changed after it was built; refusing to load it")
    try:
        lib = ctypes.cdll.LoadLibrary(str(path))
    except OSError as err:  # e.g. a file from another machine: rebuild once
        _build(compiler, path)
        if not _verified(path):
            raise NativeBuildError(f"{path} changed after it was built; refusing to load it") from err
        try:
            lib = ctypes.cdll.LoadLibrary(str(path))
        except OSError:
            raise NativeBuildError(f"cannot load {path}: {err}") from err
    try:
        for kernel in _KERNELS:
            for dtype, suffix in _SUFFIX.items():
                handler = jax.ffi.pycapsule(getattr(lib, f"PhysaxAcoustic{kernel}{suffix}"))
                jax.ffi.register_ffi_target(_target(kernel, dtype), handler, platform="cpu")
    except Exception as err:  # noqa: BLE001 - an old jaxlib, a missing symbol: say so
        raise NativeBuildError(f"cannot register the kernels of {path} with XLA: {err}") from err
    _LOADED["path"] = path
    _FAILED.clear()
    return path


def native_available() -> bool:
    """Whether the native CPU kernel is switched on and built (builds it on first call).

    `$PHYSAX_NATIVE` is read at every call (`0`, `false`, `no` or `off` switch the kernel
    off); a failed build is logged once and not retried by this function in the same
    process (call `build_native` to retry and see the error).

    **Returns:** a bool.

    **Example:**

    >>> import os
    >>> from unittest import mock
    >>> with mock.patch.dict(os.environ, {"PHYSAX_NATIVE": "off"}):
    ...     native_available()
    False
    """
    if switched_off():
        return False
    if "path" in _LOADED:
        return True
    if "error" in _FAILED:
        return False
    try:
        build_native()
    except Exception as err:  # noqa: BLE001 - any failure (no compiler, old jax, FFI) means: use XLA
        _FAILED["error"] = err
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


def forward(inputs, static, segment):
    """The forward kernel: `(traces (n_steps, n_rec), checkpoints (n_ckpt, size))`.

    `inputs` in the kernel's order (see `kernel_inputs` in `_native_diff`), `static` =
    `(order, dx, free, z_slab, x_slab)`; with `segment = k > 0` it also keeps the state
    every `k` steps for the adjoint (none for `segment = 0`). Batches under `vmap`.
    """
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


def adjoint(inputs, checkpoints, traces_ct, static, segment):
    """The discrete adjoint: cotangents of `(c2dt2, src_scale, wavelets)` from `d loss / d traces`.

    Replays the forward loop one `segment` at a time from `checkpoints` (those `forward`
    kept with the same `segment`) and runs the adjoint wavefield backwards, driven at the
    receivers by `traces_ct` (any cotangent of the traces, not only an L2 residual).
    """
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
    return call(*inputs, checkpoints, ct, **_attributes(*static, segment))
