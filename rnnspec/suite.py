"""A folder's suite checked against the tables beside it: no Keras.

What ``spec/_suite.yaml`` says of an axis (a row's ``when``, a ``standard`` narrowing, an
``extra_calls`` value) applies only to the tables that have that axis (rnnspec/inherit.py), so
an axis no table has would apply to none, silently: a misspelling. Every table of the folder
reports it, at the suite's line. The folder is read once per process and content.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from rnnspec import SUITE_FILE, is_table_file
from rnnspec.case import SPECIAL_AXES
from rnnspec.depth import EXTRA_CALLS_KEY, NOT_AXES
from rnnspec.errors import SpecError, did_you_mean
from rnnspec.inherit import load_document
from rnnspec.yamlload import LineDict, load_spec_yaml


def _folder_signature(folder: Path) -> tuple[tuple[str, int, int], ...]:
    return tuple((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in sorted(folder.glob("*.y*ml")) if p.is_file())


def suite_problems(folder: Path) -> list[SpecError]:
    """What the folder's suite names that no table beside it has: what the suite says of an
    axis applies only to the tables that have it, so a misspelt axis would otherwise apply
    to none, silently."""
    return list(_suite_problems(folder, _folder_signature(folder)))


@cache
def _suite_problems(folder: Path, _signature: tuple[tuple[str, int, int], ...]) -> tuple[SpecError, ...]:
    suite_path = folder / SUITE_FILE
    if not suite_path.is_file():
        return ()
    suite = load_spec_yaml(suite_path)
    if not isinstance(suite, LineDict):
        return ()  # reported with each table that reads it
    axes, crossed = {"device", *SPECIAL_AXES}, set()
    for table_path in sorted(folder.glob("*.y*ml")):
        if not is_table_file(table_path):
            continue
        try:
            document = load_document(table_path)
        except SpecError:
            continue  # that table reports its own errors
        axes |= set(document.get("defaults", {}))
        crossed |= set(document.get("cross", {}))
    named: list[tuple[int, str, set[str]]] = []
    standard = suite.get("standard", LineDict())
    if isinstance(standard, LineDict):
        named += [(standard.line_of(axis), axis, crossed) for axis in standard if axis not in NOT_AXES]
        extra = standard.get(EXTRA_CALLS_KEY, LineDict())
        named += [(extra.line_of(axis), axis, axes) for axis in extra] if isinstance(extra, LineDict) else []
    for row in suite.get("expect", []):
        if isinstance(row, LineDict) and isinstance(row.get("when"), LineDict):
            named += [(row["when"].line_of(axis), axis, axes) for axis in row["when"]]
    problems = []
    for line, axis, known in named:
        if axis not in known:
            what = "a cross axis of" if known is crossed else "an axis of"
            problems.append(
                SpecError(
                    suite_path,
                    line,
                    f"the suite names {axis!r}, which is not {what} any table beside it",
                    did_you_mean(axis, sorted(known)),
                )
            )
    return tuple(problems)
