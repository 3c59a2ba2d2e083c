"""Report layer: metrics.json, history.csv, PNG figures and summary.md."""

import csv
import json
import math
import subprocess
import sys

import numpy as np
import pytest

from physax.report import (
    HistoryWriter,
    plot_field,
    plot_history,
    plot_solution,
    write_json,
    write_summary,
)

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _is_png(path) -> bool:
    data = path.read_bytes()
    return data.startswith(PNG_MAGIC) and len(data) > 2000


def _space_time_field(nt=21, nx=33):
    t = np.linspace(0.0, 1.0, nt)
    x = np.linspace(-1.0, 1.0, nx)
    tt, xx = np.meshgrid(t, x, indexing="ij")
    return t, x, np.sin(np.pi * xx) * np.exp(-tt)


def _two_phase_history():
    rows = []
    for step in range(0, 200, 10):
        phase = "adam" if step < 120 else "lbfgs"
        row = {
            "step": step,
            "phase": phase,
            "wall_time_s": 0.01 * step,
            "loss": float(np.exp(-step / 50)),
            "loss_pde": 0.5 * float(np.exp(-step / 40)),
            "loss_data": np.float32(0.2 * np.exp(-step / 60)),
            "nu": 0.01 * (1 + np.exp(-step / 30)),
        }
        if step % 40 == 0:
            row["rel_l2"] = 0.3 * float(np.exp(-step / 70))
        rows.append(row)
    return rows


# ----------------------------------------------------------------------------- JSON


def test_write_json_round_trip(tmp_path):
    path = tmp_path / "sub" / "metrics.json"
    obj = {
        "rel_l2": np.float32(1.5e-3),
        "steps": np.int64(5000),
        "ok": np.bool_(True),
        "field": np.arange(6, dtype=np.float64).reshape(2, 3),
        "bad": [float("nan"), np.float64(np.inf), -np.inf],
        "parameters": {"nu": {"estimate": np.float64(0.00318), "true": 0.01 / np.pi}},
        "shape": (2, 3),
    }
    write_json(path, obj)
    back = json.loads(path.read_text())
    assert back["rel_l2"] == pytest.approx(1.5e-3)
    assert back["steps"] == 5000 and isinstance(back["steps"], int)
    assert back["ok"] is True
    assert back["field"] == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
    assert back["bad"] == ["nan", "inf", "-inf"]
    assert back["parameters"]["nu"]["true"] == 0.01 / np.pi
    assert back["shape"] == [2, 3]
    assert list(path.parent.iterdir()) == [path]  # no temporary file left behind


def test_write_json_replaces_and_rejects_unknown_types(tmp_path):
    path = tmp_path / "metrics.json"
    write_json(path, {"a": 1})
    write_json(path, {"a": 2})
    assert json.loads(path.read_text()) == {"a": 2}
    with pytest.raises(TypeError):
        write_json(path, {"a": object()})
    assert json.loads(path.read_text()) == {"a": 2}  # a failed write keeps the old file
    assert list(tmp_path.iterdir()) == [path]


# ----------------------------------------------------------------------------- history


def _read_csv(path):
    with open(path, newline="") as f:
        return list(csv.reader(f))


def test_history_grows_columns(tmp_path):
    path = tmp_path / "history.csv"
    h = HistoryWriter(path)
    h.append({"loss": 1.0, "step": 0, "phase": "adam", "wall_time_s": 0.5})
    h.append({"step": 10, "phase": "adam", "wall_time_s": 1.0, "loss": np.float32(0.5)})
    assert _read_csv(path)[0] == ["step", "phase", "wall_time_s", "loss"]
    h.append({"step": 20, "phase": "adam", "wall_time_s": 1.5, "loss": 0.1, "rel_l2": 0.3})
    h.append(
        {
            "step": 30,
            "phase": "lbfgs",
            "wall_time_s": 2.0,
            "loss": float("nan"),
            "loss_extra": 1 / 3,
        }
    )
    lines = _read_csv(path)
    assert lines[0] == ["step", "phase", "wall_time_s", "loss", "rel_l2", "loss_extra"]
    assert len(lines) == 5
    assert lines[1] == ["0", "adam", "0.5", "1.0", "", ""]
    assert lines[4][3] == "nan"
    assert float(lines[4][5]) == 1 / 3  # repr precision round-trips exactly
    assert [r["step"] for r in h.rows] == [0, 10, 20, 30]
    assert "rel_l2" not in h.rows[0]
    with pytest.raises(ValueError, match="step"):
        h.append({"loss": 1.0})


def test_history_load_truncates(tmp_path):
    path = tmp_path / "history.csv"
    h = HistoryWriter(path)
    for step in range(0, 50, 10):
        row = {"step": step, "phase": "adam", "wall_time_s": step / 10, "loss": 1 / (step + 1)}
        if step >= 20:
            row["rel_l2"] = 0.1
        h.append(row)

    resumed = HistoryWriter.load(path, upto_step=20)
    assert [r["step"] for r in resumed.rows] == [0, 10, 20]
    assert resumed.rows[1] == {"step": 10, "phase": "adam", "wall_time_s": 1.0, "loss": 1 / 11}
    assert resumed.rows[2]["rel_l2"] == 0.1
    assert len(_read_csv(path)) == 4  # the file was rewritten without the later rows

    resumed.append({"step": 30, "phase": "lbfgs", "wall_time_s": 3.5, "loss": 0.01})
    again = HistoryWriter.load(path, upto_step=None)
    assert [r["step"] for r in again.rows] == [0, 10, 20, 30]
    assert again.rows[-1]["phase"] == "lbfgs"
    assert again.columns == ["step", "phase", "wall_time_s", "loss", "rel_l2"]

    empty = HistoryWriter.load(tmp_path / "missing.csv", upto_step=5)
    assert empty.rows == []


