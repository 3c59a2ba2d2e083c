"""MkDocs hooks for the physax documentation.

- ``on_files`` writes ``reference/configs.md``: every key of every shipped experiment
  TOML (``physax/experiments/configs/*.toml``) and solve TOML (``solve_configs/*.toml``),
  with its default, type and the comment next to it in the file, generated at build
  time so that the page cannot drift from the code.
- ``on_post_page`` gives Markdown pages that contain maths a local MathJax.
- ``on_post_build`` copies MathJax (from the ``jupyter-server-mathjax`` package) into the
  site, so that equations render offline and nothing is fetched from the network.

The generator (`config_tables`, `render_reference`) imports nothing from MkDocs, so
``tests/test_docs.py`` can check it without the docs extra installed.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CONFIG_DIRS = {
    "experiments": ROOT / "src" / "physax" / "experiments" / "configs",
    "solve": ROOT / "src" / "physax" / "experiments" / "solve_configs",
}
PAGE = "reference/configs.md"

# What the common keys mean. A key's own TOML comment is always shown too; keys not
# listed here are explained by their name, their comment and the experiment's description.
# "family:key" entries apply to one runner only and win over the plain key.
GLOSSARY: dict[str, str] = {
    "experiment": "the built-in experiment this configuration modifies (cannot be changed)",
    "runner": "method family: `pinn` (default), `fbpinn`, `elm`, `emulator`, `operator`, `fwi`, `odil`",
    "description": "one-line description shown by `physax list`",
    "seed": "seed of every PRNG key of the run (same seed, same machine: same result)",
    "chunk": "training steps per compiled call; one history row, progress update and checkpoint per chunk",
    "compare_pinn": "also train a plain PINN of comparable size and report both",
    "compare_one_level": "also train a one-level FBPINN (for multilevel decompositions)",
    "problem.name": "the PDE problem (a class of `physax.problems`)",
    "problem.unknown": "parameters to identify from data (inverse problem); `[]` for a forward problem",
    "model.width": "neurons per hidden layer",
    "model.depth": "hidden layers",
    "model.activation": "activation function (`tanh`, `sin`, `gelu`, `silu`, `softplus`)",
    "model.fourier_features": "number of random Fourier features in front of the MLP (0 = none)",
    "model.fourier_sigma": "standard deviation of the random Fourier feature frequencies",
    "model.hard_constraints": "build the initial/boundary conditions into the network (their losses are dropped)",
    "model.output_scale": "output unnormalisation u = shift + scale * (blended networks)",
    "model.output_shift": "output unnormalisation shift (see `output_scale`)",
    "collocation.n_interior": "PDE residual points in the interior",
    "collocation.n_boundary": "points on the spatial boundary",
    "collocation.n_initial": "points on the initial line t = 0",
    "collocation.sampler": "point sampler: `uniform`, `lhs` (Latin hypercube), `sobol`, `grid`",
    "collocation.resample_every": "draw new interior points every this many Adam steps (0 = never)",
    "collocation.adaptive": "residual-based adaptive resampling (RAD, Wu et al. 2023); needs `resample_every` > 0",
    "collocation.rad_k": "RAD exponent k: sampling density ~ residual^k / mean + c",
    "collocation.rad_c": "RAD offset c",
    "collocation.rad_pool": "RAD candidate pool, as a multiple of `n_interior`",
    "collocation.lbfgs_resample_every": "draw new interior points every this many L-BFGS steps (0 = never)",
    "data.n": "number of observations sampled from the reference solution (inverse problems)",
    "data.noise": "relative Gaussian noise added to the observations (0.01 = 1 %)",
    "data.file": "observations from a file instead: `.npz` (`points`, `values`) or CSV with columns t, x, u",
    "train.devices": "devices to split the work over (collocation points, ensemble members, FBPINN subdomains or training minibatches; 0 = every device)",
    "train.adam_steps": "Adam steps (first phase)",
    "train.learning_rate": "Adam learning rate",
    "train.decay_rate": "exponential learning-rate decay: lr * decay_rate ** (step / decay_steps)",
    "train.decay_steps": "steps over which the learning rate decays by `decay_rate`",
    "train.lbfgs_steps": "L-BFGS steps after Adam (second phase; 0 = none)",
    "train.lbfgs_memory": "L-BFGS history size",
    "train.lbfgs_float64": "run the L-BFGS phase in float64 (scoped; the global JAX flag is untouched)",
    "train.causal_epsilon": "causal training tolerance (Wang et al. 2022); 0 = off",
    "train.causal_bins": "time bins of causal training",
    "train.steps": "training steps",
    "weights.pde": "weight of the PDE residual loss",
    "weights.ic": "weight of the initial-condition loss",
    "weights.ic_velocity": "weight of the initial-velocity loss",
    "weights.bc": "weight of the boundary-condition loss",
    "weights.data": "weight of the data (observation) loss",
    "decomposition.subdomains": "subdomains per axis (one level)",
    "decomposition.levels": "multilevel decomposition: subdomains per axis of each level (`[]` = one level)",
    "decomposition.overlap": "subdomain width as a multiple of the subdomain spacing",
    "decomposition.window": "partition-of-unity window: `cosine`, `sigmoid`, `bump`",
    "scheduler.kind": "which subdomains train when: `all`, `line`, `point`",
    "scheduler.axis": "coordinate a line scheduler marches along",
    "scheduler.point": "starting point of a point scheduler",
    "scheduler.n_stages": "number of scheduler stages (0: one per subdomain centre along the axis)",
    "scheduler.final_all": "share of the steps trained with every subdomain active at the end",
    "pinn.width": "width of the comparison PINN",
    "pinn.depth": "depth of the comparison PINN",
    "pinn.activation": "activation of the comparison PINN",
    "pinn.hard_constraints": "hard constraints in the comparison PINN",
    "pinn.learning_rate": "learning rate of the comparison PINN",
    "pinn.match_parameters": "size the comparison PINN to the FBPINN's parameter count",
    "pinn.decay_rate": "learning-rate decay of the comparison PINN",
    "pinn.decay_steps": "decay steps of the comparison PINN",
    "pinn.steps": "steps of the comparison PINN",
    "elm.features": "random features per subdomain",
    "elm.depth": "hidden layers of the random-feature networks",
    "elm.feature_scale": "scale of the random hidden weights",
    "elm.nonlinear": "Gauss-Newton iterations for nonlinear problems (false: one linear solve)",
    "elm.iterations": "Gauss-Newton iterations when `nonlinear` is true",
    "elm.method": "least-squares method: `dense`, `lsqr`, or `auto` (dense up to `dense_limit` unknowns)",
    "elm.dense_limit": "most unknowns solved densely under `auto`",
    "pde.name": "the PDE the emulator learns (a spectral solver of `physax.solvers.spectral`)",
    "pde.num_points": "grid points per axis",
    "pde.extent": "domain length",
    "pde.dt": "time step between emulator states",
    "pde.nu": "viscosity",
    "pde.order": "ETDRK order of the reference solver",
    "pde.substeps": "solver substeps per emulator step",
    "pde.ic": "initial-condition distribution: `fourier`, `grf`, `sine_cosine`",
    "pde.max_mode": "highest Fourier mode of random initial conditions",
    "pde.amplitude": "amplitude of random initial conditions",
    "pde.grf_exponent": "decay exponent of the Gaussian random field spectrum",
    "pde.warmup_steps": "solver steps discarded before recording (lets chaotic systems settle)",
    "data.train_trajectories": "training trajectories",
    "data.train_steps": "steps per training trajectory",
    "data.test_trajectories": "held-out trajectories",
    "data.test_steps": "steps per held-out trajectory",
    "data.save": "write the generated trajectories into the run directory",
    "data.seed": "seed of the data (-1: derived from `seed`)",
    "data.train": "training samples",
    "data.test": "held-out samples",
    "model.architecture": "`linear`, `convnet`, `resnet`, `preresnet`, `dilated`, `unet`, `fno`",
    "model.kernel_size": "convolution kernel size",
    "model.use_bias": "convolutions with bias",
    "model.levels": "UNet levels",
    "model.modes": "FNO Fourier modes",
    "model.boundary": "padding of the convolutions (`periodic`, ...)",
    "model.seed": "seed of the network weights (-1: derived from `seed`)",
    "emulator:model.width": "channels per hidden layer",
    "emulator:model.depth": "hidden layers / blocks",
    "emulator:model.activation": "activation function",
    "train.configuration": "training methodology: `supervised`, `diverted`, `mix`, `residuum`",
    "train.rollout_steps": "autoregressive rollout length(s); a list trains a curriculum",
    "train.batch_size": "mini-batch size",
    "train.schedule": "learning-rate schedule: `constant` or `cosine`",
    "train.final_lr_fraction": "final learning rate of the cosine schedule, as a fraction",
    "train.loss": "time-level loss: `mse`, `mae`, `nmse`, `nmae`",
    "train.discount": "exponential weight of later time levels (1 = equal)",
    "train.cut_bptt_every": "stop gradients through the rollout every this many steps (0 = never)",
    "train.branch_steps": "diverted chain: steps after which the reference branches off",
    "train.post_physics_steps": "mix chain: reference-solver steps after the emulator's",
    "train.cut_div_chain": "diverted chain: no gradient through the branching state",
    "train.shuffle_seed": "seed of the mini-batch order (-1: derived from `seed`)",
    "eval.rollout_steps": "length of the held-out rollout the metrics are computed on",
    "model.nx": "velocity model cells in x",
    "model.nz": "velocity model cells in z (depth)",
    "model.dx": "grid spacing (m)",
    "model.start_smoothing": "Gaussian smoothing (cells) of the true model that gives the starting model",
    "acquisition.n_shots": "surface shots",
    "acquisition.receiver_spacing": "cells between receivers",
    "acquisition.f0": "Ricker peak frequency (Hz)",
    "acquisition.t_end": "recording time (s)",
    "acquisition.dt": "time step (s)",
    "acquisition.order": "finite-difference order in space",
    "acquisition.pml_width": "CPML absorbing layer width (cells)",
    "acquisition.free_surface": "reflecting free surface at the top",
    "inversion.optimizer": "`lbfgs` or `adam`",
    "inversion.learning_rate": "Adam learning rate",
    "inversion.lbfgs_memory": "L-BFGS history size",
    "inversion.misfit": "data misfit: `l2` or `ncc` (normalised cross-correlation)",
    "inversion.bands": "low-pass corner frequencies of the frequency continuation (0 = full band)",
    "inversion.iterations": "iterations per band",
    "inversion.vmin": "lower velocity bound (m/s)",
    "inversion.vmax": "upper velocity bound (m/s)",
    "inversion.smoothing": "Gaussian smoothing of the gradient (cells)",
    "inversion.mask_rows": "rows below the surface where the gradient is masked",
    "inversion.depth_power": "depth preconditioning: gradient scaled by depth ** power",
    "fno.enabled": "train the FNO",
    "fno.width": "FNO channels",
    "fno.modes": "Fourier modes kept per layer",
    "fno.layers": "Fourier layers",
    "fno.projection_width": "width of the output projection",
    "fno.append_grid": "append the grid coordinate as an input channel",
    "fno.steps": "FNO steps (0 = `train.steps`)",
    "deeponet.enabled": "train the DeepONet",
    "deeponet.basis": "number of basis functions (branch and trunk outputs)",
    "deeponet.width": "hidden width",
    "deeponet.depth": "hidden layers",
    "deeponet.periodic": "periodic embedding of the trunk input",
    "deeponet.steps": "DeepONet steps (0 = `train.steps`)",
    # physax solve
    "solver": "classical solver (`wave`: the 2-D acoustic FD solver)",
    "problem": "the catalogue problem",
    "dims": "spatial dimensions",
    "n": "grid points per axis",
    "x_min": "left end of the periodic domain",
    "extent": "domain length",
    "dt": "time step",
    "t_end": "final time",
    "snapshots": "saved snapshots",
    "order": "ETDRK order (spectral) / FD order in space (wave)",
    "float64": "solve in double precision",
    "nx": "grid cells in x",
    "nz": "grid cells in z",
    "dx": "grid spacing (m)",
    "f0": "Ricker peak frequency (Hz)",
    "source_x": "source cell in x",
    "source_z": "source cell in z",
    "receiver_z": "receiver depth (cells)",
    "receiver_spacing": "cells between receivers",
    "pml_width": "CPML width (cells)",
    "free_surface": "reflecting free surface at the top",
}


@dataclass(frozen=True)
class Key:
    """One key of a shipped TOML: dotted name, default value, and the comment beside it."""

    name: str
    value: object
    comment: str


_TABLE = re.compile(r"^\s*\[\s*([A-Za-z0-9_.\-]+)\s*\]\s*(?:#.*)?$")
_ASSIGN = re.compile(r"^\s*([A-Za-z0-9_\-]+)\s*=")


def _comment(line: str) -> str:
    """The ``# comment`` at the end of a one-line ``key = value`` (``#`` inside strings ignored)."""
    in_str, quote = False, ""
    for i, ch in enumerate(line):
        if in_str:
            if ch == quote:
                in_str = False
        elif ch in "\"'":
            in_str, quote = True, ch
        elif ch == "#":
            return line[i + 1 :].strip()
    return ""


