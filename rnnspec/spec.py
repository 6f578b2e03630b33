"""Spec files in, cases out: the one entry into table reading, for the plugin and the tests.

The path of a file: rnnspec/inherit.py applies the folder's suite and the file's fragment,
rnnspec/table.py compiles the result once (every check; no Keras), rnnspec/layercheck.py
checks the classes it builds against the Keras registry, and rnnspec/expand.py takes the
cases of one depth and set of devices. The names the rest of rnnspec uses are re-exported
here so that a caller needs one import.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from rnnspec import DEVICES
from rnnspec.case import Case, Deviation, Expectation, SpecTable, XFail, case_flags
from rnnspec.errors import SpecError, SpecErrors
from rnnspec.expand import expand
from rnnspec.kerasapi import versions
from rnnspec.layercheck import check_layers
from rnnspec.registry import LayerRegistry
from rnnspec.relations import RELATIONS
from rnnspec.rules import RowProblem, expectation
from rnnspec.table import compile_table
from rnnspec.templates import buildable_node, resolve_node

__all__ = [
    "DEVICES",
    "Case",
    "Deviation",
    "Expectation",
    "SpecTable",
    "XFail",
    "buildable_node",
    "case_flags",
    "collect_cases",
    "expand",
    "expectation_for",
    "load_table",
    "resolve_node",
]


def load_table(
    path: Path, registry: LayerRegistry | None = None, environment: Mapping[str, Any] | None = None
) -> SpecTable:
    """The file compiled against ``environment`` (default: the running Keras's versions) and,
    given a registry, its classes checked; raises SpecErrors naming file and lines."""
    if environment is None:
        environment = versions()
    table = compile_table(path, environment)
    if registry is not None:
        errors = check_layers(table, registry)
        if errors:
            raise SpecErrors(errors)
    return table


def collect_cases(
    path: Path, registry: LayerRegistry, devices: tuple[str, ...] = DEVICES, depth: str = "exhaustive"
) -> list[Case]:
    """The cases one spec file declares for these devices at this depth; raises SpecErrors
    (or SpecError) naming the file and lines. The plugin's one entry into table reading."""
    return expand(load_table(path, registry), devices, depth)


def expectation_for(table: SpecTable, values: Mapping[str, Any]) -> Expectation:
    """What the rows say about any combination of axis values, declared or not (property tests)."""
    found = expectation(table.rows, {**table.defaults, **values}, table.states, list(RELATIONS))
    if isinstance(found, RowProblem):
        raise SpecErrors([SpecError(table.path, found.line, found.message, found.hint)])
    return found
