"""The classes a compiled table builds, checked against the Keras registry.

The one check of a table that needs Keras: a ``build`` names classes from the allowlist
(rnnspec/registry.py) with arguments they accept. rnnspec/table.py checks everything else
without importing Keras; the caller that has Keras runs this after it.
"""

from __future__ import annotations

from typing import Any, cast

from rnnspec.case import SpecTable
from rnnspec.errors import SpecError, did_you_mean
from rnnspec.nodes import walk
from rnnspec.registry import LayerRegistry, accepted_arguments
from rnnspec.templates import REF
from rnnspec.yamlload import LineDict


def check_layers(table: SpecTable, registry: LayerRegistry) -> list[SpecError]:
    """Unknown classes and arguments, each at the line where it is written."""
    errors: list[SpecError] = []

    def check(name: Any, node: LineDict, line: int) -> None:
        cls = registry.get(name) if isinstance(name, str) else None
        if cls is None:
            hint = did_you_mean(
                name, registry.names(), "register custom classes with the pytest_rnnspec_register_layers hook"
            )
            errors.append(SpecError(table.path, line, f"unknown layer {name!r}", hint))
            return
        accepted = accepted_arguments(cls)
        args = node.get("args", LineDict())
        for arg in args:
            if arg in table.missing_args:
                continue  # declared absent in this release: dropped or not applicable per case
            if accepted is not None and arg not in accepted:
                errors.append(
                    SpecError(
                        table.path,
                        args.line_of(arg),
                        f"{name} has no argument {arg!r}",
                        did_you_mean(arg, sorted(accepted)),
                    )
                )

    document = table.document
    for written in walk(table.template):
        node = cast(LineDict, written)
        ref = REF.match(str(node["class"]))
        if ref is None:
            check(node["class"], node, node.line_of("class"))
            continue
        axis = ref.group(1)  # the class comes from an axis: each value it takes, at its line
        if axis not in table.defaults:
            continue
        check(table.defaults[axis], node, document["defaults"].line_of(axis))
        checked = {table.defaults[axis]}
        for combination in table.combinations:
            value = combination.values[axis]
            if value not in checked:
                checked.add(value)
                check(value, node, combination.line)
    return errors