def _flatten(table: dict, prefix: str = "") -> dict[str, object]:
    out: dict[str, object] = {}
    for k, v in table.items():
        if isinstance(v, dict):
            out.update(_flatten(v, f"{prefix}{k}."))
        else:
            out[f"{prefix}{k}"] = v
    return out


def config_keys(path: Path) -> list[Key]:
    """Every key of one TOML file in file order, with its comment.

    Values come from ``tomllib``; comments from the text: a trailing ``# ...`` on the
    key's line and any whole-line comments directly above it.
    """
    text = path.read_text()
    values = _flatten(tomllib.loads(text))
    comments: dict[str, str] = {}
    order: list[str] = []
    section, pending = "", []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("#"):
            pending.append(stripped.lstrip("#").strip())
            continue
        if not stripped:
            pending = []
            continue
        if m := _TABLE.match(line):
            section, pending = m.group(1) + ".", []
            continue
        if m := _ASSIGN.match(line):
            name = section + m.group(1)
            order.append(name)
            comments[name] = " ".join([*pending, _comment(line)]).strip()
            pending = []
    keys = [Key(n, values[n], comments.get(n, "")) for n in order if n in values]
    seen = {k.name for k in keys}  # anything the line scan missed (multi-line values)
    keys += [Key(n, v, "") for n, v in values.items() if n not in seen]
    return keys


