"""The `physax` command line: `physax list`, `physax run`."""

from ._main import main as main

__all__ = ["main"]
