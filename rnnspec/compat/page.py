"""Markdown pieces that every section of reports/compat.md uses, and the index of its points.

The index is the union of every environment's contract points in the tables' order, with the
titles of their files: the report's sections and the pair sections both walk it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rnnspec.compat.condensed import Environment, Point


def cell(text: str) -> str:
    """TEXT made safe inside a Markdown table cell."""
    return text.replace("|", "\\|")


def code(text: str) -> str:
    """TEXT as inline code in a cell; nothing for no text."""
    return f"`{cell(text)}`" if text else ""


def count(n: int, word: str) -> str:
    """``1 spec error``, ``1,204 spec errors``."""
    return f"{n:,} {word}{'' if n == 1 else 's'}"


class PointIndex:
    """The union of every environment's contract points, in the tables' order."""

    def __init__(self, envs: Sequence[Environment]) -> None:
        self.envs = envs
        first: dict[Point, Mapping[str, Any]] = {}
        for env in envs:
            for point, record in env.cases.items():
                first.setdefault(point, record)
        self.first = first
        self.points = sorted(first, key=lambda p: (first[p]["file"], first[p]["order"], p[0], p[1]))
        self.titles: dict[str, str] = {}
        for env in envs:
            for file, title in env.titles.items():
                self.titles.setdefault(file, str(title))

    def file(self, point: Point) -> str:
        return str(self.first[point]["file"])

    def title(self, file: str) -> str:
        return self.titles.get(file, file)

    def label(self, point: Point) -> str:
        """The case key without its file, e.g. ``LSTM[mask-seq]``."""
        return point[0].split("::", 1)[-1]
