"""What a compiled table and its cases hold: plain frozen data, no behaviour, no Keras.

``SpecTable`` is one spec file compiled once (rnnspec/table.py: every check done); a ``Case``
is one combination of it on one device (rnnspec/expand.py) and refers to its table for
everything file-wide instead of copying it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rnnspec.structure import Shape, Structure

#: Axes the runner interprets itself; every other axis is a constructor argument ($name).
SPECIAL_AXES: dict[str, Any] = {"mask": "none", "initial_state": False}
#: How an axis is spelled in a case's name where it is switched on (``LSTM[core-seq-state-cpu]``).
ID_NAMES = {"return_sequences": "seq", "return_state": "state", "go_backwards": "backwards"}


@dataclass(frozen=True)
class Deviation:
    """A relation Keras documents but does not keep for these flags; a fix must be noticed."""

    relation: str
    reason: str
    line: int


@dataclass(frozen=True)
class Expectation:
    """What the rows of a table say about one combination."""

    returns: Structure
    returns_text: str
    dtype: str
    relations: tuple[str, ...]
    rows: tuple[int, ...]  # lines of the rows that matched (rnnspec.yamlload.Loc: each knows its file)
    deviations: tuple[Deviation, ...] = ()
    states: Structure | None = None
    raises: str | None = None
    notes: tuple[str, ...] = ()  # the matched rows' notes: why a combination behaves as it does
    # Arguments the build leaves to the layer's defaults where this release's defaults differ
    # from the reference's (Keras 3's); the NumPy reference computes with them.
    layer_defaults: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class XFail:
    """An expected failure declared next to the case (e.g. a known Keras deviation)."""

    reason: str
    strict: bool
    line: int


@dataclass(frozen=True)
class Combination:
    """One declared combination of a table's axes, with what its rows say (compiled once)."""

    table: str  # the name under ``tables:`` (``cases`` where the file has none)
    line: int  # the line of that table
    values: Mapping[str, Any]
    varied: tuple[str, ...]  # the axes this table crosses, in order
    expectation: Expectation
    standard: bool  # taken by the default depth
    extra_calls_here: frozenset[str]  # the extra-call relations the default depth runs here
    node: Mapping[str, Any]  # the build template resolved, as this release can build it
    not_applicable: str | None  # why this release cannot build it


@dataclass(frozen=True)
class SpecTable:
    """One spec file, compiled: checked once and whole, ready to expand for any depth."""

    path: Path
    title: str
    description: str
    template: Mapping[str, Any]  # ``build`` with its $axis references
    build_text: str
    inputs: Shape
    input_values: Any
    sizes: Mapping[str, int]
    defaults: Mapping[str, Any]
    states: Structure | None
    tolerance: Mapping[str, Mapping[str, float]]
    missing_args: Mapping[str, str]  # arguments this release lacks, with the reason shown
    seed: int
    show_values: bool
    combinations: tuple[Combination, ...]
    designs: tuple[Any, ...]  # the file's covering designs (rnnspec.designs.Design), if it asks for any
    xfails: tuple[tuple[int, Mapping[str, Any]], ...]  # entries that hold on this release
    rows: tuple[Any, ...]  # the expect rows that hold on this release (rnnspec.rules.Row)
    document: Any  # the file as read, suite and fragment applied (a LineDict: lines of every key)

    def tolerance_for(self, device: str, dtype: str) -> float:
        for key in (device, "default"):
            if dtype in self.tolerance.get(key, {}):
                return float(self.tolerance[key][dtype])
        return float(self.tolerance["default"]["float32"])


def value_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "none"
    return str(value)


def values_text(values: Mapping[str, Any]) -> str:
    """``go_backwards=true, mask=right|left``: axis values as errors and reports show them (a
    list, as a row's ``when`` may give, is any of its values)."""
    return ", ".join(
        f"{axis}={'|'.join(map(value_text, v)) if isinstance(v, list) else value_text(v)}" for axis, v in values.items()
    )


def case_flags(values: Mapping[str, Any], varied: tuple[str, ...], defaults: Mapping[str, Any]) -> str:
    """``seq-state-mask=right``: varied axes that differ from their default, in table order."""
    parts = []
    for axis in varied:
        value = values[axis]
        if value == defaults.get(axis) and type(value) is type(defaults.get(axis)):
            continue
        short = ID_NAMES.get(axis, axis)
        if value is True and defaults.get(axis) is False:
            parts.append(short)
        else:
            parts.append(f"{short}={value_text(value)}")
    return "-".join(parts)


@dataclass(frozen=True)
class Case:
    """One layer x flag combination on one device: everything needed to run and report it."""

    spec: SpecTable
    combination: Combination
    index: int
    device: str
    expectation: Expectation  # the combination's, less what this depth defers
    tolerance: float
    xfail: XFail | None
    # Relations the rows name here that this depth leaves to --rnnspec-depth=exhaustive
    # (the file's ``standard: {extra_calls_per_file: N, extra_calls: ...}``); they are not in
    # ``expectation``.
    deferred: tuple[str, ...] = ()

    # --- the table's, for every case of it -------------------------------------------------
    path = property(lambda self: self.spec.path)
    title = property(lambda self: self.spec.title)
    description = property(lambda self: self.spec.description)
    template = property(lambda self: self.spec.template)
    build_text = property(lambda self: self.spec.build_text)
    inputs = property(lambda self: self.spec.inputs)
    input_values = property(lambda self: self.spec.input_values)
    sizes = property(lambda self: self.spec.sizes)
    defaults = property(lambda self: self.spec.defaults)
    missing_args = property(lambda self: self.spec.missing_args)
    seed = property(lambda self: self.spec.seed)
    show_values = property(lambda self: self.spec.show_values)

    # --- the combination's ---------------------------------------------------------------
    table = property(lambda self: self.combination.table)
    line = property(lambda self: int(self.combination.line))
    # the file that declares the case's table: the table's own, or the fragment it extends
    table_path = property(lambda self: Path(getattr(self.combination.line, "path", None) or self.spec.path))
    values = property(lambda self: self.combination.values)
    varied = property(lambda self: self.combination.varied)
    node = property(lambda self: self.combination.node)
    not_applicable = property(lambda self: self.combination.not_applicable)

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
