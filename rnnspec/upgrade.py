"""What an upgrade changes, summed up by kind of change and by table: in the terminal, on a
Markdown page, and offline between two recorded baselines.

    python -m rnnspec.upgrade OLD.json.gz NEW.json.gz --page reports/upgrade.md

compares two baselines recorded with ``--rnnspec-record`` (one per release) without Keras
and without running anything; ``--rnnspec-baseline`` runs print the same summary. A Keras
2 -> 3 step changes about a thousand cases, nearly all in the same few ways, so the summary
counts them by kind and table (``rnnspec.compat.compare.by_kind_and_table``, the grouping the
version matrix uses) and shows one case of each kind; the page lists every one.
Exit status of the command: 0 nothing changed, 1 something changed, 2 a file cannot be read.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rnnspec.baseline import Baseline, BaselineError, changes
from rnnspec.compat.compare import Change, by_kind_and_table
from rnnspec.compat.page import cell, code
from rnnspec.reports import atomic_write

#: The terminal summary shows an example case for at most this many kinds of change.
SHOWN_CASES = 10
#: A kind's line names at most this many tables (the most changed first), then counts the rest.
SHOWN_TABLES = 4
#: An example case's line is cut at this many characters (the page has every detail).
LINE = 240

ADDED = Change("added: only in the later run", "only in the later run")
REMOVED = Change("removed: only in the earlier run", "only in the earlier run")


@dataclass(frozen=True)
class Comparison:
    """What differs between two runs, case by case (keys as in a baseline: ``file::id device``)."""

    before: str  # what the earlier run was recorded with
    after: str
    compared: int  # cases both have
    changed: Mapping[str, Sequence[Change]]  # only the cases that changed, added or removed

    def count(self, change: Change) -> int:
        return sum(1 for found in self.changed.values() if change in found)


def table_of(key: str) -> str:
    """``lstm.yaml::LSTM[core-state] cpu`` -> ``lstm.yaml``."""
    return key.split("::", 1)[0]


def compare_baselines(before: Baseline, after: Baseline) -> Comparison:
    """Every case of two recorded baselines compared, as a run with --rnnspec-baseline would
    (the later run's entry against the earlier one, at the larger of their tolerances)."""
    changed: dict[str, list[Change]] = {}
    for key in sorted(set(before.cases) | set(after.cases)):
        old, new = before.cases.get(key), after.cases.get(key)
        if old is None or new is None:
            changed[key] = [ADDED if old is None else REMOVED]
            continue
        arrays = None
        if new.get("tensors") is not None:
            arrays = [np.asarray(t["values"], dtype=np.float64).reshape(t["shape"]) for t in new["tensors"]]
        tolerance = max(float(old.get("tolerance") or 0.0), float(new.get("tolerance") or 0.0))
        found = changes(old, str(new.get("status")), new.get("actual"), arrays, tolerance)
        if found:
            changed[key] = found
    both = len(set(before.cases) & set(after.cases))
    return Comparison(before.recorded_with, after.recorded_with, both, changed)


def summary_lines(changed: Mapping[str, Sequence[Change]], shown: int = SHOWN_CASES) -> list[str]:
    """The grouped summary for a terminal: one line per kind of change with its tables, then one
    case of each kind, weightiest kind first. It fits one screen however many cases changed."""
    if not changed:
        return []
    groups = by_kind_and_table((table_of(key), found) for key, found in changed.items())
    width = max(len(kind) for kind, _, _ in groups)
    out = [f"  {'kind of change':<{width}}  cases  tables"]
    for kind, points, tables in groups:
        most = sorted(tables, key=lambda t: (-t[1], t[0]))
        where = ", ".join(f"{table.removesuffix('.yaml')} {n:,}" for table, n in most[:SHOWN_TABLES])
        if len(most) > SHOWN_TABLES:
            where += f" and {len(most) - SHOWN_TABLES} more"
        out.append(f"  {kind:<{width}}  {points:>5,}  {where}")
    out.append(f"  a case of each kind, with the changes of that kind ({len(changed):,} cases changed in all):")
    for kind, _, _ in groups[:shown]:
        key, found = next((k, f) for k, f in changed.items() if any(c.kind == kind for c in f))
        line = f"    {key}: {'; '.join(c.detail for c in found if c.kind == kind)}"
        out.append(line if len(line) <= LINE else line[: LINE - 3] + "...")
    return out


def page(comparison: Comparison, title: str, command: str) -> str:
    """The Markdown page of what an upgrade changes: counts by kind and table, then every
    changed case, weightiest kind first (a site can include it as it is)."""
    changed = comparison.changed
    out = [
        f"# {title}",
        "",
        f"<!-- Generated by `{command}`. Do not edit by hand. -->",
        "",
        f"- Before: {comparison.before}",
        f"- After: {comparison.after}",
        "",
        f"{comparison.compared:,} cases ran in both; {len(changed):,} changed, were added or removed "
        f"({comparison.count(ADDED):,} added, {comparison.count(REMOVED):,} removed). A case is one "
        "combination of a table on one device; a case counts once per kind of change.",
    ]
    if not changed:
        return "\n".join([*out, "", "Nothing changed.", ""])
    out += ["", "## By kind of change", "", "| change | cases | tables |", "|---|---|---|"]
    groups = by_kind_and_table((table_of(key), found) for key, found in changed.items())
    for kind, points, tables in groups:
        out.append(f"| {cell(kind)} | {points:,} | {', '.join(f'`{t}` {n:,}' for t, n in tables)} |")
    for kind, points, _ in groups:
        rows = [(key, found) for key, found in changed.items() if any(c.kind == kind for c in found)]
        out += [
            "",
            f"## {cell(kind)}",
            "",
            f"<details><summary>{points:,} cases</summary>",
            "",
            "| case | device | what changed |",
            "|---|---|---|",
        ]
        for key, found in rows:
            case, _, device = key.rpartition(" ")
            out.append(f"| {code(case)} | {device} | {cell('; '.join(c.detail for c in found if c.kind == kind))} |")
        out += ["", "</details>"]
    return "\n".join(out) + "\n"


def main(argv: Iterable[str] | None = None) -> int:
    """``python -m rnnspec.upgrade OLD NEW``: what changed between two recorded baselines."""
    parser = argparse.ArgumentParser(prog="python -m rnnspec.upgrade", description=main.__doc__)
    parser.add_argument("before", type=Path, help="the baseline of the release you have (--rnnspec-record)")
    parser.add_argument("after", type=Path, help="the baseline of the release you move to")
    parser.add_argument("--page", type=Path, default=None, help="also write the Markdown page of every change here")
    parser.add_argument("--title", default=None, help="the page's title (default: the two baselines' versions)")
    parser.add_argument(
        "--cases", type=int, default=SHOWN_CASES, help="kinds of change shown with an example case (%(default)s)"
    )
    args = parser.parse_args(list(argv) if argv is not None else None)
    try:
        before, after = Baseline(args.before), Baseline(args.after)
    except BaselineError as exc:
        print(f"rnnspec.upgrade: error: {exc}", file=sys.stderr)
        return 2
    comparison = compare_baselines(before, after)
    print(f"before: {args.before} ({comparison.before})")
    print(f"after:  {args.after} ({comparison.after})")
    print(
        f"{comparison.compared:,} cases compared, {len(comparison.changed):,} changed, added or removed "
        f"({comparison.count(ADDED):,} added, {comparison.count(REMOVED):,} removed)"
    )
    for line in summary_lines(comparison.changed, args.cases):
        print(line)
    if args.page is not None:
        command = f"python -m rnnspec.upgrade {args.before} {args.after} --page {args.page}"
        title = args.title or f"Upgrade: {comparison.before} -> {comparison.after}"
        if args.title:
            command += f" --title {shlex.quote(args.title)}"
        atomic_write(args.page, page(comparison, title, command))
        print(f"wrote {args.page}")
    return 1 if comparison.changed else 0


if __name__ == "__main__":
    raise SystemExit(main())
