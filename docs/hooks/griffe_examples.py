"""Griffe extension for the physax API reference: a few docstring dialects as Markdown.

The physax docstrings are Markdown (Diffrax style) with some Google-style sections and a
few reStructuredText leftovers. So that the reference renders cleanly, this extension
rewrites, before parsing:

- a singular ``Example:`` heading followed by doctest lines into ``Examples:`` (Google
  parsing then renders them as a Python console block instead of nested block quotes);
- a bold ``**Example:**`` line followed by doctest lines (Diffrax style) into a fenced
  ``pycon`` block (otherwise Markdown reads ``>>>`` as quotes and ``[...]`` as links);
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


def markdownify(text: str) -> str:
    """The docstring with the rewrites above applied."""
    text = _EXAMPLE.sub(r"\g<indent>Examples:\n", text)
    text = _BOLD_EXAMPLE.sub(
        lambda m: f"{m.group('indent')}**Example:**\n\n{m.group('indent')}```pycon\n"
        + m.group("body").rstrip("\n")
        + f"\n{m.group('indent')}```\n",
        text,
    )
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
