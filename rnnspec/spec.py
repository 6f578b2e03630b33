"""Turn one spec file into the cases it declares, or into errors that point at its lines.

A file declares axes (``cross`` crossed with each of its ``tables``), defaults for every
axis, a ``build`` template whose ``$name`` arguments take the case's axis values, and
``expect`` rows that say, for the combinations they match, what the layer returns and which
relations hold. Every declared combination becomes a Case; a combination that no row gives
an expectation, or that two rows give different ones, is an error, never a silent gap.
"""

from __future__ import annotations

import difflib
import itertools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from rnnspec import (
    DEPTHS,
    behaviours,  # noqa: F401 - registers the relations that need twin calls
)
from rnnspec.errors import SpecError, SpecErrors
from rnnspec.masks import MASK_VALUES
from rnnspec.reference import ACTIVATIONS
from rnnspec.registry import LayerRegistry, accepted_arguments
from rnnspec.relations import EXTRA_CALLS, RELATIONS
from rnnspec.structure import (
    Shape,
    Structure,
    StructureSyntaxError,
    format_structure,
    parse_structure,
    structure_symbols,
    tuples_as_lists,
)
from rnnspec.validate import validate_document
from rnnspec.versions import describe as describe_versions
from rnnspec.versions import holds as versions_hold
from rnnspec.versions import installed as installed_versions
from rnnspec.versions import problems as version_problems
from rnnspec.yamlload import LineDict, LineList, load_spec_yaml

#: Axes the runner interprets itself; every other axis is a constructor argument ($name).
SPECIAL_AXES: dict[str, Any] = {"mask": "none", "initial_state": False}
DEFAULT_SIZES = {"B": 2, "T": 5, "F": 3, "units": 4}
DEFAULT_TOLERANCE = {"float32": 1.0e-5, "float16": 1.0e-2, "bfloat16": 6.0e-2, "float64": 1.0e-10}
DEVICES = ("cpu", "gpu")
_ID_NAMES = {"return_sequences": "seq", "return_state": "state", "go_backwards": "backwards"}
#: The key of ``standard`` that is not a cross axis: where extra-call relations run.
EXTRA_CALLS_KEY = "extra_calls"
_REF = re.compile(r"^\$([A-Za-z_][A-Za-z0-9_]*)$")


@dataclass(frozen=True)
class Expectation:
    """What the rows of a table say about one combination."""

    returns: Structure
    returns_text: str
    dtype: str
    relations: tuple[str, ...]
    rows: tuple[int, ...]  # lines of the rows that matched
    deviations: tuple[Deviation, ...] = ()
    states: Structure | None = None
    raises: str | None = None
    notes: tuple[str, ...] = ()  # the matched rows' notes: why a combination behaves as it does
    # Arguments the build leaves to the layer's defaults where this release's defaults differ
    # from the reference's (Keras 3's); the NumPy reference computes with them.
    layer_defaults: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Deviation:
    """A relation Keras documents but does not keep for these flags; a fix must be noticed."""

    relation: str
    reason: str
    line: int


@dataclass(frozen=True)
class XFail:
    """An expected failure declared next to the case (e.g. a known Keras deviation)."""

    reason: str
    strict: bool
    line: int


@dataclass(frozen=True)
class Case:
    """One layer x flag combination on one device: everything needed to run and report it."""

    path: Path
    line: int
    title: str
    table: str
    index: int
    device: str
    values: Mapping[str, Any]
    varied: tuple[str, ...]
    node: Mapping[str, Any]
    inputs: Shape
    input_values: Any
    sizes: Mapping[str, int]
    states: Structure | None
    expectation: Expectation
    tolerance: float
    xfail: XFail | None
    seed: int
    build_text: str = ""
    description: str = ""
    template: Mapping[str, Any] = field(default_factory=dict)
    show_values: bool = False
    not_applicable: str | None = None  # why this release cannot build the combination
    # Relations the rows name here that this depth leaves to --rnnspec-depth=exhaustive
    # (the file's ``standard: {extra_calls: ...}``); they are not in ``expectation``.
    deferred: tuple[str, ...] = ()
    missing_args: Mapping[str, str] = field(default_factory=dict)  # arguments this release lacks

    defaults: Mapping[str, Any] = field(default_factory=dict)

    @property
    def flags(self) -> str:
        """The part of the id that names the axis values, stable across versions."""
        return case_flags(self.values, self.varied, self.defaults)

    @property
    def _label(self) -> str:
        return f"{self.title}[{self.table}{'-' + self.flags if self.flags else ''}"

    @property
    def name(self) -> str:
        return f"{self._label}-{self.device}]"

    @property
    def case_key(self) -> str:
        """The id without the device: the same combination on every device."""
        return f"{self.path.name}::{self._label}]"


