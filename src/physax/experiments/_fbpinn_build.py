"""Config -> FBPINN / ELM-FBPINN objects, and the plain-PINN comparison run."""

from __future__ import annotations

import jax
import numpy as np

from .. import fbpinn, metrics as mt, nn, pinn
from ..optim import Adam
from ._config import ConfigError
from ._pinn_build import ACTIVATIONS, build_collocation, build_model, build_problem

# the names a configuration may use for windows and schedulers (the library takes objects)
WINDOWS = {"cosine": fbpinn.CosineWindow, "bump": fbpinn.BumpWindow, "sigmoid": fbpinn.SigmoidWindow}
SCHEDULERS = {"all": fbpinn.AllActive, "line": fbpinn.LineScheduler, "point": fbpinn.PointScheduler}


def _choice(key: str, value: str, options) -> None:
    if value not in options:
        raise ConfigError(f"config key '{key}' must be one of {sorted(options)}, got '{value}'.")


def build_window(cfg: dict) -> fbpinn.AbstractWindow:
    name = cfg["decomposition"]["window"]
    _choice("decomposition.window", name, WINDOWS)
    return WINDOWS[name]()


def build_decomposition(cfg: dict, problem, *, one_level: bool = False) -> fbpinn.Decomposition:
    """One level from ``decomposition.subdomains`` or several from ``decomposition.levels``."""
    d = cfg["decomposition"]
    dim = problem.domain.dim
    levels = list(d["levels"])
    if levels and not one_level:
        return fbpinn.multilevel(problem.domain, [int(n) for n in levels], overlap=d["overlap"])
    n = [int(levels[-1])] * dim if levels else list(d["subdomains"])
    if len(n) == 1 and dim > 1:
        n = n * dim
    if len(n) != dim:
        raise ConfigError(
            f"decomposition.subdomains needs one count per axis {problem.domain.coords}, got {d['subdomains']}."
        )
    return fbpinn.uniform(problem.domain, n, overlap=d["overlap"])


def build_scheduler(cfg: dict, problem) -> fbpinn.AbstractScheduler:
    s = cfg["scheduler"]
    _choice("scheduler.kind", s["kind"], SCHEDULERS)
    if s["kind"] == "line":
        if s["axis"] not in problem.domain.coords:
            raise ConfigError(f"scheduler.axis must be one of {problem.domain.coords}, got '{s['axis']}'.")
        return fbpinn.LineScheduler(s["axis"], s["n_stages"], s["final_all"])
    if s["kind"] == "point":
        if len(s["point"]) != problem.domain.dim:
            raise ConfigError(f"scheduler.point needs {problem.domain.dim} coordinates, got {s['point']}.")
        return fbpinn.PointScheduler(s["point"], s["n_stages"], s["final_all"])
    return fbpinn.AllActive()


def build_fbpinn(cfg: dict, problem, dec: fbpinn.Decomposition, key) -> fbpinn.FBPINN:
    m = cfg["model"]
    _choice("model.activation", m["activation"], ACTIVATIONS)
    window = build_window(cfg)
    constraint = _constraint(problem, m["hard_constraints"])
    dim, act = problem.domain.dim, ACTIVATIONS[m["activation"]]
    net = lambda k: nn.MLP(dim, "scalar", m["width"], m["depth"], act, key=k)
    return fbpinn.FBPINN(
        dec,
        net,
        key=key,
        window=window,
        scale=m["output_scale"],
        shift=m["output_shift"],
        constraint=constraint,
    )


def build_elm(cfg: dict, problem, dec: fbpinn.Decomposition, key) -> fbpinn.ELMFBPINN:
    e = cfg["elm"]
    window = build_window(cfg)
    return fbpinn.ELMFBPINN(
        dec,
        e["features"],
        key=key,
        depth=e["depth"],
        feature_scale=e["feature_scale"],
        window=window,
        scale=e["output_scale"],
        constraint=_constraint(problem, e["hard_constraints"]),
    )


def _constraint(problem, hard: bool):
    if not hard:
        return None
    transform = problem.hard_constraint()
    if transform is None:
        raise ConfigError(f"{problem.name} has no hard-constraint transform; set hard_constraints=false.")
    return transform


def n_params(model) -> int:
    import equinox as eqx

    return int(sum(x.size for x in jax.tree.leaves(eqx.filter(model, eqx.is_inexact_array))))


def run_pinn_comparison(
    cfg: dict, problem, steps: int, *, target_params: int | None, quiet: bool, history=None
) -> dict:
    """Train a plain PINN (``[pinn]`` table) with ``steps`` Adam steps on the same points; its figures.

    ``target_params``: pick the width whose parameter count is nearest to it. ``history``: a
    :class:`physax.report.HistoryWriter` for the PINN's chunks (loss and rel. L2).
    """
    p = cfg["pinn"]
    train = cfg.get("train", {})

    def mcfg(width: int) -> dict:
        return {
            "model": {
                "width": width,
                "depth": p["depth"],
                "activation": p["activation"],
                "fourier_features": 0,
                "fourier_sigma": 1.0,
                "hard_constraints": p["hard_constraints"],
            }
        }

    width = p["width"]
    if target_params:
        # an MLP cannot hit every count: take the width whose (actual) count is nearest
        a, b = p["depth"] - 1, problem.domain.dim + p["depth"] + 1  # (D-1) w^2 + (d+D+1) w + 1
        guess = (-b + np.sqrt(b * b + 4 * a * (target_params - 1))) / (2 * a) if a else target_params / b
        count = lambda w: n_params(build_model(mcfg(w), problem, jax.random.key(0)))
        width = min(
            range(max(2, int(guess) - 2), int(guess) + 3), key=lambda w: abs(count(w) - target_params)
        )
    kmodel, ktrain = jax.random.split(jax.random.key(cfg["seed"] + 1))
    model = build_model(mcfg(width), problem, kmodel)
    result = pinn.fit(
        problem,
        model,
        key=ktrain,
        collocation=build_collocation(_pinn_collocation(cfg)),
        adam=Adam(
            steps=steps,
            learning_rate=p["learning_rate"],
            decay_rate=p.get("decay_rate", train.get("decay_rate", 1.0)),
            decay_steps=p.get("decay_steps", train.get("decay_steps", 1000)),
        ),
        lbfgs=None,
        weights=dict(cfg["weights"]),
        hard_constraints=p["hard_constraints"],
        chunk=cfg["chunk"],
        progress=not quiet,
        track_error=history is not None,
        callbacks=[lambda rec, *_: history.append(rec)] if history is not None else [],
    )
    trainer = pinn.make_trainer(problem, model, hard_constraints=p["hard_constraints"])
    pred, ref = pinn.reference_prediction(trainer, result.state)
    err = pred - ref.values
    return {
        "test_l1": float(np.mean(np.abs(err))),
        "rel_l2": mt.rel_l2_float64(pred, ref.values),
        "wall_time_s": float(result.history[-1]["wall_time_s"]) if result.history else 0.0,
        "steps": steps,
        "width": width,
        "depth": p["depth"],
        "n_params": n_params(model),
    }


def _pinn_collocation(cfg: dict) -> dict:
    c = dict(cfg["collocation"])
    c.update(resample_every=0, adaptive=False, rad_k=1.0, rad_c=1.0, rad_pool=4, lbfgs_resample_every=0)
    return {"collocation": c}


__all__ = [
    "build_problem",
    "build_decomposition",
    "build_scheduler",
    "build_window",
    "build_fbpinn",
    "build_elm",
]
