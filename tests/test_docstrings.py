"""Every public name of physax has a docstring, and the examples in them run.

Public names are those a subpackage's ``__init__`` re-exports (``__all__`` if it has one,
else every name not starting with ``_``) that are classes or functions defined in physax;
the subpackages are found by walking ``physax`` (every non-underscored package and public
module such as ``physax.nn.jet``), plus ``physax._train``, whose result objects are part
of the documented contract.

The examples are the ``>>>`` lines of each docstring. They run as doctests in a namespace
that holds ``jax``, ``jnp``, ``np``, ``math``, ``eqx``, ``optax``, ``physax``, every physax
subpackage under its short name (``problems``, ``nn``, ``fbpinn``, ``wave``, ...), every
public name of every subpackage, and last the names of the object's own subpackage, so an
example is written as if ``from physax.<package> import *`` had been run. A line whose
expected output is left empty only has to run; a given output must match (``...``
elides). Examples run in a temporary working directory (slow tier).

The fast tier checks, without running them, that every public name of every package has
an example, that their docstrings use the house style (bold
**Arguments:** / **Returns:** / **Example:** sections, Markdown maths) and that the API
reference's docstring hook renders every example as a code block.
"""

from __future__ import annotations

import doctest
import importlib
import inspect
import math
import pkgutil
import re

import pytest

import physax

EXTRA = ("physax._train",)  # underscored, but its result objects are documented API


def _packages() -> list[str]:
    names = []

    def walk(module):
        names.append(module.__name__)
        for info in pkgutil.iter_modules(getattr(module, "__path__", [])):
            if not info.name.startswith("_"):
                walk(importlib.import_module(f"{module.__name__}.{info.name}"))

    for info in pkgutil.iter_modules(physax.__path__):
        if not info.name.startswith("_"):
            walk(importlib.import_module(f"physax.{info.name}"))
    return sorted(set(names) | set(EXTRA))


PACKAGES = _packages()


def public_names(package: str) -> dict[str, object]:
    """``{name: object}`` of the classes and functions a physax package exports."""
    module = importlib.import_module(package)
    names = getattr(module, "__all__", None) or [n for n in vars(module) if not n.startswith("_")]
    out = {}
    for name in names:
        obj = getattr(module, name)
        if inspect.ismodule(obj) or not (inspect.isclass(obj) or callable(obj)):
            continue
        if not str(getattr(obj, "__module__", "")).startswith("physax"):
            continue  # a re-exported third-party name (jax.Array in a type alias, ...)
        out[name] = obj
    return out


def own_docstring(obj) -> str | None:
    """The object's own docstring; ``None`` for one that dataclasses or NamedTuple made up."""
    doc = vars(obj).get("__doc__") if inspect.isclass(obj) else getattr(obj, "__doc__", None)
    if not doc or not doc.strip():
        return None
    if inspect.isclass(obj) and re.match(rf"{re.escape(obj.__name__)}\(", doc.strip()):
        return None  # the generated "Name(field, ...)" signature
    return doc


CASES = [(pkg, name, obj) for pkg in PACKAGES for name, obj in public_names(pkg).items()]


def test_every_package_exports_names():
    assert len(PACKAGES) >= 12, PACKAGES
    assert len(CASES) > 200, len(CASES)


@pytest.mark.parametrize("package", PACKAGES)
def test_every_public_name_has_a_docstring(package):
    missing = [name for name, obj in public_names(package).items() if own_docstring(obj) is None]
    assert not missing, f"{package}: no docstring for {', '.join(missing)}"


def test_own_docstring_sees_through_generated_ones():
    import typing

    import equinox as eqx

    class Plain(eqx.Module):
        a: int = 0

    class Point(typing.NamedTuple):
        x: float

    class Documented(eqx.Module):
        """Something."""

    assert own_docstring(Plain) is None
    assert own_docstring(Point) is None
    assert own_docstring(Documented) == "Something."
    assert own_docstring(lambda: None) is None


# ----------------------------------------------------------------------------- examples
class _RunsOrMatches(doctest.OutputChecker):
    """An empty expected output accepts anything (the example has only to run)."""

    def check_output(self, want, got, optionflags):
        return not want.strip() or super().check_output(want, got, optionflags)


def namespace(package: str) -> dict:
    import equinox as eqx
    import jax
    import jax.numpy as jnp
    import numpy as np
    import optax

    ns = {"jax": jax, "jnp": jnp, "np": np, "math": math, "eqx": eqx, "optax": optax, "physax": physax}
    for pkg in PACKAGES:
        ns[pkg.rsplit(".", 1)[1].lstrip("_")] = importlib.import_module(pkg)
    for pkg in PACKAGES:
        ns.update(public_names(pkg))
    ns.update(public_names(package))
    return ns


