"""Start physax test scripts on forced host devices, in one process or in several on localhost."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent


def env(devices: int, **extra) -> dict:
    """The environment of a process that sees `devices` forced CPU devices (set before JAX starts)."""
    out = dict(os.environ, XLA_FLAGS=f"--xla_force_host_platform_device_count={devices}", JAX_PLATFORMS="cpu")
    for name in ("PHYSAX_COORDINATOR", "PHYSAX_NUM_PROCESSES", "PHYSAX_PROCESS_ID"):
        out.pop(name, None)
    out.update({k: str(v) for k, v in extra.items()})
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(args: list[str], *, devices: int, processes: int = 1, timeout: float = 600, cwd=None) -> list:
    """Run `python args...` as `processes` processes of `devices` devices each; returns their results."""
    if processes == 1:
        return [
            subprocess.run(
                [sys.executable, *args],
                env=env(devices),
                capture_output=True,
                text=True,
                timeout=timeout,
                cwd=cwd,
            )
        ]
    port = free_port()
    procs = [
        subprocess.Popen(
            [sys.executable, *args],
            env=env(
                devices,
                PHYSAX_COORDINATOR=f"127.0.0.1:{port}",
                PHYSAX_NUM_PROCESSES=processes,
                PHYSAX_PROCESS_ID=i,
            ),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=cwd,
        )
        for i in range(processes)
    ]
    results = []
    try:
        for p in procs:
            out, err = p.communicate(timeout=timeout)
            results.append(subprocess.CompletedProcess(p.args, p.returncode, out, err))
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
    return results