def config_tables() -> dict[str, dict[str, list[Key]]]:
    """``{"experiments": {name: keys}, "solve": {name: keys}}`` for every shipped TOML."""
    return {
        kind: {p.stem: config_keys(p) for p in sorted(d.glob("*.toml"))} for kind, d in CONFIG_DIRS.items()
    }


def _type(v: object) -> str:
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, int):
        return "int"
    if isinstance(v, float):
        return "float"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        return "list"
    return type(v).__name__


def _value(v: object) -> str:
    if isinstance(v, bool):
        text = "true" if v else "false"
    elif isinstance(v, str):
        text = f'"{v}"'
    elif isinstance(v, list):
        text = "[" + ", ".join(_value(x).strip("`") for x in v) + "]"
    else:
        text = repr(v)
    return "`" + text.replace("|", "\\|") + "`"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _meaning(key: Key, runner: str) -> str:
    parts = [GLOSSARY.get(f"{runner}:{key.name}") or GLOSSARY.get(key.name, "")]
    if key.comment:
        parts.append(f"*{key.comment}*" if parts[0] else key.comment)
    return _cell("; ".join(p for p in parts if p))


def _section(name: str, keys: list[Key], command: str) -> list[str]:
    values = {k.name: k.value for k in keys}
    runner = str(values.get("runner", "pinn"))
    lines = [f"### `{name}`", ""]
    if "description" in values:
        lines += [_cell(str(values["description"])), ""]
    lines += [f"`{command} {name}`" + (f" (runner `{runner}`)" if command == "physax run" else ""), ""]
    lines += ["| key | default | type | meaning |", "|---|---|---|---|"]
    for k in keys:
        if k.name == "description":
            continue
        lines.append(f"| `{k.name}` | {_value(k.value)} | {_type(k.value)} | {_meaning(k, runner)} |")
    return [*lines, ""]


