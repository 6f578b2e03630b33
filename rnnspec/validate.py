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
        return (
            f"{where}: {error.instance!r} is a string, not a number",
            "YAML reads 1e-5 as a string; write 1.0e-5",
        )
    return f"{where}: {error.message}", ""


def validate_document(path: Path, document: Any) -> list[SpecError]:
    """All schema problems of one file, each with its line and, where we can, a fix."""
    errors = []
    for error in sorted(_validator().iter_errors(document), key=lambda e: list(map(str, e.absolute_path))):
        message, hint = _describe(error)
        path_to_key = list(error.absolute_path)
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            allowed = set(_schema_keys(error))
            path_to_key += [k for k in error.instance if k not in allowed][:1]
        errors.append(SpecError(path, line_at(document, path_to_key), message, hint))
    return errors
