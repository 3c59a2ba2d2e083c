"""From a resolved configuration to library objects (the only place strings pick classes)."""

from __future__ import annotations

import csv
import difflib
import zipfile
from pathlib import Path

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from .. import geometry, nn, problems
from ..optim import LBFGS, Adam
from ..pinn import CausalWeighting, Collocation, ResidualAdaptive
from ._config import ConfigError

# problem name -> (class, {parameter name: trained as log (positive)})
PROBLEMS = {
    "burgers": (problems.Burgers, {"lambda1": False, "lambda2": True}),
    "heat1d": (problems.Heat1D, {"k": True}),
    "advection": (problems.Advection1D, {"beta": False}),
    "wave1d": (problems.Wave1D, {"c": True}),
    "helmholtz2d": (problems.Helmholtz2D, {"k": False}),
    "poisson2d": (problems.Poisson2D, {}),
    "cosine": (problems.CosineODE, {"omega": False}),
    "oscillator": (problems.DampedOscillator, {"d": False, "omega0": False}),
    "laplace-multiscale": (problems.MultiscaleLaplace, {}),
    "allen-cahn": (problems.AllenCahn, {"d": True, "gamma": False}),
    "nls": (problems.NonlinearSchroedinger, {"a": False, "beta": False}),
    "kdv": (problems.KdV, {"lambda1": False, "lambda2": True}),
    "wave2d": (problems.Wave2D, {"c": True}),
}
SAMPLERS = {
    "uniform": geometry.Uniform,
    "lhs": geometry.LatinHypercube,
    "sobol": geometry.Sobol,
    "grid": geometry.Grid,
}
ACTIVATIONS = {
    "tanh": jnp.tanh,
    "sin": jnp.sin,
    "gelu": jax.nn.gelu,
    "silu": jax.nn.silu,
    "softplus": jax.nn.softplus,
}


def _choice(key: str, value: str, options) -> None:
    if value not in options:
        raise ConfigError(f"config key '{key}' must be one of {sorted(options)}, got '{value}'.")


def build_problem(cfg: dict) -> problems.AbstractProblem:
    p = cfg["problem"]
    _choice("problem.name", p["name"], PROBLEMS)
    cls, params = PROBLEMS[p["name"]]
    unknown = list(p.get("unknown", []))
    for u in unknown:
        if u not in params:
            raise ConfigError(
                f"problem.unknown names '{u}', but {p['name']} has parameters {sorted(params)}."
            )
    kwargs = {}
    for name, positive in params.items():
        init = p.get(f"{name}_init")
        kwargs[name] = problems.Parameter(p[name], trainable=name in unknown, init=init, positive=positive)
    extra = {
        k: v
        for k, v in p.items()
        if k not in {"name", "unknown"} and k not in params and not k.endswith("_init")
    }
    try:
        return cls(**kwargs, **extra)
    except TypeError as e:
        raise ConfigError(f"problem '{p['name']}': {e}.") from None


MODEL_KINDS = ("mlp", "modified_mlp", "pirate")
PIRATE_INITS = ("none", "ic", "data")


def _model_choice(key: str, value: str, options) -> None:
    if value not in options:
        close = difflib.get_close_matches(value, options, n=1)
        hint = f" Did you mean '{close[0]}'?" if close else ""
        raise ConfigError(f"config key '{key}' must be one of {list(options)}, got '{value}'.{hint}")


def _network(m: dict, size: int, out, key) -> eqx.Module:
    """The coordinate network of ``model.kind`` (optional keys default to a plain MLP)."""
    kind = m.get("kind", "mlp")
    _model_choice("model.kind", kind, MODEL_KINDS)
    act = ACTIVATIONS[m["activation"]]
    rwf = None
    if m.get("rwf", False):
        try:
            rwf = nn.RandomWeightFactorisation(m.get("rwf_mean", 1.0), m.get("rwf_std", 0.1))
        except ValueError as e:
            raise ConfigError(f"model.rwf_mean/rwf_std: {e}") from None
    if kind == "pirate":
        return nn.PirateNet(
            size, out, m["fourier_features"], m["fourier_sigma"], m["depth"], act, rwf=rwf, key=key
        )
    if kind == "modified_mlp":
        return nn.ModifiedMLP(size, out, m["width"], m["depth"], act, rwf=rwf, key=key)
    if rwf is not None:
        return nn.FactorisedMLP(size, out, m["width"], m["depth"], act, rwf=rwf, key=key)
    return nn.MLP(size, out, m["width"], m["depth"], act, key=key)