def render_reference() -> str:
    """The Markdown of the configuration reference page."""
    tables = config_tables()
    out = [
        "# Experiment configuration (TOML)",
        "",
        "This page is generated at build time from the TOML files shipped inside physax",
        "(`physax/experiments/configs/*.toml` for `physax run`, `solve_configs/*.toml` for",
        "`physax solve`). The defaults in those files are also the schema: every key that",
        "may be set exists there, with its type. A key or value outside it is refused with a",
        "one-line error (exit code 2) that names the key and, for a typo, the closest match.",
        "",
        "Set keys with `--set section.key=value` (repeatable), with a TOML file laid over",
        "the defaults (`--config my.toml`; start from `physax show NAME > my.toml`), or",
        'from Python with `physax.experiments.load(NAME, {"section.key": value})`.',
        "A run's own `config.toml` is such a file, complete and re-runnable as is.",
        "",
        "## Experiments (`physax run`)",
        "",
        "| experiment | runner | keys | description |",
        "|---|---|---:|---|",
    ]
    for name, keys in tables["experiments"].items():
        values = {k.name: k.value for k in keys}
        out.append(
            f"| [`{name}`](#{name}) | {values.get('runner', 'pinn')} | {len(keys)} "
            f"| {_cell(str(values.get('description', '')))} |"
        )
    out.append("")
    for name, keys in tables["experiments"].items():
        out += _section(name, keys, "physax run")
    out += [
        "## Classical solves (`physax solve`)",
        "",
        "| problem | keys | description |",
        "|---|---:|---|",
    ]
    for name, keys in tables["solve"].items():
        values = {k.name: k.value for k in keys}
        out.append(
            f"| [`{name}`](#solve-{name}) | {len(keys)} | {_cell(str(values.get('description', '')))} |"
        )
    out.append("")
    for name, keys in tables["solve"].items():
        sec = _section(name, keys, "physax solve")
        sec[0] = f"### `{name}` {{ #solve-{name} }}"
        out += sec
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------- MkDocs hooks


