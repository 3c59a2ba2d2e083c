"""Property test of every configuration schema (issue 21): Hypothesis generates ``--set``
overrides and whole TOML files for each experiment family and for ``physax solve``.

Each input must be accepted or refused with a one-line `ConfigError` (exit 2 through the
CLI), never any other exception; an accepted configuration must write a ``config.toml``
that loads back to itself. A small fixed sample of accepted inputs per family then runs
a real tiny step through ``physax.cli.main``: exit 0, or one line with exit 2 or 1.
"""

from __future__ import annotations

import math
import tomllib

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, assume, given, settings, strategies as st  # noqa: E402

import physax.experiments as ex  # noqa: E402
from physax.cli import main  # noqa: E402
from physax.experiments import _solve_spectral, _solve_wave  # noqa: E402
from physax.experiments._config import (  # noqa: E402
    SOLVE_PACKAGE,
    builtin,
    dumps,
    merge,
    parse_overrides,
    read_toml,
)
from physax.experiments._spec import _nested  # noqa: E402

pytestmark = pytest.mark.slow

FAMILIES = {
    "pinn": ["heat-forward", "burgers-inverse", "helmholtz2d", "nls", "wave2d"],
    "fbpinn": ["fbpinn-cosine", "fbpinn-laplace-multiscale", "fbpinn-burgers"],
    "elm": ["elm-oscillator"],
    "emulator": ["emulator-advection", "emulator-burgers", "emulator-ks"],
    "operator": ["operator-burgers"],
    "fwi": ["fwi"],
    "solve": ["burgers", "ks", "gray-scott", "nls", "wave"],
}
_ODIL = [n for n in ex.names() if n.startswith("odil")]
if _ODIL:  # validation only (no tiny run below)
    FAMILIES["odil"] = _ODIL
SET_EXAMPLES, TOML_EXAMPLES = 300, 250  # 550 generated inputs per family
SETTINGS = settings(
    max_examples=SET_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)


def _flat(d: dict, prefix: str = "") -> dict:
    out = {}
    for k, v in d.items():
        if isinstance(v, dict):
            out[f"{prefix}{k}"] = v  # a table name is a key too (clashes)
            out.update(_flat(v, f"{prefix}{k}."))
        else:
            out[f"{prefix}{k}"] = v
    return out


def _defaults(family: str, name: str) -> dict:
    return builtin(name, SOLVE_PACKAGE) if family == "solve" else builtin(name)


# ---- values, as TOML literals (what --set parses) and as Python values (for whole files)
_TEXT = st.text(st.characters(codec="utf-8"), max_size=12)
_NUMBERS = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.integers(min_value=-3, max_value=5),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, -0.0, 1e-300, 1e300, 5e-324, 0.5, -1.5]),
)
_SCALARS = st.one_of(_NUMBERS, st.booleans(), _TEXT)
_VALUES = st.one_of(
    _SCALARS,
    st.lists(_SCALARS, max_size=4),
    st.lists(st.lists(_SCALARS, max_size=2), max_size=2),
    st.dictionaries(st.sampled_from(["a", "kind", "steps", "x"]), _SCALARS, max_size=2),
)


def _literal(v) -> str:
    """`v` as a TOML literal (``nan``/``inf`` spelt as TOML does; huge ints as digits)."""
    if isinstance(v, dict):  # an inline table
        return dumps({"v": [v]}).split(" = ", 1)[1].strip()[1:-1]
    return dumps({"v": v}).split(" = ", 1)[1].strip()


_RAW = st.one_of(
    _VALUES.map(_literal),
    st.sampled_from(
        ["nan", "inf", "-inf", "+inf", "1e309", "-1e309", "0x10", "1_000", "true", "[", "{", '"', ""]
    ),
    _TEXT,  # bare words (taken as strings) and junk
)


def _typed(default) -> st.SearchStrategy:
    """Values of the default's own type: in range, out of range, non-finite, huge."""
    if isinstance(default, bool):
        return st.booleans()
    if isinstance(default, int):
        return st.one_of(st.integers(-3, 12), st.integers(-(2**70), 2**70))
    if isinstance(default, float):
        return st.one_of(
            st.floats(-5.0, 5.0),
            st.floats(allow_nan=True, allow_infinity=True),
            st.integers(-3, 10),
            st.sampled_from([0.0, 1e-300, 1e300, -1e300]),
        )
    if isinstance(default, str):
        return st.one_of(st.just(default), st.sampled_from(["", "tanh", "adam", "sine", "x"]), _TEXT)
    if isinstance(default, list):
        element = _typed(default[0]) if default else _SCALARS
        return st.lists(element, max_size=4)
    return _VALUES


