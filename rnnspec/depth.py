"""How much of a table a run takes: ``--rnnspec-depth`` and a file's ``standard:`` key.

``exhaustive`` takes every combination of every table and every relation everywhere. The
default, ``standard``, narrows two ways, both data in the file (or its suite):

- ``standard: {axis: [tables]}``: a cross axis is crossed only with the named tables;
  elsewhere it keeps its default, unless the table varies the axis itself;
- ``standard: {extra_calls: {axis: value}}``: the relations that make calls no case makes
  (rnnspec.relations.EXTRA_CALLS) run only where those values hold (``{}``: everywhere);
  elsewhere they are left to exhaustive (a case lists them as ``deferred``).

A narrowing written in the suite (spec/_suite.yaml) applies to the tables that cross its
axis; one written in a table or its fragment must name a cross axis.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import replace
from typing import Any

from rnnspec import DEPTHS
from rnnspec.case import Expectation
from rnnspec.errors import did_you_mean
from rnnspec.inherit import from_suite
from rnnspec.relations import EXTRA_CALLS
from rnnspec.rules import matches
from rnnspec.yamlload import LineDict

#: The key of ``standard`` that is not a cross axis: where extra-call relations run.
EXTRA_CALLS_KEY = "extra_calls"

Problem = tuple[int, str, str]  # line, message, hint


def check_depth(depth: str) -> None:
    if depth not in DEPTHS:
        raise ValueError(f"depth must be one of {', '.join(DEPTHS)}, not {depth!r}")


def narrowed_axes(doc: LineDict) -> dict[str, list[str]]:
    """The cross axes ``standard`` narrows, with the tables each is crossed with."""
    standard: LineDict = doc.get("standard", LineDict())
    cross = doc.get("cross", {})
    return {
        axis: tables
        for axis, tables in standard.items()
        if axis != EXTRA_CALLS_KEY and (axis in cross or not from_suite(standard.line_of(axis)))
    }


def extra_calls_when(doc: LineDict, defaults: Mapping[str, Any]) -> LineDict | None:
    """Where the default depth runs the relations that make extra calls; None: everywhere.
    What the suite says about an axis the table lacks does not apply to it."""
    when: LineDict | None = doc.get("standard", {}).get(EXTRA_CALLS_KEY)
    if when is None:
        return None
    applicable = LineDict(
        {axis: value for axis, value in when.items() if axis in defaults or not from_suite(when.line_of(axis))}
    )
    applicable.line, applicable.key_lines = when.line, when.key_lines
    return applicable


def table_axes(doc: LineDict) -> Iterator[tuple[str, int, dict[str, list[Any]]]]:
    """Each table's name, line and axes (its own and the cross axes), exhaustive."""
    cross = doc.get("cross", LineDict())
    tables = doc.get("tables")
    if not tables:
        yield "cases", doc.line_of("cross") if "cross" in doc else doc.line, dict(cross)
        return
    for name, axes in tables.items():
        yield name, tables.line_of(name), {**cross, **axes}


def standard_axes(
    name: str,
    axes: Mapping[str, list[Any]],
    narrowed: Mapping[str, list[str]],
    defaults: Mapping[str, Any],
    own: Mapping[str, Any],
) -> dict[str, list[Any]]:
    """A table's axes at the default depth: a narrowed axis keeps its default outside the
    tables named for it, unless the table varies it itself (``own``: the table's own axes)."""
    combined = dict(axes)
    for axis, crossed_in in narrowed.items():
        if name not in crossed_in and axis not in own:
            combined[axis] = [defaults.get(axis)]  # an axis without a default is an error elsewhere
    return combined


def in_standard(values: Mapping[str, Any], standard: Mapping[str, list[Any]]) -> bool:
    return all(matches({axis: allowed}, values) for axis, allowed in standard.items())


def without_extra_calls(expectation: Expectation) -> tuple[Expectation, tuple[str, ...]]:
    """The expectation without the relations (held or deviating) that make extra calls,
    and their names."""
    deferred = [name for name in expectation.relations if name in EXTRA_CALLS]
    deferred += [d.relation for d in expectation.deviations if d.relation in EXTRA_CALLS]
    if not deferred:
        return expectation, ()
    kept = replace(
        expectation,
        relations=tuple(name for name in expectation.relations if name not in EXTRA_CALLS),
        deviations=tuple(d for d in expectation.deviations if d.relation not in EXTRA_CALLS),
    )
    return kept, tuple(dict.fromkeys(deferred))


def check_standard(doc: LineDict, defaults: Mapping[str, Any]) -> list[Problem]:
    """``standard`` may only narrow cross axes, in tables that exist, to a value they take."""
    standard: LineDict = doc.get("standard", LineDict())
    cross = doc.get("cross", {})
    tables = doc.get("tables", {})
    problems: list[Problem] = []
    for axis, crossed_in in narrowed_axes(doc).items():
        line = standard.line_of(axis)
        if axis not in cross:
            problems.append((line, f"standard narrows {axis!r}, which is not a cross axis", "name an axis under cross"))
            continue
        if defaults.get(axis) not in cross[axis]:
            problems.append(
                (
                    line,
                    f"standard narrows {axis!r} to its default {defaults.get(axis)!r}, which cross does not list",
                    "the default depth keeps an axis at its default outside the named tables",
                )
            )
        for table in crossed_in:
            if table not in tables:
                problems.append(
                    (
                        line,
                        f"standard names table {table!r}, which the file does not declare",
                        did_you_mean(table, tables),
                    )
                )
    return problems


def check_extra_calls(
    when: LineDict, defaults: Mapping[str, Any], standard_values: Mapping[str, list[Any]]
) -> list[Problem]:
    """Each ``extra_calls`` value must be one that some case of the default depth takes
    (compared as rows compare, type included: ``1`` is not ``true``); otherwise the
    relations it is about would silently never run there."""
    taken: dict[str, list[Any]] = {axis: [value] for axis, value in defaults.items()}
    for axis, values in standard_values.items():
        taken.setdefault(axis, []).extend(values)
    problems: list[Problem] = []
    for axis, value in when.items():
        line = when.line_of(axis)
        if axis not in taken:
            problems.append(
                (
                    line,
                    f"standard: extra_calls names {axis!r}, which is not an axis of this file",
                    did_you_mean(axis, taken, "name an axis under defaults, cross or tables"),
                )
            )
        elif not any(matches({axis: value}, {axis: v}) for v in taken[axis]):
            problems.append(
                (
                    line,
                    f"standard: extra_calls asks for {axis}={value!r}, which no case of the default depth takes: "
                    "the relations that make extra calls would never run there",
                    f"values of {axis} there: {', '.join(repr(v) for v in dict.fromkeys(taken[axis]))}",
                )
            )
    return problems