def on_files(files, config):
    from mkdocs.structure.files import File

    files.append(File.generated(config, PAGE, content=render_reference()))
    return files


_MATHJAX = "assets/mathjax"
MATHJAX_CONFIG = "TeX-AMS-MML_HTMLorMML-full,Safe"  # the configs that package ships
# The package ships the STIX-Web fonts (not MathJax's TeX fonts): tell HTML-CSS output to use them.
_FONTS = '"HTML-CSS": {availableFonts: [], preferredFont: null, webFont: "STIX-Web", imageFont: null}'
# Markdown pages: only the \(...\) and \[...\] that pymdownx.arithmatex (generic mode) marks up.
_ARITHMATEX = (
    'tex2jax: {inlineMath: [["\\\\(", "\\\\)"]], displayMath: [["\\\\[", "\\\\]"]], '
    'processEscapes: false, processEnvironments: false, ignoreClass: ".*|", processClass: "arithmatex"}'
)
_MATHJAX_TAG = re.compile(r'<script src="[^"]*assets/mathjax/MathJax\.js')


def on_post_page(output: str, page, config) -> str:
    """Pages with maths load the local MathJax, configured for the fonts it ships.

    Notebook pages load it themselves (mkdocs-jupyter's ``custom_mathjax_url``); Markdown
    pages with ``pymdownx.arithmatex`` maths get a script tag here.
    """
    settings = _FONTS
    if "jupyter-wrapper" not in output:
        if 'class="arithmatex"' not in output:
            return output
        rel = "../" * page.url.count("/")
        tag = f'<script src="{rel}{_MATHJAX}/MathJax.js?config={MATHJAX_CONFIG}"></script>'
        output = output.replace("</body>", tag + "\n</body>", 1)
        settings = f"{_FONTS}, {_ARITHMATEX}"
    m = _MATHJAX_TAG.search(output)
    if m is None:
        return output
    script = f"<script>window.MathJax = {{{settings}}};</script>\n"
    return output[: m.start()] + script + output[m.start() :]


def on_post_build(config) -> None:
    import shutil

    import jupyter_server_mathjax

    src = Path(jupyter_server_mathjax.__file__).parent / "static"
    dest = Path(config["site_dir"]) / _MATHJAX
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(src, dest)