_KEYS: dict[tuple[str, str], dict] = {}


def _schema(family: str, name: str) -> dict:
    if (family, name) not in _KEYS:
        _KEYS[family, name] = _flat(_defaults(family, name))
    return _KEYS[family, name]


@st.composite
def _set_items(draw, family: str) -> tuple[str, list[str]]:
    name = draw(st.sampled_from(FAMILIES[family]))
    schema = _schema(family, name)
    keys = sorted(schema)
    items = []
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["typed"] * 6 + ["any", "near", "random"]))
        if kind == "random":
            key = draw(st.from_regex(r"[a-z_]{1,6}(\.[a-z_]{1,6}){0,2}", fullmatch=True))
        else:
            key = draw(st.sampled_from(keys))
            if kind == "near":
                key += draw(st.sampled_from(["s", ".x", "_", ".a.b"]))
        if kind == "typed" and key in schema:
            value = _literal(draw(_typed(schema[key]))) if not isinstance(schema[key], dict) else "1"
        else:
            value = draw(_RAW)
        items.append(f"{key}={value}")
    return name, items


@st.composite
def _toml_file(draw, family: str) -> tuple[str, str]:
    name = draw(st.sampled_from(FAMILIES[family]))
    cfg = _defaults(family, name)
    flat = [k for k in _schema(family, name) if k != "experiment"]
    for key in draw(st.lists(st.sampled_from(flat), max_size=4)):
        *tables, leaf = key.split(".")
        node = cfg
        for t in tables:
            node = node.get(t) if isinstance(node, dict) else None
        if not isinstance(node, dict) or leaf not in node:
            continue  # its table was replaced or deleted by an earlier mutation
        action = draw(st.sampled_from(["set", "set", "set", "delete", "add"]))
        if action == "delete":
            node.pop(leaf, None)
        elif action == "add":
            node[leaf + "_extra"] = draw(_VALUES)
        elif action == "set" and not isinstance(node.get(leaf), dict) and draw(st.booleans()):
            node[leaf] = draw(_typed(node[leaf]))
        else:
            node[leaf] = draw(_VALUES)
    text = dumps(cfg)
    spoil = draw(st.sampled_from(["none", "none", "none", "truncate", "junk"]))
    if spoil == "truncate":
        text = text[: draw(st.integers(0, len(text)))]
    elif spoil == "junk":
        text += draw(_TEXT)
    return name, text


def _validated(call):
    """``call()``'s result, or ``None`` if it raised a one-line `ConfigError`."""
    try:
        return call()
    except ex.ConfigError as e:
        message = str(e)
        assert message and "\n" not in message and "Traceback" not in message, message
        return None


def _solve_config(name: str, overrides: dict) -> dict:
    cfg = merge(builtin(name, SOLVE_PACKAGE), _nested(overrides))
    (_solve_wave if cfg.get("solver") == "wave" else _solve_spectral).check(cfg)
    return cfg


def _round_trips(family: str, cfg: dict, tmp_path) -> None:
    """The resolved configuration written as config.toml loads back to itself."""
    text = dumps(cfg)
    if family == "solve":
        assert _same(merge(cfg, tomllib.loads(text)), cfg)
    else:
        path = tmp_path / "config.toml"
        path.write_text(text, encoding="utf-8")
        assert _same(ex.load(str(path)).config, cfg)


def _same(a, b) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a):
        return math.isnan(b)
    return type(a) is type(b) and a == b


@pytest.mark.parametrize("family", list(FAMILIES))
def test_set_overrides_are_accepted_or_refused_in_one_line(family, tmp_path_factory):
    tmp = tmp_path_factory.mktemp(family)

    @SETTINGS
    @given(_set_items(family))
    def check(case):
        name, items = case
        overrides = _validated(lambda: parse_overrides(items))
        if overrides is None:
            return
        if family == "solve":
            cfg = _validated(lambda: _solve_config(name, overrides))
        else:
            spec = _validated(lambda: ex.load(name, overrides))
            cfg = None if spec is None else spec.config
        if cfg is not None:
            _round_trips(family, cfg, tmp)

    check()


