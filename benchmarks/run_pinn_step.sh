#!/usr/bin/env bash
# Time per training step, physax vs DeepXDE (PyTorch backend, CPU), Burgers PINN.
# Creates benchmarks/.venv-deepxde (once), installs the pins of
# benchmarks/requirements-deepxde.txt plus physax (editable), then runs
#   DDE_BACKEND=pytorch python benchmarks/pinn_step.py "$@"
# Usage: bash benchmarks/run_pinn_step.sh [--steps 200] [--repeats 5] [--json PATH]
# PYTHON=... picks the interpreter for the venv (default python3.11).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/benchmarks/.venv-deepxde"
req="$root/benchmarks/requirements-deepxde.txt"
stamp="$venv/.installed"
if [[ ! -x "$venv/bin/python" ]]; then
    "${PYTHON:-python3.11}" -m venv "$venv"
fi
# reinstall when the pins or pyproject change
if [[ ! -f "$stamp" || "$req" -nt "$stamp" || "$root/pyproject.toml" -nt "$stamp" ]]; then
    "$venv/bin/python" -m pip install --upgrade pip
    "$venv/bin/python" -m pip install -r "$req"
    "$venv/bin/python" -m pip install -e "$root"
    # physax's own deps must not have moved the pins
    "$venv/bin/python" -m pip install -r "$req"
    touch "$stamp"
fi
cd "$root"
export DDE_BACKEND=pytorch
exec "$venv/bin/python" benchmarks/pinn_step.py "$@"
