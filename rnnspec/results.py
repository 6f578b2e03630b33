"""results.json's format: its version tag, its JSON Schema, and the check every reader makes.

results.json is what other programs read of a run (``python -m rnnspec.compat condense``, CI
jobs, people's scripts), so its shape is a published format, not an accident of the plugin:
``meta.format`` names the version, and ``results.schema.json`` (shipped with the package)
documents every key of the metadata and of a case record. A change that renames, retypes or
removes a key, or adds a status, is a new version; readers refuse versions they do not know.

A file without ``meta.format`` was written before the tag existed, by the plugin whose records
format 1 documents; readers take it as format 1 (``check_format``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any, Final

FORMAT: Final = "rnnspec-results/1"
SCHEMA_FILE: Final = "results.schema.json"


class ResultsFormatError(ValueError):
    """A results.json this rnnspec cannot read; the message names the file."""


def tagged(meta: Mapping[str, Any]) -> dict[str, Any]:
    """META with this version's format tag, as the writer stores it."""
    return {**meta, "format": FORMAT}


def check_format(data: Any, source: str) -> None:
    """Refuse a results.json of another format, saying which one and what to do."""
    meta = data.get("meta") if isinstance(data, Mapping) else None
    if not isinstance(meta, Mapping):
        raise ResultsFormatError(f"{source}: not a results.json: expected an object with 'meta' and 'cases'")
    found = meta.get("format", FORMAT)  # untagged: written before the tag, with format 1's content
    if found != FORMAT:
        raise ResultsFormatError(
            f"{source}: results.json format {found!r}, but this rnnspec reads {FORMAT!r} only; "
            "read it with the rnnspec that wrote it, or re-run the tables with this one"
        )


@cache
def schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of results.json, from the installed package."""
    text = resources.files("rnnspec").joinpath(SCHEMA_FILE).read_text(encoding="utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def validate(data: Any, source: str) -> None:
    """Check DATA against the schema; the first problem (by location) names its key path."""
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(schema())
    errors = sorted(validator.iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path])
    if errors:
        first = errors[0]
        where = "/".join(str(p) for p in first.absolute_path) or "(top)"
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise ResultsFormatError(f"{source}: {where}: {first.message}{more}")