@pytest.mark.parametrize("family", list(FAMILIES))
def test_toml_files_are_accepted_or_refused_in_one_line(family, tmp_path_factory):
    tmp = tmp_path_factory.mktemp(family)

    @settings(SETTINGS, max_examples=TOML_EXAMPLES)
    @given(_toml_file(family))
    def check(case):
        name, text = case
        path = tmp / "user.toml"
        path.write_text(text, encoding="utf-8")
        if family == "solve":  # physax solve has no --config: the file as overrides of its defaults
            user = _validated(lambda: read_toml(path))
            if user is not None and _validated(lambda: _solve_config(name, user)) is not None:
                _round_trips(family, _solve_config(name, user), tmp)
            return
        spec = _validated(lambda: ex.load(str(path)))
        if spec is not None:
            _round_trips(family, spec.config, tmp)
        _validated(lambda: ex.load(name, config_file=str(path)))

    check()


# ---- a few accepted inputs per family run a real tiny step
TINY = {
    "pinn": ("heat-forward", {"train.adam_steps": 2, "train.lbfgs_steps": 0, "collocation.n_interior": 20,
             "collocation.n_boundary": 4, "collocation.n_initial": 4, "model.width": 4, "model.depth": 1, "chunk": 2}),
    "fbpinn": ("fbpinn-cosine", {"train.steps": 2, "chunk": 2, "collocation.n_interior": 20,
               "decomposition.subdomains": [3], "model.width": 4, "model.depth": 1}),
    "elm": ("elm-oscillator", {"decomposition.subdomains": [3], "elm.features": 4, "collocation.n_interior": 20,
            "elm.iterations": 1}),
    "emulator": ("emulator-advection", {"train.steps": 2, "chunk": 2, "train.batch_size": 2,
                 "data.train_trajectories": 2, "data.train_steps": 3, "data.test_trajectories": 1,
                 "data.test_steps": 3, "eval.rollout_steps": 3, "train.rollout_steps": [1]}),
    "operator": ("operator-burgers", {"data.train": 4, "data.test": 4, "pde.num_points": 16, "train.steps": 2,
                 "chunk": 2, "train.batch_size": 2, "fno.width": 4, "fno.modes": 4, "fno.layers": 1,
                 "fno.projection_width": 4, "deeponet.basis": 4, "deeponet.width": 4, "deeponet.depth": 1,
                 "deeponet.steps": 2}),
    "fwi": ("fwi", {"model.nx": 20, "model.nz": 12, "acquisition.n_shots": 1, "acquisition.t_end": 0.1,
            "inversion.iterations": [1], "inversion.bands": [0.0]}),
    "solve": ("burgers", {"n": 32, "snapshots": 2, "dt": 0.05}),
}  # fmt: skip
RUNS = 2  # accepted inputs per family that run for real (each compiles: seconds on a laptop)
_FIXED = {"experiment", "runner", "description", "solver", "problem"}


@st.composite
def _small_change(draw, family: str) -> list[str]:
    """One schema key set to a small value of its own type, over the family's tiny configuration."""
    name, tiny = TINY[family]
    schema = _schema(family, name)
    keys = sorted(k for k, v in schema.items() if k not in _FIXED and not isinstance(v, dict | list))
    key = draw(st.sampled_from(keys))
    default = schema[key]
    if isinstance(default, bool):
        value = draw(st.booleans())
    elif isinstance(default, int):
        value = draw(st.integers(0, 3))
    elif isinstance(default, float):
        value = draw(st.sampled_from([0.0, 0.5, 1.0, 2.0]))
    else:
        value = draw(st.sampled_from([default, "x"]))
    return [f"{k}={_literal(v)}" for k, v in {**tiny, key: value}.items()]


@pytest.mark.parametrize("family", list(TINY))
def test_accepted_inputs_run_a_tiny_step(family, tmp_path, capsys):
    name = TINY[family][0]
    count = [0]

    @settings(SETTINGS, max_examples=RUNS)
    @given(_small_change(family))
    def check(items):
        overrides = parse_overrides(items)
        if family == "solve":
            accepted = _validated(lambda: _solve_config(name, overrides)) is not None
        else:
            accepted = _validated(lambda: ex.load(name, overrides)) is not None
        assume(accepted)
        count[0] += 1
        out = tmp_path / f"run{count[0]}"
        argv = ["solve" if family == "solve" else "run", name, "--out", str(out), "--quiet"]
        code = main([*argv, *(x for item in items for x in ("--set", item))])
        err = capsys.readouterr().err.strip()
        assert code in (0, 1, 2), (items, code, err)
        assert code == 0 or (len(err.splitlines()) == 1 and "unexpected" not in err), (items, err)

    check()
