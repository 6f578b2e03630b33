"""Errors that point at a line of a spec file.

Every problem with a spec is reported as ``file:line: message`` so that the person who
wrote the table can jump to it, the way tavern reports its YAML tests.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from pathlib import Path


def located(line: int, path: Path) -> str:
    """``file:line`` for a line read from a table (``path``) or from a file it inherits from
    (a rnnspec.yamlload.Loc knows its file)."""
    return f"{Path(getattr(line, 'path', None) or path).name}:{int(line)}"


def did_you_mean(word: object, known: Iterable[str], otherwise: str = "") -> str:
    """The hint for an unknown name: the closest known one, else OTHERWISE. Every "did you
    mean" of the tables, the suite, the depth policy, the designs and `rnnspec show` is this."""
    close = difflib.get_close_matches(str(word), list(known), n=1)
    return f"did you mean {close[0]!r}?" if close else otherwise


class SpecError(Exception):
    """A spec file cannot be turned into cases; names the file and the line."""

    def __init__(self, path: Path | str, line: int | None, message: str, hint: str = "") -> None:
        # A line read from an inherited file (rnnspec.yamlload.Loc) names that file instead.
        self.path = Path(getattr(line, "path", None) or path)
        self.line = int(line) if line is not None else None
        self.message = message
        self.hint = hint
        super().__init__(self.format())

    def format(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else str(self.path)
        text = f"{where}: {self.message}"
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text


class SpecErrors(Exception):
    """Several problems in one file, reported together so that one run shows them all."""

    def __init__(self, errors: list[SpecError]) -> None:
        self.errors = errors
        super().__init__("\n".join(e.format() for e in errors))