def _value_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "none"
    return str(value)


def case_flags(values: Mapping[str, Any], varied: tuple[str, ...], defaults: Mapping[str, Any]) -> str:
    """``seq-state-mask=right``: varied axes that differ from their default, in table order."""
    parts = []
    for axis in varied:
        value = values[axis]
        if value == defaults.get(axis) and type(value) is type(defaults.get(axis)):
            continue
        short = _ID_NAMES.get(axis, axis)
        if value is True and defaults.get(axis) is False:
            parts.append(short)
        else:
            parts.append(f"{short}={_value_text(value)}")
    return "-".join(parts)


def _without_extra_calls(expectation: Expectation) -> tuple[Expectation, tuple[str, ...]]:
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


def _matches(when: Mapping[str, Any], values: Mapping[str, Any]) -> bool:
    for axis, wanted in when.items():
        options = list(wanted) if isinstance(wanted, list) else [wanted]
        if not any(values.get(axis) == o and type(values.get(axis)) is type(o) for o in options):
            return False
    return True


def resolve_node(template: Mapping[str, Any], values: Mapping[str, Any], sizes: Mapping[str, int]) -> dict[str, Any]:
    """The build template with every $name replaced by the case's axis value (or a size)."""

    def value(v: Any) -> Any:
        if isinstance(v, str) and (m := _REF.match(v)):
            return values[m.group(1)] if m.group(1) in values else sizes[m.group(1)]
        return list(v) if isinstance(v, list) else v

    out: dict[str, Any] = {
        "class": value(template["class"]),
        "args": {k: value(v) for k, v in template.get("args", {}).items()},
    }
    for key in ("layer", "backward_layer"):
        if key in template:
            out[key] = resolve_node(template[key], values, sizes)
    if "cell" in template:
        cell = template["cell"]
        out["cell"] = (
            [resolve_node(c, values, sizes) for c in cell]
            if isinstance(cell, list)
            else resolve_node(cell, values, sizes)
        )
    return out


def buildable_node(
    template: Mapping[str, Any],
    values: Mapping[str, Any],
    sizes: Mapping[str, int],
    defaults: Mapping[str, Any],
    missing_args: Mapping[str, str],
) -> tuple[dict[str, Any], str | None]:
    """The resolved layer node as this release can build it, and why it cannot, if so.

    An argument the release lacks (``available`` in the file) is left out where the case
    gives it its default (the layer then behaves as that default says); any other value
    makes the combination not applicable here.
    """
    node = resolve_node(template, values, sizes)
    reasons: list[str] = []

    def strip(template: Mapping[str, Any], resolved: dict[str, Any]) -> None:
        for arg, reason in missing_args.items():
            if arg not in template.get("args", {}):
                continue
            ref = _REF.match(str(template["args"][arg]))
            if ref is None or values.get(ref.group(1)) != defaults.get(ref.group(1)):
                reasons.append(f"{arg}={_value_text(resolved['args'][arg])}: {reason}")
            resolved["args"].pop(arg)
        for key in ("layer", "backward_layer"):
            if key in template:
                strip(template[key], resolved[key])
        cell = template.get("cell")
        if isinstance(cell, list):
            for child, done in zip(cell, resolved["cell"], strict=True):
                strip(child, done)
        elif cell is not None:
            strip(cell, resolved["cell"])

    if missing_args:
        strip(template, node)
    return node, ("not applicable: " + "; ".join(dict.fromkeys(reasons))) if reasons else None


def build_text(node: Mapping[str, Any]) -> str:
    """The build template as one line of pseudo-Python, with $axis references kept."""
    parts = [f"{k}={v}" for k, v in node.get("args", {}).items()]
    for key in ("layer", "backward_layer"):
        if key in node:
            parts.append(f"{key}={build_text(node[key])}")
    if "cell" in node:
        cell = node["cell"]
        parts.append(
            "cell="
            + ("[" + ", ".join(build_text(c) for c in cell) + "]" if isinstance(cell, list) else build_text(cell))
        )
    return f"{node['class']}({', '.join(parts)})"


