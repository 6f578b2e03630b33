"""Which rows speak for a combination, and what they say together: the rules of precedence.

A row matches a combination when every axis of its ``when`` takes one of the values it
lists (type included: ``1`` is not ``true``). The matched rows combine as follows:

==========================  ================================================================
rule                        so that
==========================  ================================================================
versioned over general      a row with ``versions:`` that holds here and gives an outcome
                            (``returns`` or ``raises``) or a ``dtype`` replaces the general
                            rows' outcome or dtype: a release's difference is one row
one outcome, one dtype      two rows of the same standing that give different ``returns``,
                            ``raises`` or ``dtype`` are a contradiction: an error at the line
                            of the second
every combination answered  a combination without ``returns`` and ``dtype`` is an error: no
                            silent gap
deviation over relation     a ``deviations:`` entry removes the relation of that name that a
                            general row says holds; it is checked strictly instead
raises over relations       a rejected combination returns nothing and relates nothing
``returns_as: list``        every tuple of the returned structure becomes a list there
relations in one order      the order of rnnspec.relations.RELATIONS, whichever row named them
==========================  ================================================================

Pure Python: rows and values in, an Expectation or a RowProblem out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rnnspec.case import Deviation, Expectation, values_text
from rnnspec.structure import Shape, Structure, format_structure, tuples_as_lists
from rnnspec.yamlload import LineDict

OUTCOME_KEYS = ("returns", "raises")


@dataclass(frozen=True)
class Row:
    """One ``expect`` row that holds on this release, parsed."""

    line: int
    row: LineDict
    returns: Structure | None
    states: Structure | None
    versioned: bool


@dataclass(frozen=True)
class RowProblem:
    """Why the rows give no expectation for a combination; ``line`` None: the table's line."""

    line: int | None
    message: str
    hint: str


def matches(when: Mapping[str, Any], values: Mapping[str, Any]) -> bool:
    for axis, wanted in when.items():
        options = list(wanted) if isinstance(wanted, list) else [wanted]
        if not any(values.get(axis) == o and type(values.get(axis)) is type(o) for o in options):
            return False
    return True


def expectation(
    rows: Sequence[Row], values: Mapping[str, Any], states: Structure | None, relation_order: Sequence[str]
) -> Expectation | RowProblem:
    """What the rows that match ``values`` say together (the rules above)."""
    matched = [row for row in rows if matches(row.row.get("when", {}), values)]
    given = {key for row in matched if row.versioned for key in ("returns", "raises", "dtype") if key in row.row}
    overridden = given & {"dtype"}
    if given & set(OUTCOME_KEYS):
        overridden |= set(OUTCOME_KEYS)
    single: dict[str, tuple[int, Any]] = {}
    returned: Structure | None = None
    relations: list[str] = []
    notes: list[str] = []
    deviations: dict[str, Deviation] = {}
    layer_defaults: dict[str, Any] = {}
    for row in matched:
        general = not row.versioned
        if "note" in row.row and row.row["note"] not in notes:
            notes.append(row.row["note"])
        for key in ("returns", "raises", "dtype"):
            if key not in row.row or (general and key in overridden):
                continue
            if key in single and single[key][1] != row.row[key]:
                said = "" if key == "returns" else f"{key} "
                return RowProblem(
                    row.line,
                    f"rows contradict each other: line {single[key][0]} says {said}{single[key][1]}, "
                    f"this row says {said}{row.row[key]}",
                    "for " + values_text(values),
                )
            single[key] = (row.line, row.row[key])
        if row.returns is not None and not (general and "returns" in overridden):
            returned = row.returns
        if row.states is not None:
            states = row.states
        layer_defaults.update(row.row.get("layer_defaults", {}))
        relations += [r for r in row.row.get("relations", []) if r not in relations]
        for entry in row.row.get("deviations", []):
            deviations[entry["relation"]] = Deviation(entry["relation"], entry["reason"], row.row.line_of("deviations"))
    if returned is not None and any(row.row.get("returns_as") == "list" for row in matched):
        returned = tuples_as_lists(returned)
        single["returns"] = (single["returns"][0], format_structure(returned))
    raises = single["raises"][1] if "raises" in single else None
    if raises is not None:  # a rejected combination returns nothing and relates nothing
        single.update(returns=(0, f"raises {raises}"), dtype=(0, "-"))
        returned, relations, deviations = Shape(()), [], {}
    missing = [key for key in ("returns", "dtype") if key not in single]
    if missing:
        return RowProblem(
            None,
            f"no row gives {' and '.join(missing)} for the combination {values_text(values)}",
            "every declared combination needs an expectation; add a row whose 'when' matches it",
        )
    assert returned is not None
    rank = {name: index for index, name in enumerate(relation_order)}
    held = sorted((r for r in relations if r not in deviations), key=lambda r: rank.get(r, len(rank)))
    return Expectation(
        returned,
        single["returns"][1],
        single["dtype"][1],
        tuple(held),
        tuple(row.line for row in matched),
        tuple(sorted(deviations.values(), key=lambda d: rank.get(d.relation, len(rank)))),
        states,
        raises,
        tuple(notes),
        layer_defaults,
    )
