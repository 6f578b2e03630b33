"""Compile one spec file once: every check, then a frozen SpecTable; no Keras.

Reading a table checks all of it, whatever depth the run asks for: the schema, shapes and
symbols, relation names, versions, the ``standard`` narrowing, and the rows of **every**
combination the file declares at the exhaustive depth, its covering designs' included (``cover``,
rnnspec/designs.py) (rnnspec/rules.py), so a missing or
contradicting row fails at every depth, with its file and line. Expanding a compiled table
into cases (rnnspec/expand.py) then never raises. The classes a ``build`` names are checked
against the Keras registry separately (rnnspec/layercheck.py), by the caller that has Keras.

Why one class, and over 300 lines: the checks share the document and collect every error of
the file, so that one run shows them all (a tavern-like compiler pass); each check is a small
method, and splitting them over modules would pass the same five pieces of state around.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from rnnspec import (
    DEVICES,
    behaviours,  # noqa: F401 - registers the relations that need twin calls
)
from rnnspec.case import SPECIAL_AXES, Combination, SpecTable, case_flags
from rnnspec.depth import (
    EXTRA_CALLS_KEY,
    PER_FILE_KEY,
    check_extra_calls,
    check_standard,
    extra_calls_when,
    in_standard,
    narrowed_axes,
    standard_axes,
    table_axes,
    with_extra_calls,
    without_extra_calls,
)
from rnnspec.designs import Design, check_cover, file_designs
from rnnspec.errors import SpecError, SpecErrors, did_you_mean
from rnnspec.inherit import from_suite, load_document
from rnnspec.masks import MASK_VALUES
from rnnspec.nodes import walk
from rnnspec.reference import ACTIVATIONS
from rnnspec.relations import RELATIONS
from rnnspec.rules import Row, RowProblem, expectation
from rnnspec.structure import Shape, Structure, StructureSyntaxError, parse_structure, structure_symbols
from rnnspec.suite import suite_problems
from rnnspec.templates import REF, build_text, buildable_node
from rnnspec.validate import validate_document
from rnnspec.versions import describe as describe_versions
from rnnspec.versions import holds as versions_hold
from rnnspec.versions import installed as installed_versions
from rnnspec.versions import problems as version_problems
from rnnspec.yamlload import LineDict, LineList

#: The combinations a file may declare unless its ``max_combinations`` says more: generous
#: for today's tables (the largest, spec/bidirectional.yaml, declares 312), small enough that a typo in a value list
#: fails at once instead of collecting for minutes.
MAX_COMBINATIONS = 10_000

DEFAULT_SIZES = {"B": 2, "T": 5, "F": 3, "units": 4}
DEFAULT_TOLERANCE = {"float32": 1.0e-5, "float16": 1.0e-2, "bfloat16": 6.0e-2, "float64": 1.0e-10}


def compile_table(path: Path, environment: Mapping[str, Any]) -> SpecTable:
    """The file at ``path`` checked whole against ``environment`` (the versions rows and
    ``available`` arguments are matched with: rnnspec.kerasapi.versions() in a run); raises
    SpecErrors with every problem, or SpecError when the file cannot be parsed."""
    return _Compiler(path, environment).table()


class _Compiler:
    def __init__(self, path: Path, environment: Mapping[str, Any]) -> None:
        self.path = path
        self.environment = environment
        self.errors: list[SpecError] = suite_problems(path.parent)
        self.doc = load_document(path)
        schema_errors = validate_document(path, self.doc)
        if schema_errors:
            raise SpecErrors(schema_errors)
        self._check_size()
        self.sizes = {**DEFAULT_SIZES, **self.doc.get("sizes", {})}
        self.defaults: dict[str, Any] = {**SPECIAL_AXES, **self.doc.get("defaults", {})}

    def _check_size(self) -> None:
        """A health check before anything is expanded: more combinations than the file's
        ``max_combinations`` (a typo in a value list, an axis too many) is an error at once."""
        sizes = [(math.prod(len(v) for v in axes.values()), table, line) for table, line, axes in table_axes(self.doc)]
        count = sum(n for n, _table, _line in sizes)
        limit = int(self.doc.get("max_combinations", MAX_COMBINATIONS))
        if count > limit:
            largest, table, line = max(sizes)
            raise SpecErrors(
                [
                    SpecError(
                        self.path,
                        line,
                        f"the file declares {count:,} combinations (table {table!r}: {largest:,}), more than its "
                        f"limit of {limit:,}",
                        f"a covering design explores large axis domains; to run them all on purpose, set "
                        f"`max_combinations: {count}` in this file",
                    )
                ]
            )

    def err(self, line: int | None, message: str, hint: str = "") -> None:
        self.errors.append(SpecError(self.path, line, message, hint))

    def table(self) -> SpecTable:
        doc = self.doc
        tolerance = self._tolerances()
        inputs = self._shape("inputs")
        states = self._structure("states", doc) if "states" in doc else None
        missing_args = self._missing_arguments()
        rows = self._rows()
        xfails = self._xfails()
        self._check_references(doc["build"])
        self._check_axes(states)
        errors_before = len(self.errors)
        for line, message, hint in check_standard(doc, self.defaults):
            self.err(line, message, hint)
        standard = self._standard_axes()
        self.designs = self._designs()
        extra_when = extra_calls_when(doc, self.defaults)
        budget = self._per_file_budget()
        combinations = self._combinations(rows, states, missing_args, standard) if not self.errors else ()
        combinations = with_extra_calls(combinations, extra_when, budget)
        # extra_calls is checked against a sound narrowing and complete combinations only
        if extra_when is not None and len(self.errors) == errors_before:
            self._check_extra_calls(combinations, standard, extra_when, budget)
        if self.errors:
            raise SpecErrors(self.errors)
        return SpecTable(
            path=self.path,
            title=doc["title"],
            description=doc.get("description", ""),
            template=doc["build"],
            build_text=build_text(doc["build"]),
            inputs=inputs,
            input_values=doc.get("input_values"),
            sizes=self.sizes,
            defaults=self.defaults,
            states=states,
            tolerance=tolerance,
            missing_args=missing_args,
            seed=int(doc.get("seed", 0)),
            show_values=bool(doc.get("show_values", False)),
            combinations=combinations,
            designs=tuple(self.designs),
            xfails=tuple(xfails),
            rows=tuple(rows),
            document=doc,
        )

    # --- file-wide settings --------------------------------------------------------------

    def _structure(self, key: str, where: LineDict) -> Structure | None:
        line = where.line_of(key)
        try:
            structure = parse_structure(where[key])
        except StructureSyntaxError as exc:
            self.err(line, f"malformed shape expression in {key}: {exc}")
            return None
        for symbol in sorted(structure_symbols(structure) - set(self.sizes)):
            hint = did_you_mean(symbol, self.sizes, f"known symbols: {', '.join(sorted(self.sizes))}")
            self.err(line, f"unknown symbol {symbol!r} in {key}", hint)
        return structure

    def _shape(self, key: str) -> Shape:
        structure = self._structure(key, self.doc)
        if structure is not None and not isinstance(structure, Shape):
            self.err(self.doc.line_of(key), f"{key} must be a single shape such as (B, T, F)")
        return structure if isinstance(structure, Shape) else Shape(())

    def _tolerances(self) -> dict[str, dict[str, float]]:
        table: dict[str, dict[str, float]] = {"default": dict(DEFAULT_TOLERANCE)}
        given = self.doc.get("tolerance", {})
        for device, per_dtype in given.items():
            if device != "default" and device not in DEVICES:
                self.err(
                    given.line_of(device),
                    f"tolerance for unknown device {device!r}",
                    f"devices: default, {', '.join(DEVICES)}",
                )
            table.setdefault(device, {}).update(per_dtype)
        return table

    def _versions_hold(self, conditions: Mapping[str, Any], line: int) -> bool:
        """Whether a ``versions`` mapping holds here; a malformed one is an error at its line."""
        malformed = version_problems(conditions)
        for problem in malformed:
            self.err(line, f"malformed versions: {problem}")
        return not malformed and versions_hold(conditions, self.environment)

    def _missing_arguments(self) -> dict[str, str]:
        """Arguments this release lacks (``available``), each with the reason shown for it."""
        missing: dict[str, str] = {}
        available = self.doc.get("available", LineDict())
        for arg, conditions in available.items():
            if not self._versions_hold(conditions, available.line_of(arg)):  # malformed: an error anyway
                missing[arg] = (
                    f"{arg} exists with {describe_versions(conditions)} "
                    f"(here {installed_versions(self.environment, conditions)})"
                )
        return missing

    def _rows(self) -> list[Row]:
        """The rows that hold on this release; every row is checked, whichever release."""
        rows = []
        expect: LineList = self.doc["expect"]
        for index, row in enumerate(expect):
            line = expect.line_of(index)
            returns = self._structure("returns", row) if "returns" in row else None
            states = self._structure("states", row) if "states" in row else None
            for name in [*row.get("relations", []), *(d["relation"] for d in row.get("deviations", []))]:
                if name not in RELATIONS:
                    hint = did_you_mean(name, RELATIONS, f"known relations: {', '.join(RELATIONS)}")
                    self.err(row.line_of("relations"), f"unknown relation {name!r}", hint)
            for arg, value in row.get("layer_defaults", {}).items():
                if arg.endswith("activation") and value not in ACTIVATIONS:
                    self.err(
                        row["layer_defaults"].line_of(arg),
                        f"layer_defaults: the reference knows no activation {value!r}",
                        f"known: {', '.join(sorted(ACTIVATIONS))}",
                    )
            unknown = [axis for axis in row.get("when", {}) if axis not in self.defaults and axis != "device"]
            if unknown and from_suite(line):
                continue  # a suite row about an axis this table lacks does not apply to it
            for axis in unknown:
                self.err(row.line_of("when"), f"row matches on unknown axis {axis!r}")
            versioned = "versions" in row
            if versioned and not self._versions_hold(row["versions"], row.line_of("versions")):
                continue  # checked like any row, matched only on the releases it names
            rows.append(Row(line, row, returns, states, versioned))
        return rows

    def _xfails(self) -> list[tuple[int, LineDict]]:
        """The xfail entries that hold on this release, with their lines; every one is checked."""
        entries: LineList = self.doc.get("xfail", LineList())
        for index, entry in enumerate(entries):
            if entry.get("device", "cpu") not in DEVICES:
                self.err(entries.line_of(index), f"xfail for unknown device {entry['device']!r}")
        return [
            (entries.line_of(index), entry)
            for index, entry in enumerate(entries)
            if "versions" not in entry or self._versions_hold(entry["versions"], entry.line_of("versions"))
        ]

    # --- the build template and the axes --------------------------------------------------

    def _check_references(self, node: LineDict) -> None:
        """Every $name in the template names an axis or a size; every axis is used."""
        used: set[str] = set()
        for current in walk(node):
            class_ref = REF.match(str(current["class"]))
            if class_ref:
                used.add(class_ref.group(1))
            args = current.get("args", LineDict())
            for arg, value in args.items():
                if not (isinstance(value, str) and value.startswith("$")):
                    continue
                match = REF.match(value)
                if not match:
                    self.err(args.line_of(arg), f"malformed reference {value!r}", "write $name, name an axis or a size")
                    continue
                if match.group(1) not in self.defaults and match.group(1) not in self.sizes:
                    self.err(
                        args.line_of(arg),
                        f"{value} names no axis and no size",
                        "declare it under defaults (an axis) or sizes",
                    )
                used.add(match.group(1))
        for axis in sorted(set(self.defaults) - set(SPECIAL_AXES) - used):
            self.err(
                self.doc["defaults"].line_of(axis), f"axis {axis!r} is declared but no build argument uses ${axis}"
            )

    def _check_axes(self, states: Structure | None) -> None:
        row_states = any("states" in row for row in self.doc["expect"])
        for name, line, axes in table_axes(self.doc):
            for axis in axes:
                if axis not in self.defaults:
                    hint = did_you_mean(axis, sorted(self.defaults), "declare the axis with a default under defaults")
                    self.err(line, f"table {name!r} varies unknown axis {axis!r}", hint)
            for value in axes.get("mask", []):
                if value not in MASK_VALUES:
                    self.err(line, f"mask value {value!r} is not one of {', '.join(MASK_VALUES)}")
            if True in axes.get("initial_state", []) and states is None and not row_states:
                self.err(line, "initial_state is varied but the file declares no states structure")

    # --- every combination, at the exhaustive depth ----------------------------------------

    def _designs(self) -> list[Design]:
        """The file's covering designs (rnnspec/designs.py), once ``cover`` names only what
        the file declares."""
        cover: LineDict | None = self.doc.get("cover")
        if cover is None:
            return []
        for line, message, hint in check_cover(self.doc, self.defaults):
            self.err(line, message, hint)
        if self.errors:
            return []
        line = self.doc.line_of("cover")
        return file_designs(cover, line, self.defaults, [axes for _name, _line, axes in table_axes(self.doc)])

    def _per_file_budget(self) -> int | None:
        standard = self.doc.get("standard", LineDict())
        value = standard.get(PER_FILE_KEY) if isinstance(standard, LineDict) else None
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
            self.err(
                standard.line_of(PER_FILE_KEY),
                f"standard: {PER_FILE_KEY} must be a whole number of cases, 1 or more, not {value!r}",
                "the default depth runs each extra-call relation on that many cases of the file",
            )
            return None
        return value

    def _standard_axes(self) -> dict[str, dict[str, list[Any]]]:
        """Each table's axes at the default depth."""
        narrowed = narrowed_axes(self.doc)
        own = self.doc.get("tables", {})
        return {
            table: standard_axes(table, axes, narrowed, self.defaults, own.get(table, {}))
            for table, _line, axes in table_axes(self.doc)
        }

    def _combinations(
        self,
        rows: list[Row],
        states: Structure | None,
        missing_args: Mapping[str, str],
        standard_by_table: Mapping[str, Mapping[str, list[Any]]],
    ) -> tuple[Combination, ...]:
        out: list[Combination] = []
        kept = self.doc.get("cover", {}).get("tables")
        sources: list[tuple[str, int, tuple[str, ...], list[dict[str, Any]], Any]] = []
        for table, line, axes in table_axes(self.doc):
            names = tuple(axes)
            combos = [dict(zip(names, c, strict=True)) for c in itertools.product(*(axes[a] for a in names))]
            keep = "cover" not in self.doc or table in (kept or [])
            sources.append((table, line, names, combos, standard_by_table[table] if keep else None))
        for design in self.designs:
            standard_here: dict[str, list[Any]] | None = {} if design.depth == "standard" else None
            sources.append(
                (design.table, design.line, tuple(design.axes), [dict(r) for r in design.rows], standard_here)
            )
        for table, line, names, combos, standard in sources:
            seen: set[str] = set()
            for combo in combos:
                values = {**self.defaults, **combo}
                found = expectation(rows, values, states, list(RELATIONS))
                if isinstance(found, RowProblem):
                    self.err(found.line if found.line is not None else line, found.message, found.hint)
                    continue
                flags = case_flags(values, names, self.defaults)
                if flags in seen:
                    self.err(
                        line,
                        f"table {table!r} declares the combination {flags or 'of defaults'} twice",
                        "each value may appear once in an axis list",
                    )
                    continue
                seen.add(flags)
                node, not_applicable = buildable_node(
                    self.doc["build"], values, self.sizes, self.defaults, missing_args
                )
                out.append(
                    Combination(
                        table=table,
                        line=line,
                        values=values,
                        varied=names,
                        expectation=found,
                        standard=standard is not None and in_standard(values, standard),
                        extra_calls_here=frozenset(),  # chosen for the whole file: with_extra_calls
                        node=node,
                        not_applicable=not_applicable,
                    )
                )
        return tuple(out)

    def _check_extra_calls(
        self,
        combinations: tuple[Combination, ...],
        standard_by_table: Mapping[str, Mapping[str, list[Any]]],
        extra_when: LineDict,
        budget: int | None,
    ) -> None:
        """``extra_calls`` must name values the default depth takes; without a per-file budget
        (which falls back to any case), it must leave every extra-call relation a table names
        running on one of its cases there."""
        standard: LineDict = self.doc["standard"]
        taken: dict[str, list[Any]] = {}
        for axes in standard_by_table.values():
            for axis, values in axes.items():
                taken.setdefault(axis, []).extend(values)
        problems = check_extra_calls(extra_when, self.defaults, taken)
        for line, message, hint in problems:
            self.err(line, message, hint)
        if problems or budget is not None:
            return
        named: dict[str, set[str]] = {}
        ran: dict[str, set[str]] = {}
        for combination in combinations:
            if not combination.standard:
                continue
            _kept, extra = without_extra_calls(combination.expectation)
            named.setdefault(combination.table, set()).update(extra)
            ran.setdefault(combination.table, set()).update(combination.extra_calls_here)
        for table, names in named.items():
            for name in sorted(names - ran.get(table, set())):
                self.err(
                    standard.line_of(EXTRA_CALLS_KEY),
                    f"standard: extra_calls leaves {name} to --rnnspec-depth=exhaustive on every case of "
                    f"table {table!r} that names it: the default depth would never check it there",
                    "widen extra_calls (fewer axes) so that it holds on one of those cases",
                )
