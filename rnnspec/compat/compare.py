"""What differs for one contract point between two environments, and how a cell names it.

Statuses read as in every generated page (``rnnspec.status_text``); returned structures are
compared by kind (container, dtype, nesting, raising), because those are the differences an
upgrade guard must tell apart; reference errors count as moved only above a floor and beyond
a factor, because float32 errors vary from process to process.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from rnnspec.status import NOT_APPLICABLE, PASSED, SKIPPED, UNFINISHED, XFAILED
from rnnspec.status_text import marked, word

#: Below this, float32 errors vary from process to process (as in contract.md's bounds), so
#: a reference error "moves" only when it moves above the floor.
ERROR_FLOOR = 1e-6
#: A reference error that grows or shrinks by more than this factor is listed as a change.
ERROR_JUMP = 10.0

NOT_RUN = "not run"  # a point absent from an environment's results

_EXCEPTION = re.compile(r"([A-Za-z_][\w.]*)(?::|$)")
_DTYPE = re.compile(r"@\w+")
_TRAILING_COMMA = re.compile(r",\s*\)")

#: The summary's buckets, by status: passed (declared xfails included), not applicable,
#: skipped; every other status counts as failed (see ``bucket``).
PASS_BUCKET, FAIL_BUCKET, NA_BUCKET, SKIP_BUCKET = range(4)
_BUCKET = {PASSED: PASS_BUCKET, XFAILED: PASS_BUCKET, NOT_APPLICABLE: NA_BUCKET, SKIPPED: SKIP_BUCKET}
#: Statuses of cases that returned nothing to show.
_BARE = {SKIPPED, NOT_APPLICABLE, UNFINISHED}


def outcome(record: Mapping[str, Any] | None) -> str:
    """The word a cell shows for a record's status: pass, FAIL, xfail, n/a, skip, not run..."""
    return NOT_RUN if record is None else word(str(record["status"]))


def shown_outcome(record: Mapping[str, Any] | None) -> str:
    """The word as a cell sets it: failing statuses in bold."""
    return NOT_RUN if record is None else marked(str(record["status"]))


def bucket(record: Mapping[str, Any]) -> int:
    """The summary column a record counts in."""
    return _BUCKET.get(str(record["status"]), FAIL_BUCKET)


def bare(record: Mapping[str, Any] | None) -> bool:
    """True for a point that returned nothing to show: not run, skipped, n/a, unfinished."""
    return record is None or record["status"] in _BARE


def returned(record: Mapping[str, Any] | None) -> str:
    """What the call returned, in the tables' notation, or the exception it raised unasked.

    Only the exception's type: its message changes wording between releases.
    """
    if record is None or bare(record):
        return ""
    if record.get("actual"):
        return str(record["actual"])
    if record.get("error"):
        match = _EXCEPTION.match(str(record["error"]))
        return f"raised {match.group(1) if match else record['error']}"
    return ""


def _containers_as_tuples(text: str) -> str:
    return _TRAILING_COMMA.sub(")", text.replace("[", "(").replace("]", ")"))


def structure_change(before: str, after: str) -> str:
    """Name how two returned structures differ: the kinds an upgrade guard must tell apart."""
    raised = (before.startswith(("raises ", "raised ")), after.startswith(("raises ", "raised ")))
    if raised == (False, True):
        return "raises instead of returning"
    if raised == (True, False):
        return "returns instead of raising"
    if all(raised):
        return "raises another exception"
    if _containers_as_tuples(before) == _containers_as_tuples(after):
        return "container (list <-> tuple)"
    if _DTYPE.sub("", before) == _DTYPE.sub("", after):
        return "dtype"
    if _DTYPE.sub("", _containers_as_tuples(before)) == _DTYPE.sub("", _containers_as_tuples(after)):
        return "container and dtype"
    return "structure (shapes, nesting or count)"


def _broken(record: Mapping[str, Any]) -> set[str]:
    """Relations that did not hold: failures plus documented deviations (seen as expected)."""
    return set(record.get("relation_failures") or {}) | set(record.get("deviations") or [])


def _error(record: Mapping[str, Any]) -> float | None:
    value = record.get("max_error")
    if value is None or isinstance(value, bool):
        return None
    number = float(value)
    return math.inf if math.isnan(number) else number


def _moved(before: float, after: float) -> bool:
    low, high = sorted((max(before, ERROR_FLOOR), max(after, ERROR_FLOOR)))
    return high > low * ERROR_JUMP


@dataclass(frozen=True)
class Change:
    kind: str  # what the summary counts, e.g. "status: pass -> FAIL"
    detail: str  # what the point's row says, e.g. "reference error 1e-07 -> 3e-03"


def changes(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> list[Change]:
    """Everything that differs for one contract point between two environments."""
    if before is None and after is None:
        return []
    if before is None:
        return [Change("added: only in the later environment", "added")]
    if after is None:
        return [Change("removed: only in the earlier environment", "removed")]
    found: list[Change] = []
    was, now = outcome(before), outcome(after)
    if was != now:
        found.append(Change(f"status: {was} -> {now}", f"{was} -> {now}"))
    old, new = returned(before), returned(after)
    if old and new and old != new:
        kind = structure_change(old, new)
        found.append(Change(kind, kind))
    if before.get("reference") == "checked" and after.get("reference") == "checked":
        was_broken, now_broken = _broken(before), _broken(after)
        for name in sorted(now_broken - was_broken):
            found.append(Change(f"relation {name} stopped holding", f"{name} stopped holding"))
        for name in sorted(was_broken - now_broken):
            found.append(Change(f"relation {name} started holding", f"{name} started holding"))
        old_error, new_error = _error(before), _error(after)
        if old_error is not None and new_error is not None and _moved(old_error, new_error):
            found.append(
                Change(
                    f"reference error moved more than {ERROR_JUMP:g}x",
                    f"reference error {old_error:.1e} -> {new_error:.1e}",
                )
            )
    return found


def kind_rank(kind: str) -> tuple[int, str]:
    """The weight of a kind of change: status first, container changes last."""
    # Container changes last: a Keras 2 <-> 3 step has hundreds, and the matrix lists them all.
    order = (
        "status",
        "raises",
        "returns",
        "structure",
        "dtype",
        "relation",
        "reference",
        "values",
        "container",
        "added",
    )
    rank = next((i for i, prefix in enumerate(order) if kind.startswith(prefix)), len(order))
    return rank, kind


def by_kind_and_table(found: Iterable[tuple[str, Iterable[Change]]]) -> list[tuple[str, int, list[tuple[str, int]]]]:
    """Changed points counted by kind of change and by table, the weightiest kind first.

    FOUND holds each changed point's table and changes; a point counts once per kind. Each
    row is (kind, points, [(table, points), ...] in table order). The upgrade report
    (rnnspec/upgrade.py) sums up with it.
    """
    kinds: dict[str, Counter[str]] = defaultdict(Counter)
    for table, point_changes in found:
        for kind in {c.kind for c in point_changes}:
            kinds[kind][table] += 1
    return [(kind, sum(kinds[kind].values()), sorted(kinds[kind].items())) for kind in sorted(kinds, key=kind_rank)]
