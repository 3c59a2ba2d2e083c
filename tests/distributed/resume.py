"""A multi-process PINN run, interrupted, resumed by every process from process 0's checkpoint.

Usage: ``python resume.py DIR``; prints ``OK`` on every process when the resumed run ends
where the uninterrupted one does and only process 0 wrote into DIR.
"""

import sys
from pathlib import Path

import physax.distributed as dist

dist.initialize()

import jax  # noqa: E402

import physax.experiments as ex  # noqa: E402
from physax import report  # noqa: E402

root = Path(sys.argv[1])
TINY = {
    "train.devices": 0,
    "train.adam_steps": 20,
    "train.decay_steps": 10,
    "train.lbfgs_steps": 0,
    "chunk": 10,
    "collocation.n_interior": 64,
    "collocation.n_boundary": 16,
    "collocation.n_initial": 16,
    "model.width": 8,
    "model.depth": 1,
}
spec = ex.load("heat-forward", TINY)
full = ex.run(spec, out=root / "full", progress=False)
append = report.HistoryWriter.append


def interrupt(self, row):  # every process stops after step 10 was checkpointed
    if row["step"] == 20:
        raise KeyboardInterrupt
    append(self, row)


report.HistoryWriter.append = interrupt
try:
    ex.run(spec, out=root / "cut", progress=False)
except KeyboardInterrupt:
    pass
else:
    raise AssertionError("the run was not interrupted")
report.HistoryWriter.append = append
assert not (root / "cut" / "metrics.json").exists()
assert (root / "cut" / "checkpoint" / "state.eqx").is_file()
resumed = ex.resume(root / "cut", progress=False)
a, b = full.metrics, resumed.metrics
assert b["steps"] == a["steps"] == 20, (a, b)
assert abs(b["rel_l2"] - a["rel_l2"]) <= 1e-9 * a["rel_l2"], (a["rel_l2"], b["rel_l2"])
assert a["processes"] == jax.process_count() == 2 and a["devices"] == 4, a
assert sorted(p.name for p in root.iterdir()) == ["cut", "full"]
print("OK", a["rel_l2"], b["rel_l2"])
