"""Griffe extension for the physax API reference: a few docstring dialects as Markdown.

The physax docstrings are Markdown (Diffrax style) with some Google-style sections and a
few reStructuredText leftovers. So that the reference renders cleanly, this extension
rewrites, before parsing:

- a singular ``Example:`` heading followed by doctest lines into ``Examples:`` (Google
  parsing then renders them as a Python console block instead of nested block quotes);
- a bold ``**Example:**`` line followed by doctest lines (Diffrax style) into a fenced
  ``pycon`` block (otherwise Markdown reads ``>>>`` as quotes and ``[...]`` as links);
- any other unindented run of doctest lines (after an ``**Example:** some text`` line, or
  a second block further down) into a fenced ``pycon`` block too;
- ``.. math::`` directives into ``$$ ... $$`` display maths;
- Sphinx roles such as ``:class:`Field` `` and ``:func:`fit` `` into inline code.
"""

from __future__ import annotations

import re

import griffe

_EXAMPLE = re.compile(r"^(?P<indent>[ \t]*)Example:[ \t]*\n(?=(?:[ \t]*\n)*[ \t]+>>>)", re.MULTILINE)
# Diffrax style: a bold **Example:** line, then doctest lines up to the next blank line
_BOLD_EXAMPLE = re.compile(
    r"^(?P<indent>[ \t]*)\*\*Examples?:\*\*[ \t]*\n(?:[ \t]*\n)*(?P<body>(?:(?P=indent)>>>.*\n?(?:(?P=indent)\S.*\n?)*)+)",
    re.MULTILINE,
)
_ROLE = re.compile(r":(?:class|func|meth|mod|attr|data|obj|exc):`~?([^`]+)`")
_MATH_INLINE = re.compile(
    r"^(?P<indent>[ \t]*)\.\. math::[ \t]*(?P<expr>\S.*(?:\n(?P=indent)[ \t]+\S.*)*)$", re.MULTILINE
)
_MATH_BLOCK = re.compile(
    r"^(?P<indent>[ \t]*)\.\. math::[ \t]*\n(?P<body>(?:[ \t]*\n)*(?:(?P=indent)[ \t]+\S.*\n?(?:[ \t]*\n)*)+)",
    re.MULTILINE,
)


def _block(m: re.Match) -> str:
    indent = m.group("indent")
    lines = [line.strip() for line in m.group("body").splitlines() if line.strip()]
    return f"{indent}$$\n" + "".join(f"{indent}{line}\n" for line in lines) + f"{indent}$$\n\n"


def _fence_doctests(text: str) -> str:
    """Wrap every unindented run of ``>>>`` lines (and their output) outside a fence in ``pycon``.

    A run starts at a line beginning with ``>>>`` and ends at the first blank line. Indented
    runs are left alone: they belong to a Google-style ``Examples:`` section, which the
    Google parser renders itself.
    """
    out: list[str] = []
    lines = text.split("\n")
    fenced, i = False, 0
    while i < len(lines):
        line = lines[i]
        if line.lstrip().startswith("```"):
            fenced = not fenced
        if fenced or not line.startswith(">>>"):
            out.append(line)
            i += 1
            continue
        j = i
        while j < len(lines) and lines[j].strip():
            j += 1
        if out and out[-1].strip():
            out.append("")
        out += ["```pycon", *lines[i:j], "```"]
        if j < len(lines) and lines[j].strip():
            out.append("")
        i = j
    return "\n".join(out)


def markdownify(text: str) -> str:
    """The docstring with the rewrites above applied."""
    text = _EXAMPLE.sub(r"\g<indent>Examples:\n", text)
    text = _BOLD_EXAMPLE.sub(
        lambda m: (
            f"{m.group('indent')}**Example:**\n\n{m.group('indent')}```pycon\n"
            + m.group("body").rstrip("\n")
            + f"\n{m.group('indent')}```\n"
        ),
        text,
    )
    text = _fence_doctests(text)
    text = _ROLE.sub(r"`\1`", text)
    text = _MATH_BLOCK.sub(_block, text)
    return _MATH_INLINE.sub(
        lambda m: (
            f"{m.group('indent')}$$\n"
            + "".join(f"{m.group('indent')}{line.strip()}\n" for line in m.group("expr").splitlines())
            + f"{m.group('indent')}$$\n"
        ),
        text,
    )


class PhysaxDocstrings(griffe.Extension):
    def on_instance(self, *, obj: griffe.Object, **kwargs) -> None:
        if obj.docstring is not None:
            obj.docstring.value = markdownify(obj.docstring.value)
