#!/usr/bin/env bash
# Training speed of physax.emulators vs Trainax 0.0.2 (PyPI), side by side in one run.
# Run from the repository root with the physax venv active.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
if [ ! -x "$here/.venv-trainax/bin/python" ]; then
  python3 -m venv "$here/.venv-trainax"
  "$here/.venv-trainax/bin/pip" install -q -r "$here/requirements-trainax.txt"
fi
uptime
python "$here/emulator_vs_trainax.py" "$@"
