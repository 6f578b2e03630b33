"""Check a loaded spec file against rnnspec/schema.yaml with jsonschema.

Each schema violation becomes a SpecError at the line of the offending key, so that a
misspelled key or a wrong type is reported where it was written, not as a stack trace.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from rnnspec.errors import SpecError
from rnnspec.yamlload import LineDict, LineList


@cache
def _validator() -> jsonschema.Draft202012Validator:
    text = resources.files("rnnspec").joinpath("schema.yaml").read_text(encoding="utf-8")
    schema = yaml.safe_load(text)
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def line_at(document: Any, path: Iterable[Any]) -> int | None:
    """The line of the node reached by a JSON path of keys and indices."""
    node, line = document, getattr(document, "line", None)
    for step in path:
        if (isinstance(node, LineDict) and step in node) or (
            isinstance(node, LineList) and isinstance(step, int) and step < len(node)
        ):
            line, node = node.line_of(step), node[step]
        else:
            break
    return line


def _schema_keys(error: jsonschema.ValidationError) -> list[str]:
    schema = error.schema
    return sorted(schema.get("properties", {})) if isinstance(schema, dict) else []


def _describe(error: jsonschema.ValidationError) -> tuple[str, str]:
    where = "/".join(str(p) for p in error.absolute_path) or "top level"
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = _schema_keys(error)
        unknown = [k for k in error.instance if k not in allowed]
        if unknown and allowed:
            key = unknown[0]
            close = difflib.get_close_matches(key, allowed, n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"allowed keys: {', '.join(allowed)}"
            return f"unknown key {key!r} in {where}", hint
    if error.validator == "required":
        return f"{where}: {error.message}", "add the missing key"
    if (
        error.validator == "type"
        and isinstance(error.instance, str)
        and isinstance(error.schema, dict)
        and error.schema.get("type") == "number"
    ):
        if _parses_as_float(error.instance):
            return (
                f"{where}: {error.instance!r} is a string, not a number",
                "YAML reads 1e-5 as a string; write 1.0e-5",
            )
        return f"{where}: {error.instance!r} is not a number", "write a number such as 1.0e-5"
    if error.validator == "pattern" and error.absolute_path and error.absolute_path[-1] == "class":
        return (
            f"{where}: {error.instance!r} is not a class name",
            "name a keras.layers class (or one registered with the pytest_rnnspec_register_layers hook) "
            "or $axis; a spec never names a module path, and nothing is imported from it",
        )
    if error.validator == "uniqueItems" and isinstance(error.instance, list):
        first, _ = _first_repeat(error.instance)
        line = line_at(error.instance, [first])
        what = "row" if error.absolute_path and error.absolute_path[-1] == "expect" else "item"
        return (
            f"{where}: this {what} repeats the {what} at line {line}",
            "each row may appear once; delete the copy or change its 'when'",
        )
    return f"{where}: {error.message}", ""


def _parses_as_float(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _first_repeat(items: list[Any]) -> tuple[int, int]:
    """Indices of the first item that equals a later one, and of that later one."""
    for second, item in enumerate(items):
        for first in range(second):
            if items[first] == item:
                return first, second
    return 0, 0


def _error_path(error: jsonschema.ValidationError) -> list[Any]:
    """The JSON path to the node an error is about: the unknown key, the repeated item."""
    path = list(error.absolute_path)
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = set(_schema_keys(error))
        path += [k for k in error.instance if k not in allowed][:1]
    if error.validator == "uniqueItems" and isinstance(error.instance, list):
        path.append(_first_repeat(error.instance)[1])
    return path


def _misspelled_required(errors: list[jsonschema.ValidationError]) -> set[tuple[tuple[Any, ...], str]]:
    """(path, key) of required keys that an unknown key next to them misspells: the
    "unknown key 'expcet'" error already says "did you mean 'expect'?", so "'expect' is a
    required property" would only repeat it."""
    out: set[tuple[tuple[Any, ...], str]] = set()
    for error in errors:
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            allowed = _schema_keys(error)
            for key in error.instance:
                if key not in allowed:
                    out.update((tuple(error.absolute_path), c) for c in difflib.get_close_matches(key, allowed, n=1))
    return out


def validate_document(path: Path, document: Any) -> list[SpecError]:
    """All schema problems of one file, each with its line and, where we can, a fix."""
    errors = []
    found = sorted(_validator().iter_errors(document), key=lambda e: list(map(str, e.absolute_path)))
    misspelled = _misspelled_required(found)
    for error in found:
        if error.validator == "required" and isinstance(error.instance, dict):
            missing = [k for k in error.validator_value if k not in error.instance]
            if missing and all((tuple(error.absolute_path), k) in misspelled for k in missing):
                continue
        message, hint = _describe(error)
        errors.append(SpecError(path, line_at(document, _error_path(error)), message, hint))
    return errors