class SpecFile:
    """One parsed, validated spec file and the cases it declares."""

    def __init__(self, path: Path, registry: LayerRegistry, environment: Mapping[str, Any] | None = None) -> None:
        """``environment``: the versions rows and arguments are matched against (default: the
        running Keras, rnnspec.kerasapi.versions()); tests pass others."""
        self.path = path
        self.registry = registry
        if environment is None:
            from rnnspec.kerasapi import versions

            environment = versions()
        self.environment: Mapping[str, Any] = environment
        self.errors: list[SpecError] = []
        self.doc: LineDict = load_spec_yaml(path)
        if not isinstance(self.doc, LineDict):
            raise SpecError(path, 1, "a spec file is a mapping with title, inputs, build, expect, ...")
        schema_errors = validate_document(path, self.doc)
        if schema_errors:
            raise SpecErrors(schema_errors)
        self.title: str = self.doc["title"]
        self.sizes = {**DEFAULT_SIZES, **self.doc.get("sizes", {})}
        self.defaults: dict[str, Any] = {**SPECIAL_AXES, **self.doc.get("defaults", {})}
        self.tolerance = self._tolerances()
        self.inputs = self._shape("inputs")
        self.states = self._structure("states") if "states" in self.doc else None
        self.row_states: dict[int, Structure | None] = {}
        self.class_refs: list[tuple[str, LineDict]] = []
        self.missing_args = self._missing_arguments()
        self.rows = self._rows()
        self.xfails = self._xfails()
        self.used_refs = self._check_layer(self.doc["build"], self.doc.line_of("build"))
        self._check_axes()
        self._check_standard()
        if self.errors:
            raise SpecErrors(self.errors)

    # --- checks that need more than the schema ---------------------------------------

    def _err(self, line: int | None, message: str, hint: str = "") -> None:
        self.errors.append(SpecError(self.path, line, message, hint))

    def _symbols_ok(self, structure: Structure, line: int, key: str) -> None:
        unknown = structure_symbols(structure) - set(self.sizes)
        for symbol in sorted(unknown):
            close = difflib.get_close_matches(symbol, list(self.sizes), n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"known symbols: {', '.join(sorted(self.sizes))}"
            self._err(line, f"unknown symbol {symbol!r} in {key}", hint)

    def _structure(self, key: str, where: LineDict | None = None) -> Structure | None:
        where = where if where is not None else self.doc
        line = where.line_of(key)
        try:
            structure = parse_structure(where[key])
        except StructureSyntaxError as exc:
            self._err(line, f"malformed shape expression in {key}: {exc}")
            return None
        self._symbols_ok(structure, line, key)
        return structure

    def _shape(self, key: str) -> Shape:
        structure = self._structure(key)
        if structure is not None and not isinstance(structure, Shape):
            self._err(self.doc.line_of(key), f"{key} must be a single shape such as (B, T, F)")
            structure = None
        return structure if isinstance(structure, Shape) else Shape(())

    def _tolerances(self) -> dict[str, dict[str, float]]:
        table: dict[str, dict[str, float]] = {"default": dict(DEFAULT_TOLERANCE)}
        given = self.doc.get("tolerance", {})
        for device, per_dtype in given.items():
            if device != "default" and device not in DEVICES:
                self._err(
                    given.line_of(device),
                    f"tolerance for unknown device {device!r}",
                    f"devices: default, {', '.join(DEVICES)}",
                )
            table.setdefault(device, {}).update(per_dtype)
        return table

    def tolerance_for(self, device: str, dtype: str) -> float:
        for key in (device, "default"):
            if dtype in self.tolerance.get(key, {}):
                return float(self.tolerance[key][dtype])
        return DEFAULT_TOLERANCE["float32"]

    def _rows(self) -> list[tuple[int, LineDict, Structure | None]]:
        """The rows that hold on this release; every row is checked (self.all_rows)."""
        rows = []
        self.all_rows: list[LineDict] = list(self.doc["expect"])
        expect: LineList = self.doc["expect"]
        for index, row in enumerate(expect):
            line = expect.line_of(index)
            structure = self._structure("returns", row) if "returns" in row else None
            if "states" in row:
                row_states = self._structure("states", row)
                self.row_states[line] = row_states
            names = list(row.get("relations", [])) + [d["relation"] for d in row.get("deviations", [])]
            for name in names:
                if name not in RELATIONS:
                    close = difflib.get_close_matches(name, list(RELATIONS), n=1)
                    hint = (
                        f"did you mean {close[0]!r}?" if close else f"known relations: {', '.join(sorted(RELATIONS))}"
                    )
                    self._err(row.line_of("relations"), f"unknown relation {name!r}", hint)
            for arg, value in row.get("layer_defaults", {}).items():
                if arg.endswith("activation") and value not in ACTIVATIONS:
                    self._err(
                        row["layer_defaults"].line_of(arg),
                        f"layer_defaults: the reference knows no activation {value!r}",
                        f"known: {', '.join(sorted(ACTIVATIONS))}",
                    )
            if "versions" in row and not self._versions_hold(row["versions"], row.line_of("versions")):
                continue  # checked like any row, matched only on the releases it names
            rows.append((line, row, structure))
        return rows

    def _versions_hold(self, conditions: Mapping[str, Any], line: int) -> bool:
        """Whether a ``versions`` mapping holds here; a malformed one is an error at its line."""
        malformed = version_problems(conditions)
        for problem in malformed:
            self._err(line, f"malformed versions: {problem}")
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

    def _check_layer(self, node: LineDict, line: int) -> set[str]:
        """Class allowlisted, arguments known; returns the $names the template uses."""
        refs: set[str] = set()
        class_ref = _REF.match(node["class"])
        if class_ref:  # the class comes from an axis: checked per value in _check_axes
            refs.add(class_ref.group(1))
            self.class_refs.append((class_ref.group(1), node))
        else:
            self._check_class(node["class"], node, node.line_of("class"))
        args = node.get("args", LineDict())
        for arg, value in args.items():
            if isinstance(value, str) and value.startswith("$"):
                match = _REF.match(value)
                if not match:
                    self._err(
                        args.line_of(arg), f"malformed reference {value!r}", "write $name, name an axis or a size"
                    )
                    continue
                ref = match.group(1)
                if ref not in self.defaults and ref not in self.sizes:
                    self._err(
                        args.line_of(arg),
                        f"{value} names no axis and no size",
                        "declare it under defaults (an axis) or sizes",
                    )
                refs.add(ref)
        for key in ("layer", "backward_layer"):
            if key in node:
                refs |= self._check_layer(node[key], node.line_of(key))
        cell = node.get("cell")
        if isinstance(cell, LineList):
            for i, child in enumerate(cell):
                refs |= self._check_layer(child, cell.line_of(i))
        elif isinstance(cell, LineDict):
            refs |= self._check_layer(cell, node.line_of("cell"))
        return refs

    def _table_axes(self, depth: str = "exhaustive") -> Iterator[tuple[str, int, dict[str, list[Any]]]]:
        cross = self.doc.get("cross", LineDict())
        tables = self.doc.get("tables")
        if not tables:
            yield "cases", self.doc.line_of("cross") if "cross" in self.doc else self.doc.line, dict(cross)
            return
        narrowed = self._standard_axes() if depth == "standard" else {}
        for name, axes in tables.items():
            combined = {**cross, **axes}
            for axis, crossed_in in narrowed.items():
                if name not in crossed_in and axis not in axes:
                    combined[axis] = [self.defaults[axis]]
            yield name, tables.line_of(name), combined

    def _standard_axes(self) -> dict[str, list[str]]:
        """The cross axes ``standard`` narrows, with the tables each is crossed with."""
        standard = self.doc.get("standard", {})
        return {axis: tables for axis, tables in standard.items() if axis != EXTRA_CALLS_KEY}

    def _extra_calls_when(self, depth: str) -> Mapping[str, Any] | None:
        """Where this depth runs the relations that make extra calls; None: everywhere."""
        if depth != "standard":
            return None
        when: Mapping[str, Any] | None = self.doc.get("standard", {}).get(EXTRA_CALLS_KEY)
        return when

    def _check_standard(self) -> None:
        """``standard`` may only narrow cross axes, in tables that exist, to a value they take;
        ``extra_calls`` may only name values that some case takes."""
        standard: LineDict = self.doc.get("standard", LineDict())
        cross = self.doc.get("cross", {})
        tables = self.doc.get("tables", {})
        errors_before = len(self.errors)
        for axis, crossed_in in self._standard_axes().items():
            line = standard.line_of(axis)
            if axis not in cross:
                self._err(line, f"standard narrows {axis!r}, which is not a cross axis", "name an axis under cross")
                continue
            if self.defaults.get(axis) not in cross[axis]:
                self._err(
                    line,
                    f"standard narrows {axis!r} to its default {self.defaults.get(axis)!r}, which cross does not list",
                    "the default depth keeps an axis at its default outside the named tables",
                )
            for table in crossed_in:
                if table not in tables:
                    close = difflib.get_close_matches(str(table), list(tables), n=1)
                    self._err(
                        line,
                        f"standard names table {table!r}, which the file does not declare",
                        f"did you mean {close[0]!r}?" if close else "",
                    )
        if EXTRA_CALLS_KEY in standard and len(self.errors) == errors_before:
            self._check_extra_calls(standard[EXTRA_CALLS_KEY])

    def _check_extra_calls(self, when: LineDict) -> None:
        """Each ``extra_calls`` value must be one that some case of the default depth takes
        (compared as rows compare, type included: ``1`` is not ``true``); otherwise the
        relations it is about would silently never run there."""
        taken: dict[str, list[Any]] = {axis: [value] for axis, value in self.defaults.items()}
        for _table, _line, axes in self._table_axes("standard"):
            for axis, values in axes.items():
                taken.setdefault(axis, []).extend(values)
        for axis, value in when.items():
            line = when.line_of(axis)
            if axis not in taken:
                close = difflib.get_close_matches(axis, list(taken), n=1)
                self._err(
                    line,
                    f"standard: extra_calls names {axis!r}, which is not an axis of this file",
                    f"did you mean {close[0]!r}?" if close else "name an axis under defaults, cross or tables",
                )
            elif not any(_matches({axis: value}, {axis: v}) for v in taken[axis]):
                self._err(
                    line,
                    f"standard: extra_calls asks for {axis}={value!r}, which no case of the default depth takes: "
                    "the relations that make extra calls would never run there",
                    f"values of {axis} there: {', '.join(repr(v) for v in dict.fromkeys(taken[axis]))}",
                )

    def _check_class(self, name: Any, node: LineDict, line: int) -> None:
        cls = self.registry.get(name) if isinstance(name, str) else None
        if cls is None:
            close = difflib.get_close_matches(str(name), self.registry.names(), n=1)
            hint = (
                f"did you mean {close[0]!r}?"
                if close
                else "register custom classes with the pytest_rnnspec_register_layers hook"
            )
            self._err(line, f"unknown layer {name!r}", hint)
            return
        accepted = accepted_arguments(cls)
        args = node.get("args", LineDict())
        for arg in args:
            if arg in self.missing_args:
                continue  # declared absent in this release: dropped or not applicable per case
            if accepted is not None and arg not in accepted:
                close = difflib.get_close_matches(arg, sorted(accepted), n=1)
                self._err(
                    args.line_of(arg), f"{name} has no argument {arg!r}", f"did you mean {close[0]!r}?" if close else ""
                )

    def _check_axes(self) -> None:
        declared = set(self.defaults)
        for axis, node in self.class_refs:
            if axis not in self.defaults:
                continue
            self._check_class(self.defaults[axis], node, self.doc["defaults"].line_of(axis))
            for _, line, axes in self._table_axes():
                for value in axes.get(axis, []):
                    self._check_class(value, node, line)
        special = set(SPECIAL_AXES)
        for axis in sorted(declared - special - self.used_refs):
            self._err(
                self.doc["defaults"].line_of(axis), f"axis {axis!r} is declared but no build argument uses ${axis}"
            )
        for name, line, axes in self._table_axes():
            for axis in axes:
                if axis not in declared:
                    close = difflib.get_close_matches(axis, sorted(declared), n=1)
                    hint = f"did you mean {close[0]!r}?" if close else "declare the axis with a default under defaults"
                    self._err(line, f"table {name!r} varies unknown axis {axis!r}", hint)
            for value in axes.get("mask", []):
                if value not in MASK_VALUES:
                    self._err(line, f"mask value {value!r} is not one of {', '.join(MASK_VALUES)}")
            if True in axes.get("initial_state", []) and self.states is None and not self.row_states:
                self._err(line, "initial_state is varied but the file declares no states structure")
        for row in self.all_rows:
            for axis in row.get("when", {}):
                if axis not in declared and axis != "device":
                    self._err(row.line_of("when"), f"row matches on unknown axis {axis!r}")
        for index, xfail in enumerate(self.doc.get("xfail", [])):
            if xfail.get("device", "cpu") not in DEVICES:
                self._err(self.doc["xfail"].line_of(index), f"xfail for unknown device {xfail['device']!r}")

    # --- expansion ----------------------------------------------------------------------

    def _expect(self, values: Mapping[str, Any], table_line: int) -> Expectation | None:
        # returns, raises and dtype may each be given by one row only (or by rows that agree).
        # A row that names its releases (versions:) is more specific than one that does not:
        # where it gives an outcome (returns or raises) or a dtype on this release, the general
        # rows' outcome or dtype gives way, so a release's difference is one row, not a rewrite.
        matched = [
            (line, row, structure) for line, row, structure in self.rows if _matches(row.get("when", {}), values)
        ]
        versioned = [row for _, row, _ in matched if "versions" in row]
        given = {key for row in versioned for key in ("returns", "raises", "dtype") if key in row}
        overridden = given & {"dtype"}
        if given & {"returns", "raises"}:
            overridden |= {"returns", "raises"}
        single: dict[str, tuple[int, str]] = {}
        returned: Structure | None = None
        states: Structure | None = self.states
        relations: list[str] = []
        notes: list[str] = []
        deviations: dict[str, Deviation] = {}
        lines: list[int] = []
        layer_defaults: dict[str, Any] = {}
        for line, row, structure in matched:
            general = "versions" not in row
            lines.append(line)
            if "note" in row and row["note"] not in notes:
                notes.append(row["note"])
            for key in ("returns", "raises", "dtype"):
                if key not in row or (general and key in overridden):
                    continue
                if key in single and single[key][1] != row[key]:
                    said = "" if key == "returns" else f"{key} "
                    self._err(
                        line,
                        f"rows contradict each other: line {single[key][0]} says {said}{single[key][1]}, "
                        f"this row says {said}{row[key]}",
                        "for " + ", ".join(f"{k}={_value_text(v)}" for k, v in values.items()),
                    )
                    return None
                single[key] = (line, row[key])
            if structure is not None and not (general and "returns" in overridden):
                returned = structure
            if line in self.row_states:
                states = self.row_states[line]
            layer_defaults.update(row.get("layer_defaults", {}))
            relations += [r for r in row.get("relations", []) if r not in relations]
            for entry in row.get("deviations", []):
                deviations[entry["relation"]] = Deviation(entry["relation"], entry["reason"], row.line_of("deviations"))
        if returned is not None and any(row.get("returns_as") == "list" for _, row, _ in matched):
            returned = tuples_as_lists(returned)
            single["returns"] = (single["returns"][0], format_structure(returned))
        raises = single["raises"][1] if "raises" in single else None
        if raises is not None:  # a rejected combination returns nothing and relates nothing
            single.update(returns=(0, f"raises {raises}"), dtype=(0, "-"))
            returned, relations, deviations = Shape(()), [], {}
        missing = [key for key in ("returns", "dtype") if key not in single]
        if missing:
            shown = ", ".join(f"{k}={_value_text(v)}" for k, v in values.items())
            self._err(
                table_line,
                f"no row gives {' and '.join(missing)} for the combination {shown}",
                "every declared combination needs an expectation; add a row whose 'when' matches it",
            )
            return None
        assert returned is not None
        # A deviation is the documented exception to a general row: it wins over "holds".
        relations = [r for r in relations if r not in deviations]
        return Expectation(
            returned,
            single["returns"][1],
            single["dtype"][1],
            tuple(relations),
            tuple(lines),
            tuple(deviations.values()),
            states,
            raises,
            tuple(notes),
            layer_defaults,
        )

    def expectation_for(self, values: Mapping[str, Any]) -> Expectation:
        """What the rows say about any combination of axis values (for property tests)."""
        expectation = self._expect({**self.defaults, **values}, self.doc.line)
        if expectation is None:
            raise SpecErrors(self.errors)
        return expectation

    def _xfails(self) -> list[tuple[int, LineDict]]:
        """The xfail entries that hold on this release, with their lines; every one is checked."""
        entries: LineList = self.doc.get("xfail", LineList())
        return [
            (entries.line_of(index), entry)
            for index, entry in enumerate(entries)
            if "versions" not in entry or self._versions_hold(entry["versions"], entry.line_of("versions"))
        ]

    def _xfail(self, values: Mapping[str, Any], device: str) -> XFail | None:
        for line, entry in self.xfails:
            if entry.get("device", device) == device and _matches(entry.get("when", {}), values):
                return XFail(entry["reason"], bool(entry.get("strict", True)), line)
        return None

    def cases(self, devices: tuple[str, ...] = DEVICES, depth: str = "exhaustive") -> list[Case]:
        """Every declared combination on every device, in file order; raises SpecErrors.

        ``depth="standard"`` applies the file's ``standard`` narrowing (the default run's depth).
        """
        if depth not in DEPTHS:
            raise ValueError(f"depth must be one of {', '.join(DEPTHS)}, not {depth!r}")
        cases: list[Case] = []
        seen: set[str] = set()
        seed = int(self.doc.get("seed", 0))
        extra_calls_when = self._extra_calls_when(depth)
        for table, line, axes in self._table_axes(depth):
            names = list(axes)
            extra_named: set[str] = set()  # extra-call relations this table's rows name ...
            extra_run: set[str] = set()  # ... and those that some case of it runs at this depth
            for combo in itertools.product(*(axes[a] for a in names)):
                values = {**self.defaults, **dict(zip(names, combo, strict=True))}
                expectation = self._expect(values, line)
                if expectation is None:
                    continue
                # The expectation without its extra-call relations, for the cases that defer them.
                stripped, extra = _without_extra_calls(expectation) if extra_calls_when is not None else (None, ())
                extra_here = extra_calls_when is None or _matches(extra_calls_when, values)
                extra_named.update(extra)
                if extra_here:
                    extra_run.update(extra)
                flags = case_flags(values, tuple(names), self.defaults)
                key = f"{table}-{flags}"
                if key in seen:
                    self._err(
                        line,
                        f"table {table!r} declares the combination {flags or 'of defaults'} twice",
                        "each value may appear once in an axis list",
                    )
                    continue
                seen.add(key)
                node, not_applicable = buildable_node(
                    self.doc["build"], values, self.sizes, self.defaults, self.missing_args
                )
                for device in devices:
                    xfail = self._xfail({**values, "device": device}, device)
                    kept = expectation
                    deferred: tuple[str, ...] = ()
                    # An expected failure keeps every relation: it may be what fails there.
                    if stripped is not None and not extra_here and xfail is None:
                        kept, deferred = stripped, extra
                    cases.append(
                        Case(
                            path=self.path,
                            line=line,
                            title=self.title,
                            table=table,
                            index=len(cases),
                            device=device,
                            values=values,
                            varied=tuple(names),
                            node=node,
                            not_applicable=not_applicable,
                            missing_args=self.missing_args,
                            template=self.doc["build"],
                            show_values=bool(self.doc.get("show_values", False)),
                            inputs=self.inputs,
                            input_values=self.doc.get("input_values"),
                            sizes=dict(self.sizes),
                            states=self.states,
                            expectation=kept,
                            deferred=deferred,
                            tolerance=self.tolerance_for(device, expectation.dtype),
                            xfail=xfail,
                            seed=seed,
                            defaults=self.defaults,
                            build_text=build_text(self.doc["build"]),
                            description=self.doc.get("description", ""),
                        )
                    )
            for name in sorted(extra_named - extra_run):
                self._err(
                    self.doc["standard"].line_of(EXTRA_CALLS_KEY),
                    f"standard: extra_calls leaves {name} to --rnnspec-depth=exhaustive on every case of "
                    f"table {table!r} that names it: the default depth would never check it there",
                    "widen extra_calls (fewer axes) so that it holds on one of those cases",
                )
        if self.errors:
            raise SpecErrors(self.errors)
        return cases


def collect_cases(
    path: Path, registry: LayerRegistry, devices: tuple[str, ...] = DEVICES, depth: str = "exhaustive"
) -> list[Case]:
    """The cases one spec file declares for these devices at this depth; raises SpecErrors
    (or SpecError) naming the file and lines. The plugin's one entry into table reading."""
    return SpecFile(path, registry).cases(devices, depth)
