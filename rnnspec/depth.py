"""How much of a table a run takes: ``--rnnspec-depth`` and a file's ``standard:`` key.

``exhaustive`` takes every combination of every table and every relation everywhere. The
default, ``standard``, narrows two ways, both data in the file (or its suite):

- ``standard: {axis: [tables]}``: a cross axis is crossed only with the named tables;
  elsewhere it keeps its default, unless the table varies the axis itself;
- ``standard: {extra_calls_per_file: N, extra_calls: {axis: value}}``: each relation that
  makes calls no case makes (rnnspec.relations.EXTRA_CALLS) runs on the first N cases of the
  file that name it, taken first where the ``extra_calls`` values hold (the layer returns every
  tensor such a relation compares there), then anywhere; elsewhere it is left to exhaustive (a
  case lists it as ``deferred``). Those relations cost 0.2-0.5 s a case against 0.05 s for a
  case (``benchmarks/relation_cost.py``): a price per file keeps the default run fast while
  every relation still runs on every file that names it. Without ``extra_calls_per_file`` they
  run on every case where the values hold.

A narrowing written in the suite (spec/_suite.yaml) applies to the tables that cross its
axis; one written in a table or its fragment must name a cross axis.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from typing import Any

from rnnspec import DEPTHS
from rnnspec.case import Combination, Expectation
from rnnspec.errors import did_you_mean
from rnnspec.inherit import from_suite
from rnnspec.relations import EXTRA_CALLS
from rnnspec.rules import matches
from rnnspec.yamlload import LineDict

#: The keys of ``standard`` that are not cross axes: where extra-call relations run, and how often.
EXTRA_CALLS_KEY = "extra_calls"
PER_FILE_KEY = "extra_calls_per_file"
NOT_AXES = (EXTRA_CALLS_KEY, PER_FILE_KEY)

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
        if axis not in NOT_AXES and (axis in cross or not from_suite(standard.line_of(axis)))
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


def extra_call_names(expectation: Expectation) -> tuple[str, ...]:
    """The relations (held or deviating) that make extra calls, in row order."""
    names = [name for name in expectation.relations if name in EXTRA_CALLS]
    names += [d.relation for d in expectation.deviations if d.relation in EXTRA_CALLS]
    return tuple(dict.fromkeys(names))


def without_extra_calls(
    expectation: Expectation, keep: frozenset[str] = frozenset()
) -> tuple[Expectation, tuple[str, ...]]:
    """The expectation without the relations (held or deviating) that make extra calls,
    except those in ``keep``, and the names of those it left out."""
    deferred = tuple(name for name in extra_call_names(expectation) if name not in keep)
    if not deferred:
        return expectation, ()
    kept = replace(
        expectation,
        relations=tuple(name for name in expectation.relations if name not in deferred),
        deviations=tuple(d for d in expectation.deviations if d.relation not in deferred),
    )
    return kept, deferred


def extra_calls_chosen(
    candidates: Sequence[tuple[bool, Mapping[str, Any], Expectation]],
    prefer: Mapping[str, Any] | None,
    budget: int | None,
) -> list[frozenset[str]]:
    """For each combination (taken by the default depth?, its values, its expectation), the
    extra-call relations the default depth runs on it: each relation on the first ``budget``
    combinations that name it where ``prefer`` holds, and where it holds on none of them, on
    the first ``budget`` that name it at all. Deterministic: file order decides."""
    chosen: list[set[str]] = [set() for _ in candidates]
    counts: dict[str, int] = {}
    for preferred_pass in (True, False):
        ran_before = dict(counts)
        for index, (standard, values, expectation) in enumerate(candidates):
            if not standard:
                continue
            if preferred_pass and prefer is not None and not matches(prefer, values):
                continue
            for name in extra_call_names(expectation):
                if name in chosen[index] or (not preferred_pass and ran_before.get(name)):
                    continue
                if budget is None and not preferred_pass:
                    continue  # no budget: only where the values hold, as the rows say
                if budget is None or counts.get(name, 0) < budget:
                    chosen[index].add(name)
                    counts[name] = counts.get(name, 0) + 1
    return [frozenset(names) for names in chosen]


def with_extra_calls(
    combinations: Sequence[Combination], prefer: Mapping[str, Any] | None, budget: int | None
) -> tuple[Combination, ...]:
    """The combinations, each with the extra-call relations the default depth runs on it.
    Without ``standard: extra_calls`` at all, every relation runs everywhere."""
    if prefer is None and budget is None:
        return tuple(replace(c, extra_calls_here=frozenset(extra_call_names(c.expectation))) for c in combinations)
    chosen = extra_calls_chosen([(c.standard, c.values, c.expectation) for c in combinations], prefer, budget)
    return tuple(replace(c, extra_calls_here=names) for c, names in zip(combinations, chosen, strict=True))


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
