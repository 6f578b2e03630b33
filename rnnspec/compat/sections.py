"""The change sections of reports/compat.md: one table per kind of change, and the next release.

Every step (an environment against its base, ``rnnspec.compat.steps``) contributes its changed
points; they are grouped by kind (status, raising, returned structure, relations, reference
error, added or removed) into one table per kind, a row per environment and change with the
number of points, the tables they are in and the first few cases. Which environment a point
changed in is the row's first column ("changed in"); every point's whole history is one
command away (``python -m rnnspec.compat when CASE``).

The nightly environments (names starting ``nightly``) get their own section, "what the next
release changes": every point that differs from their base (the pinned stack), a row each.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any, Final

from rnnspec.compat.compare import Change, bare, kind_rank, shown_outcome
from rnnspec.compat.condensed import Environment, Point
from rnnspec.compat.page import PointIndex, cell, code
from rnnspec.compat.steps import Step

#: A row names at most this many of its cases; the rest are counted.
ROW_CASES: Final = 4
#: The next release's section lists at most this many points per nightly environment.
NIGHTLY_ROWS: Final = 200
NIGHTLY_PREFIX: Final = "nightly"

#: The kinds of change (compare.kind_rank's order), grouped into the page's tables.
GROUPS: Final = (
    ("Status", ("status",)),
    ("Raising or returning", ("raises", "returns")),
    ("Returned structure, dtype, container", ("structure", "dtype", "container")),
    ("Relations", ("relation",)),
    ("Reference error", ("reference", "values")),
    ("Points added or removed", ("added", "removed")),
)


def group_of(kind: str) -> str:
    """The title of the table a kind of change goes in."""
    return next((title for title, prefixes in GROUPS if kind.startswith(prefixes)), GROUPS[-1][0])


def version_delta(before: Environment, after: Environment) -> str:
    """How the versions moved from BEFORE to AFTER, e.g. ``keras 3.0.5 -> 3.4.1``."""
    keys = sorted((set(before.versions) | set(after.versions)) - {"python_minor"})
    moved = [
        f"{k} {before.versions.get(k) or '-'} -> {after.versions.get(k) or '-'}"
        for k in keys
        if before.versions.get(k) != after.versions.get(k)
    ]
    return "; ".join(moved) if moved else "the same versions"


def _cases(points: Sequence[Point], index: PointIndex) -> str:
    shown = [f"{code(index.label(p))} {p[1]}" for p in points[:ROW_CASES]]
    rest = len(points) - len(shown)
    return ", ".join(shown) + (f" and {rest:,} more" if rest else "")


def change_sections(steps: Sequence[Step], index: PointIndex) -> list[str]:
    """One table per kind of change, a row per (environment, change): the compact history."""
    regular = [s for s in steps if not s.env.name.startswith(NIGHTLY_PREFIX)]
    total = sum(len(s.changed) for s in regular)
    out = [
        "",
        "## What changed, and where",
        "",
        "Each environment against the previous one of its series (*changed in* against *from*; the",
        "environments table says which), over the points both ran; skipped points (`gpu` without a GPU)",
        "are never a change. One table per kind of change, a row per environment and change, with the",
        "first cases; a point's whole history: `python -m rnnspec.compat when 'LSTM[core-state-cpu]'`.",
        "",
    ]
    if not total:
        return [*out, "Nothing changed between any environment and the previous one of its series."]
    quiet = [s.env.name for s in regular if not s.changed]
    if quiet:
        out += ["No change against the previous environment: " + ", ".join(f"`{n}`" for n in quiet) + ".", ""]
    rows: dict[str, dict[tuple[int, str, str], list[Point]]] = defaultdict(lambda: defaultdict(list))
    order = {s.env.name: n for n, s in enumerate(regular)}
    for s in regular:
        for point, found in s.changed.items():
            for kind in sorted({c.kind for c in found}, key=kind_rank):
                rows[group_of(kind)][(order[s.env.name], s.env.name, kind)].append(point)
    by_name = {s.env.name: s for s in regular}
    for title, _ in GROUPS:
        if title not in rows:
            continue
        out += [
            f"### {title}",
            "",
            "| changed in | from | change | points | tables | cases |",
            "|---|---|---|---|---|---|",
        ]
        for (_, name, kind), points in sorted(rows[title].items(), key=lambda kv: (kv[0][0], kind_rank(kv[0][2]))):
            tables: dict[str, int] = defaultdict(int)
            for point in points:
                tables[index.title(index.file(point))] += 1
            where = ", ".join(f"{cell(t)} {n:,}" for t, n in sorted(tables.items()))
            out.append(
                f"| `{name}` | `{by_name[name].base.name}` | {cell(kind)} | {len(points):,} | {where} | "
                f"{_cases(points, index)} |"
            )
        out.append("")
    return out[:-1]


def _shown(record: Mapping[str, Any] | None) -> str:
    """A record in the next release's table: status, what it returned or raised, or why not."""
    if record is None:
        return "not run"
    parts = [shown_outcome(record)]
    if not bare(record):
        for key in ("actual", "error"):
            if record.get(key):
                parts.append(code(str(record[key])))
    elif record.get("reason"):
        parts.append(f"({cell(str(record['reason']))})")
    return " ".join(parts)


def nightly_sections(steps: Sequence[Step], index: PointIndex) -> list[str]:
    """What the next release changes: each nightly environment against its base, every point."""
    nightly = [s for s in steps if s.env.name.startswith(NIGHTLY_PREFIX)]
    if not nightly:
        return []
    out = [
        "",
        "## What the next release changes",
        "",
        "The nightly builds (`tox -e nightly`, pins moved by `tox -e nightly-bump`) against the pinned",
        "stack they follow. Each difference is a change coming in the next release: a fix, a regression",
        "or a change of behaviour; the tables then need a row with `versions:` and a reason.",
    ]
    for s in nightly:
        out += ["", f"### `{s.env.name}` against `{s.base.name}`", "", f"Versions: {version_delta(s.base, s.env)}.", ""]
        if not s.changed:
            out.append(f"No difference in the {s.total_compared:,} points both ran.")
            continue
        items: list[tuple[Point, list[Change]]] = sorted(
            s.changed.items(), key=lambda kv: min(kind_rank(c.kind)[0] for c in kv[1])
        )
        out += [
            f"{len(items):,} of the {s.total_compared:,} points both ran differ.",
            "",
            f"| case | device | what changed | `{s.base.name}` | `{s.env.name}` |",
            "|---|---|---|---|---|",
        ]
        for point, found in items[:NIGHTLY_ROWS]:
            what = "; ".join(c.detail for c in found)
            out.append(
                f"| {code(index.label(point))} | {point[1]} | {cell(what)} | "
                f"{_shown(s.base.cases.get(point))} | {_shown(s.env.cases.get(point))} |"
            )
        if len(items) > NIGHTLY_ROWS:
            out += ["", f"And {len(items) - NIGHTLY_ROWS:,} more, in `reports/compat/{s.env.name}.json`."]
    return out
