"""``python -m rnnspec.compat when CASE``: in which release did this point's result change?

A user who meets a difference asks when it came; the matrix holds the answer, one point per
environment. ``when`` prints, in manifest order, what each recorded environment returned for
the point (status, returned structure or raised exception, documented deviations, failing
relations) and names each environment where it changed against the previous one of its
series (the same comparison as the page, ``rnnspec.compat.steps``).

CASE is what a user has at hand: a test id (``spec/lstm.yaml::LSTM[core-state-cpu]``), the
item name (``LSTM[core-state-cpu]``), the case key of the condensed files
(``lstm.yaml::LSTM[core-state]``, every device) or its label (``LSTM[core-state]``), or any
substring of an id that names one case. No match gives a "did you mean".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rnnspec.compat.compare import Change, outcome, returned
from rnnspec.compat.condensed import CompatError, Point
from rnnspec.compat.environments import Matrix
from rnnspec.compat.page import PointIndex
from rnnspec.compat.steps import point_changes
from rnnspec.errors import did_you_mean

#: A query that matches more cases than this lists only the first ones.
SHOWN_MATCHES = 10


class NoSuchPoint(LookupError):
    """The query names no point of any recorded environment (exit 1)."""


class AmbiguousQuery(CompatError):
    """The query matches several cases (exit 2, as any bad input)."""


def item_name(point: Point) -> str:
    """The pytest item name of a point: ``LSTM[core-state-cpu]`` for (``lstm.yaml::LSTM[core-state]``, cpu)."""
    label = point[0].split("::", 1)[-1]
    return f"{label[:-1]}-{point[1]}]" if label.endswith("]") else f"{label}[{point[1]}]"


def item_id(point: Point, index: PointIndex) -> str:
    """The test id: ``spec/lstm.yaml::LSTM[core-state-cpu]``."""
    return f"{index.file(point)}::{item_name(point)}"


def resolve(query: str, index: PointIndex) -> list[Point]:
    """The points QUERY names, in the index's order (see the module's docstring)."""
    query = query.strip()
    if not query:
        raise CompatError("an empty case name: give a test id, an item name or a case key")
    exact = [
        p
        for p in index.points
        if query in (item_id(p, index), item_name(p), p[0], index.label(p), f"{index.file(p)}::{index.label(p)}")
    ]
    found = exact or [p for p in index.points if query in item_id(p, index) or query in p[0]]
    cases = list(dict.fromkeys(p[0] for p in found))
    if not found:
        names = list(dict.fromkeys(item_name(p) for p in index.points))
        hint = did_you_mean(query, names, "no case of any recorded environment contains it")
        raise NoSuchPoint(f"{query!r} is in no condensed file: {hint}")
    if len(cases) > 1:
        listed = ", ".join(cases[:SHOWN_MATCHES]) + (
            f" and {len(cases) - SHOWN_MATCHES} more" if len(cases) > SHOWN_MATCHES else ""
        )
        raise AmbiguousQuery(f"{query!r} matches {len(cases)} cases: {listed}; give one of them")
    return found


@dataclass(frozen=True)
class Moment:
    """One environment's result for the point, and what changed against its base (if any)."""

    env: str
    record: Mapping[str, Any] | None
    base: str | None
    changes: list[Change] | None  # None: no base, or not comparable (skipped, depth)


def history(point: Point, matrix: Matrix) -> list[Moment]:
    """The point in every recorded environment, in manifest order."""
    out = []
    for env in matrix.envs:
        base = matrix.base_of(env.name)
        record = env.cases.get(point)
        found = None
        if base is not None:
            found = point_changes(base.cases.get(point), record, base.depth == env.depth)
        out.append(Moment(env.name, record, base.name if base else None, found))
    return out


def result_text(record: Mapping[str, Any] | None) -> str:
    """Status, what came back, deviations and failing relations, as one line."""
    parts = [outcome(record)]
    if record is not None:
        if returned(record):
            parts.append(returned(record))
        elif record.get("reason"):
            parts.append(f"({record['reason']})")
        if record.get("deviations"):
            parts.append("deviations: " + ", ".join(record["deviations"]))
        if record.get("relation_failures"):
            parts.append("failing: " + ", ".join(sorted(record["relation_failures"])))
    return " ".join(parts)


def changed_in(moments: Sequence[Moment]) -> list[Moment]:
    """The moments where the point changed against the base."""
    return [m for m in moments if m.changes]


def format_history(point: Point, moments: Sequence[Moment], index: PointIndex) -> list[str]:
    """The lines ``when`` prints for one point."""
    width = max(len(m.env) for m in moments)
    lines = [f"{item_id(point, index)}  (case {point[0]}, {point[1]})"]
    for m in moments:
        line = f"  {m.env:<{width}}  {result_text(m.record)}"
        if m.changes:
            line += f"    <- changed from {m.base}: " + "; ".join(c.detail for c in m.changes)
        lines.append(line)
    changed = changed_in(moments)
    if changed:
        lines.append("changed in: " + ", ".join(f"{m.env} (from {m.base})" for m in changed))
    else:
        lines.append("changed in: none (the same against the previous environment of every series)")
    return lines
