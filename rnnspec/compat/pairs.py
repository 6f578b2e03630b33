"""The sections of reports/compat.md that compare each pair of consecutive environments.

Each says how the versions moved, counts the changes by kind and table, and lists the changed
points, the weightiest change first (``rnnspec.compat.compare``), at most PAIR_ROWS of them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

from rnnspec.compat.compare import Change, bare, by_kind_and_table, changes, kind_rank, outcome, shown_outcome
from rnnspec.compat.condensed import Environment, Point
from rnnspec.compat.page import PointIndex, cell, code

#: A pair section lists at most this many changed points (the weightiest); the rest are counted.
PAIR_ROWS = 200


def _version_delta(before: Environment, after: Environment) -> str:
    keys = sorted((set(before.versions) | set(after.versions)) - {"python_minor"})
    moved = [
        f"{k} {before.versions.get(k) or '-'} -> {after.versions.get(k) or '-'}"
        for k in keys
        if before.versions.get(k) != after.versions.get(k)
    ]
    return "Versions: " + ("; ".join(moved) if moved else "the same") + "."


def _shown(record: Mapping[str, Any] | None) -> str:
    """A record in a pair section: its status, what it returned, the error's first line, and
    why it was not applicable or skipped (the argument a version lacks, say)."""
    if record is None:
        return outcome(record)
    parts = [shown_outcome(record)]
    if not bare(record):
        if record.get("actual"):
            parts.append(code(str(record["actual"])))
        if record.get("error"):
            parts.append(code(str(record["error"])))
    elif record.get("reason"):
        parts.append(f"({cell(str(record['reason']))})")
    return " ".join(parts)


def pair_section(before: Environment, after: Environment, index: PointIndex) -> list[str]:
    out = ["", f"### `{before.name}` -> `{after.name}`", "", _version_delta(before, after), ""]
    found: list[tuple[Point, list[Change]]] = []
    for point in index.points:
        point_changes = changes(before.cases.get(point), after.cases.get(point))
        if point_changes:
            found.append((point, point_changes))
    both = len(set(before.cases) & set(after.cases))
    if not found:
        return [*out, f"Nothing changed in the {both:,} contract points both ran."]
    out += [
        f"{len(found):,} of {len(index.points):,} contract points changed ({both:,} ran in both).",
        "",
        "| change | points | tables |",
        "|---|---|---|",
    ]
    for kind, points, tables in by_kind_and_table((index.title(index.file(p)), c) for p, c in found):
        where = ", ".join(f"{cell(title)} {n:,}" for title, n in tables)
        out.append(f"| {cell(kind)} | {points:,} | {where} |")
    # The weightiest changes first (status, raising, structure ... reference error, container),
    # each group in the tables' order; past PAIR_ROWS the rest are only counted. A Keras 2 -> 3
    # step changes the container of ~800 points, which the matrix above lists anyway.
    found.sort(key=lambda item: min(kind_rank(c.kind)[0] for c in item[1]))
    shown = found[:PAIR_ROWS]
    out += [
        "",
        f"<details><summary>The {len(found):,} changed points, weightiest change first</summary>",
        "",
        f"| case | device | what changed | `{before.name}` | `{after.name}` |",
        "|---|---|---|---|---|",
    ]
    for point, point_changes in shown:
        what = "; ".join(c.detail for c in point_changes)
        out.append(
            f"| {code(index.label(point))} | {point[1]} | {cell(what)} | "
            f"{_shown(before.cases.get(point))} | {_shown(after.cases.get(point))} |"
        )
    if len(found) > len(shown):
        rest = Counter(kind for _, point_changes in found[len(shown) :] for kind in {c.kind for c in point_changes})
        listed = ", ".join(f"{cell(kind)} {n:,}" for kind, n in sorted(rest.items(), key=lambda kv: kind_rank(kv[0])))
        out += [
            "",
            f"And {len(found) - len(shown):,} more points, counted above and not listed here ({listed}):",
            "the matrix above shows those whose result differs, `reports/compat/*.json` has every one.",
        ]
    return [*out, "", "</details>"]