# ----------------------------------------------------------------------------- plots


def test_plot_solution_space_time(tmp_path):
    t, x, ref = _space_time_field()
    pred = ref + 1e-3 * np.cos(np.pi * x)[None, :]
    paths = plot_solution(tmp_path, (("t", t), ("x", x)), ref, pred)
    names = sorted(p.name for p in paths)
    assert names == ["error.png", "reference.png", "slices.png", "solution.png"]
    assert all(_is_png(p) for p in paths)


def test_plot_exact_error_and_bad_shape(tmp_path):
    t, x, ref = _space_time_field(nt=5, nx=7)
    # a zero error cannot go on a log scale; it must still draw
    path = plot_field(
        tmp_path / "err.png",
        (("t", t), ("x", x)),
        np.zeros_like(ref),
        title="exact",
        label="error",
        log=True,
    )
    assert _is_png(path)
    with pytest.raises(ValueError, match="shape"):
        plot_solution(tmp_path, (("t", t), ("x", x)), ref, ref.T)
    with pytest.raises(ValueError, match="shape"):
        plot_field(tmp_path / "bad.png", (("t", t), ("x", x)), ref[:, :3], title="", label="")


def test_plot_field_one_axis_and_spatial(tmp_path):
    x = np.linspace(0.0, 1.0, 50)
    p1 = plot_field(tmp_path / "u1.png", (("x", x),), np.sin(np.pi * x), title="1-D", label="u")
    u = np.sin(np.pi * x)
    paths = plot_solution(tmp_path / "one", (("x", x),), u, u + 1e-4)
    assert sorted(p.name for p in paths) == ["error.png", "reference.png", "solution.png"]
    y = np.linspace(0.0, 2.0, 40)
    field = np.outer(np.sin(np.pi * x), np.cos(np.pi * y))
    p2 = plot_field(tmp_path / "xy.png", (("x", x), ("y", y)), field, title="2-D", label="u")
    t = np.linspace(0.0, 1.0, 4)
    p3 = plot_field(
        tmp_path / "txy.png",
        (("t", t), ("x", x), ("y", y)),
        np.stack([field * k for k in range(4)]),
        title="3-D",
        label="u",
    )
    assert all(_is_png(p) for p in [p1, p2, p3, *paths])


def test_plot_history_two_phases_and_parameters(tmp_path):
    # go through history.csv, as a resumed run or a re-plot would
    h = HistoryWriter(tmp_path / "history.csv")
    for row in _two_phase_history():
        h.append(row)
    rows = HistoryWriter.load(tmp_path / "history.csv").rows
    paths = plot_history(tmp_path, rows, true_parameters={"nu": 0.01})
    assert sorted(p.name for p in paths) == ["loss.png", "parameters.png"]
    assert all(_is_png(p) for p in paths)


@pytest.mark.parametrize("n", [0, 1])
def test_plot_history_short(tmp_path, n):
    history = _two_phase_history()[:n]
    paths = plot_history(tmp_path, history, true_parameters={"nu": 0.01})
    if n == 0:
        assert paths == []
    else:
        assert {p.name for p in paths} == {"loss.png", "parameters.png"}
        assert all(_is_png(p) for p in paths)


def test_plot_history_without_parameters(tmp_path):
    history = [{"step": s, "loss": 1.0 / (s + 1)} for s in range(5)]
    paths = plot_history(tmp_path, history, true_parameters={})
    assert [p.name for p in paths] == ["loss.png"]


# ----------------------------------------------------------------------------- summary


def test_write_summary(tmp_path):
    (tmp_path / "loss.png").write_bytes(PNG_MAGIC)
    metrics = {
        "rel_l2": 1.23e-4,
        "wall_time_s": 83.2,
        "steps": 12000,
        "device": "cpu",
        "rel_l1": "nan",
        "parameters": {
            "nu": {"estimate": 0.0031831, "true": 0.0031831, "rel_error": 2.5e-5},
            "lambda_1": 0.998,
        },
    }
    config = {"problem": {"name": "burgers", "nu": 0.01}, "train": {"steps": 12000}}
    path = write_summary(
        tmp_path / "summary.md",
        experiment="burgers-inverse",
        description="Identify the viscosity of Burgers' equation.",
        config=config,
        metrics=metrics,
        figures=[str(tmp_path / "loss.png"), "error.png"],
    )
    text = path.read_text()
    assert text.startswith("# burgers-inverse")
    assert "Identify the viscosity" in text
    assert "0.0123%" in text  # rel_l2
    assert "1 min 23 s" in text
    assert "12,000" in text and "cpu" in text
    assert "| `nu` | 0.0031831 | 0.0031831 | 0.0025% |" in text
    assert "`lambda_1`" in text
    assert "physax run burgers-inverse --config config.toml" in text
    assert "![loss](loss.png)" in text and "![error](error.png)" in text
    assert 'problem.name = "burgers"' in text


def test_report_does_not_import_jax():
    code = "import sys, physax.report; print('jax' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_nan_history_values_do_not_crash(tmp_path):
    history = [{"step": 0, "loss": math.nan}, {"step": 1, "loss": 1.0, "rel_l2": math.inf}]
    assert [p.name for p in plot_history(tmp_path, history)] == ["loss.png"]