def _pirate_targets(cfg: dict, problem: problems.AbstractProblem, how: str, key):
    """Points and values the PirateNet output layer is fitted to: the initial slice or the data."""
    if how == "data":
        obs = build_observations(cfg, problem, key)
        if obs is None:
            raise ConfigError("model.pirate_init='data' needs data: set data.n > 0 or data.file.")
        return obs.points, obs.values
    ref = problem.reference()
    pts, vals = np.asarray(ref.points), np.asarray(ref.flat_values)
    first = np.isclose(pts[:, 0], pts[:, 0].min())
    return pts[first], vals[first]


def build_model(cfg: dict, problem: problems.AbstractProblem, key) -> eqx.Module:
    m = cfg["model"]
    _choice("model.activation", m["activation"], ACTIVATIONS)
    kind, init = m.get("kind", "mlp"), m.get("pirate_init", "none")
    _model_choice("model.pirate_init", init, PIRATE_INITS)
    if kind == "pirate":
        if m["fourier_features"] < 1:
            raise ConfigError(
                "model.kind='pirate' embeds by Fourier features: set model.fourier_features > 0."
            )
        if init == "ic" and m["hard_constraints"]:
            raise ConfigError(
                "model.pirate_init='ic' fits the initial condition: set model.hard_constraints=false."
            )
    elif init != "none":
        raise ConfigError(
            f"model.pirate_init='{init}' applies to model.kind='pirate' only; set it to 'none'."
        )
    kff, knet = jax.random.split(key)
    dom = problem.domain
    layers: list = [nn.Normalize(dom.lo, dom.hi)]
    size = dom.dim
    periodic = getattr(problem, "periodic", {})
    if periodic:  # exact periodicity: embed those coordinates (periods in normalised units)
        axes = tuple(dom.axis(c) for c in periodic)
        periods = tuple(2 * p / (dom.hi[a] - dom.lo[a]) for a, p in zip(axes, periodic.values()))
        embed = nn.PeriodicEmbedding(axes, periods, harmonics=m.get("periodic_harmonics", 1))
        layers.append(embed)
        size = embed.out_size(size)
    if m["fourier_features"] > 0 and kind != "pirate":  # a PirateNet holds its own embedding
        layers.append(nn.FourierFeatures(size, m["fourier_features"], m["fourier_sigma"], key=kff))
        size = 2 * m["fourier_features"]
    pre = eqx.nn.Sequential(list(layers))
    net = _network(m, size, problem.output_size, knet)
    if init != "none":  # physics-informed initialisation (Wang et al. 2024)
        pts, vals = _pirate_targets(cfg, problem, init, kff)
        inputs = jax.vmap(pre)(jnp.asarray(pts, jnp.float32))
        net = net.fit_output(inputs, jnp.asarray(vals, jnp.float32))
    net = eqx.nn.Sequential([*layers, net])
    if m["hard_constraints"]:
        transform = problem.hard_constraint()
        if transform is None:
            raise ConfigError(
                f"{problem.name} has no hard-constraint transform; set model.hard_constraints=false."
            )
        net = nn.HardConstraint(net, transform)
    return net


def build_collocation(cfg: dict) -> Collocation:
    c = cfg["collocation"]
    _choice("collocation.sampler", c["sampler"], SAMPLERS)
    adaptive = ResidualAdaptive(c["rad_k"], c["rad_c"], c["rad_pool"]) if c["adaptive"] else None
    if adaptive is not None and c["resample_every"] == 0:
        raise ConfigError("collocation.adaptive=true needs collocation.resample_every > 0.")
    return Collocation(
        n_interior=c["n_interior"],
        n_boundary=c["n_boundary"],
        n_initial=c["n_initial"],
        sampler=SAMPLERS[c["sampler"]](),
        resample_every=c["resample_every"],
        adaptive=adaptive,
        lbfgs_resample_every=c["lbfgs_resample_every"],
    )


def build_causal(cfg: dict) -> CausalWeighting | None:
    """Causal weighting from ``train.causal_epsilon`` (0 = off) and ``train.causal_bins``."""
    eps = cfg["train"].get("causal_epsilon", 0.0)
    if eps == 0:
        return None
    try:
        return CausalWeighting(eps, cfg["train"].get("causal_bins", 32))
    except ValueError as e:
        raise ConfigError(f"train.causal_epsilon/causal_bins: {e}") from None