def _examples():
    parser = doctest.DocTestParser()
    out = []
    for pkg, name, obj in CASES:
        doc = own_docstring(obj)
        if doc and ">>>" in doc:
            test = parser.get_doctest(inspect.cleandoc(doc), {}, f"{pkg}.{name}", None, 0)
            if test.examples:
                out.append(pytest.param(pkg, test, id=f"{pkg}.{name}"))
    return out


EXAMPLES = _examples()


def test_main_entry_points_have_examples():
    documented = {p.id for p in EXAMPLES}
    for name in (
        "physax.pinn.fit",
        "physax.fbpinn.fit",
        "physax.fbpinn.elm_solve",
        "physax.inverse.fwi",
        "physax.solvers.wave.simulate",
        "physax.experiments.load",
        "physax.experiments.run",
        "physax.nn.MLP",
        "physax.optim.Adam",
        "physax.metrics.rel_l2",
        "physax.problems.Burgers",
        "physax.geometry.Interval",
    ):
        assert name in documented, f"{name} has no runnable (>>>) example"


# Every package: each public name carries a runnable (>>>) example in the house style (issue 16).
EXAMPLE_PACKAGES = tuple(PACKAGES)
_GOOGLE_SECTION = re.compile(
    r"^[ \t]*(?:Args|Arguments|Returns|Raises|Examples?|Attributes):[ \t]*$", re.MULTILINE
)
_SPHINX = re.compile(r":(?:class|func|meth|mod|attr|data|obj|exc|math):`|^[ \t]*\.\. math::", re.MULTILINE)


@pytest.mark.parametrize("package", EXAMPLE_PACKAGES)
def test_every_public_name_has_an_example(package):
    documented = {p.id for p in EXAMPLES}
    missing = [name for name in public_names(package) if f"{package}.{name}" not in documented]
    assert not missing, f"{package}: no runnable (>>>) example for {', '.join(missing)}"


@pytest.mark.parametrize("package", EXAMPLE_PACKAGES)
def test_docstrings_follow_the_house_style(package):
    """Bold Diffrax sections (**Arguments:**, **Returns:**, **Example:**) and Markdown maths,
    not indented Google sections or Sphinx roles (the API reference renders Markdown)."""
    bad = []
    for name, obj in public_names(package).items():
        doc = own_docstring(obj) or ""
        if _GOOGLE_SECTION.search(doc) or _SPHINX.search(doc):
            bad.append(name)
        elif not re.search(r"^[ \t]*\*\*Examples?:\*\*", doc, re.MULTILINE):
            bad.append(f"{name} (no **Example:**)")
    assert not bad, f"{package}: docstrings not in the house style: {', '.join(bad)}"


def test_examples_render_as_code_blocks():
    """The API reference (docs/hooks/griffe_examples.py) fences every >>> line of these packages."""
    pytest.importorskip("griffe")
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "docs" / "hooks" / "griffe_examples.py"
    spec = importlib.util.spec_from_file_location("griffe_examples", path)
    hook = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hook)
    bare = []
    for package in EXAMPLE_PACKAGES:
        for name, obj in public_names(package).items():
            fenced = False
            for line in hook.markdownify(inspect.cleandoc(own_docstring(obj) or "")).splitlines():
                if line.strip().startswith("```"):
                    fenced = not fenced
                elif line.strip().startswith(">>>") and not fenced:
                    bare.append(f"{package}.{name}")
                    break
    assert not bare, f"doctest lines outside a code block in the rendered reference: {', '.join(bare)}"


def test_house_style_check_catches_google_sections():
    doc = "Summary.\n\n    Arguments:\n        x: a number.\n"
    assert _GOOGLE_SECTION.search(doc)
    assert _SPHINX.search("See :class:`Box`.")
    assert not _GOOGLE_SECTION.search("Summary.\n\n**Arguments:**\n\n- `x`: a number.\n")


@pytest.mark.slow
@pytest.mark.parametrize("package,test", EXAMPLES)
def test_docstring_example_runs(package, test, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # examples that write files write them here
    test.globs = namespace(package)
    runner = doctest.DocTestRunner(
        checker=_RunsOrMatches(), optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    )
    out = []
    runner.run(test, out=out.append, clear_globs=True)
    assert runner.failures == 0, "".join(out)