def build_optimisers(cfg: dict) -> tuple[Adam | None, LBFGS | None]:
    t = cfg["train"]
    adam = Adam(
        steps=t["adam_steps"],
        learning_rate=t["learning_rate"],
        decay_rate=t["decay_rate"],
        decay_steps=t["decay_steps"],
    )
    lbfgs = LBFGS(steps=t["lbfgs_steps"], memory=t["lbfgs_memory"], float64=t["lbfgs_float64"])
    if adam.steps + lbfgs.steps == 0:
        raise ConfigError("nothing to train: set train.adam_steps or train.lbfgs_steps > 0.")
    return adam, lbfgs


def load_observation_file(
    path: str, dim: int, *, problem: problems.AbstractProblem | None = None
) -> problems.Observations:
    """``.npz`` with arrays ``points`` (n, d) and ``values`` (n,) or (n, outputs), or ``.csv`` with
    d + 1 numeric columns. With `problem`, the values must match its outputs and the points lie
    in its domain (up to 1% of each side)."""
    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"observation file {path} does not exist.")
    try:
        if p.suffix == ".npz":
            with np.load(p, allow_pickle=False) as f:
                if "points" not in f or "values" not in f:
                    raise ConfigError(
                        f"{path} must hold arrays 'points' (n, {dim}) and 'values' (n,); has {list(f)}."
                    )
                pts, vals = f["points"], f["values"]
        elif p.suffix == ".csv":
            with p.open() as f:
                rows = list(csv.reader(f))
            if rows and any(not _is_number(x) for x in rows[0]):
                rows = rows[1:]  # header
            try:
                arr = np.array([[float(x) for x in r] for r in rows if r], dtype=np.float64)
            except ValueError as e:
                raise ConfigError(f"{path} has a non-numeric entry or ragged rows ({e}).") from None
            if arr.ndim != 2 or arr.shape[1] != dim + 1:
                raise ConfigError(
                    f"{path} must have {dim + 1} columns (coordinates then value), got shape {arr.shape}."
                )
            pts, vals = arr[:, :dim], arr[:, dim]
        else:
            raise ConfigError(f"observation file {path} must be .npz or .csv.")
        obs = problems.Observations(pts, vals, dim=dim)
    except ConfigError:
        raise
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as e:  # corrupt, unreadable, bad shapes
        line = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise ConfigError(f"observation file {path}: {line}") from None
    if problem is not None:
        _check_against(path, obs, problem)
    return obs


def _check_against(path: str, obs: problems.Observations, problem: problems.AbstractProblem) -> None:
    size = problem.output_size  # "scalar" or a count
    outputs = 1 if size == "scalar" else int(size)
    if (obs.values.shape[1] if obs.values.ndim == 2 else 1) != outputs:
        raise ConfigError(
            f"observation file {path}: values have shape {obs.values.shape}, but {problem.name} has "
            f"{outputs} output(s); give shape " + (f"(n, {outputs})." if outputs > 1 else "(n,).")
        )
    lo, hi = np.asarray(problem.domain.lo), np.asarray(problem.domain.hi)
    margin = 0.01 * (hi - lo)
    pts = np.asarray(obs.points, np.float64)
    outside = np.any((pts < lo - margin) | (pts > hi + margin), axis=1)
    if outside.any():
        row = int(np.argmax(outside))
        raise ConfigError(
            f"observation file {path}: {int(outside.sum())} points lie outside the domain "
            f"{list(zip(problem.domain.coords, lo.tolist(), hi.tolist()))} (first: row {row}, "
            f"{pts[row].tolist()}); check the column order and units."
        )


def _is_number(s: str) -> bool:
    try:
        float(s)
        return True
    except ValueError:
        return False


def build_observations(cfg: dict, problem: problems.AbstractProblem, key) -> problems.Observations | None:
    d = cfg["data"]
    if d["noise"] < 0:
        raise ConfigError(f"data.noise must be >= 0, got {d['noise']}.")
    if d["file"]:
        return load_observation_file(d["file"], problem.domain.dim, problem=problem)
    if d["n"] > 0:
        return problem.observations(d["n"], key=key, noise=d["noise"])
    if problem.unknowns:
        raise ConfigError("an inverse problem needs data: set data.n > 0 or data.file.")
    return None
