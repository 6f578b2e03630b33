"""Shared settings written once: the suite file and the fragments a table ``extends:``.

A folder of tables may hold ``_suite.yaml``: settings every table in that folder inherits
(the depth policy, tolerances, the Keras 2 row...). A table may also name one fragment with
``extends: _name.yaml`` (a file beside it): the rows and axes a family of tables shares.
Files whose name starts with ``_`` are never tables themselves (rnnspec collects no case
from them). Inheritance is one level deep, in this order, each later one winning:

================  ==========================================================================
what              how a later file changes it
================  ==========================================================================
a scalar          replaced (``title: GRU``)
a mapping         merged one level: its keys replace the inherited ones of the same name
                  (``standard: {extra_calls: ...}`` keeps an inherited ``go_backwards``)
``build``         merged one level, and its ``args`` too: a table names its class and adds
                  its own arguments to the ones it inherits
a list            appended: inherited items first (the suite's rows, the fragment's, the
                  table's own)
================  ==========================================================================

A fragment may not extend another. What the suite says about an axis (a row's ``when``, a
``standard`` narrowing) applies to the tables that have that axis and is no error in the
others; a fragment, which a table chooses, is checked like the table's own text. Every key and row keeps the line of the file it was
written in (rnnspec.yamlload.Loc), so an error still names the file and line of the text.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rnnspec import SUITE_FILE
from rnnspec.errors import SpecError
from rnnspec.yamlload import LineDict, LineList, load_spec_yaml

EXTENDS_KEY = "extends"
BUILD_KEY = "build"


def _mapping(path: Path) -> LineDict:
    doc = load_spec_yaml(path)
    if not isinstance(doc, LineDict):
        raise SpecError(path, 1, "a spec file is a mapping with title, inputs, build, expect, ...")
    return doc


def _fragment(table: LineDict, path: Path) -> LineDict:
    """The fragment the table names under ``extends``, read and checked."""
    name, line = table[EXTENDS_KEY], table.line_of(EXTENDS_KEY)
    siblings = sorted(p.name for p in path.parent.glob("_*.y*ml") if p.name != SUITE_FILE)
    hint = f"fragments beside this table: {', '.join(siblings)}" if siblings else "put the fragment beside the table"
    if not isinstance(name, str) or "/" in name or "\\" in name or not name.startswith("_"):
        raise SpecError(
            path, line, f"extends names {name!r}: a fragment is a file beside the table named _*.yaml", hint
        )
    fragment_path = path.parent / name
    if name == SUITE_FILE or not fragment_path.is_file():
        raise SpecError(path, line, f"extends names {name!r}, which is not a fragment beside this table", hint)
    fragment = _mapping(fragment_path)
    if EXTENDS_KEY in fragment:
        raise SpecError(
            fragment_path,
            fragment.line_of(EXTENDS_KEY),
            "a fragment may not extend another fragment (one level of inheritance)",
            "move the shared keys into this fragment or into _suite.yaml",
        )
    return fragment


def merge(base: LineDict, over: LineDict) -> LineDict:
    """``over`` on top of ``base``: scalars replaced, mappings merged one level (``build``'s
    ``args`` too), lists appended."""
    merged = LineDict()
    merged.line = over.line
    merged.key_lines = {}
    for key in [*base, *(k for k in over if k not in base)]:
        if key not in over:
            value: Any = base[key]
            line = base.line_of(key)
        elif key in base and isinstance(base[key], LineDict) and isinstance(over[key], LineDict):
            value = _merge_keys(base[key], over[key])
            if (
                key == BUILD_KEY
                and isinstance(base[key].get("args"), LineDict)
                and isinstance(over[key].get("args"), LineDict)
            ):
                value["args"] = _merge_keys(base[key]["args"], over[key]["args"])  # a layer adds its own arguments
            line = over.line_of(key)
        elif key in base and isinstance(base[key], LineList) and isinstance(over[key], LineList):
            value = _append(base[key], over[key])
            line = over.line_of(key)
        else:
            value, line = over[key], over.line_of(key)
        merged[key] = value
        merged.key_lines[key] = line
    return merged


def _merge_keys(base: LineDict, over: LineDict) -> LineDict:
    merged = LineDict({**base, **over})
    merged.line = over.line
    merged.key_lines = {**base.key_lines, **over.key_lines}
    return merged


def _append(base: LineList, over: LineList) -> LineList:
    items = LineList([*base, *over])
    items.line = over.line
    items.item_lines = [*base.item_lines, *over.item_lines]
    return items


def load_document(path: Path) -> LineDict:
    """The table at ``path`` with its folder's suite and its fragment applied; raises SpecError."""
    table = _mapping(path)
    layers: list[LineDict] = []
    suite = path.parent / SUITE_FILE
    if suite.is_file():
        layers.append(_mapping(suite))
    if EXTENDS_KEY in table:
        layers.append(_fragment(table, path))
    document = table
    for layer in reversed(layers):
        document = merge(layer, document)
    return document


def from_suite(line: int) -> bool:
    """Whether a line (rnnspec.yamlload.Loc) is in a suite file: what it says applies to the
    tables that have the axes it names, and is no error in the others."""
    where = getattr(line, "path", None)
    return where is not None and Path(where).name == SUITE_FILE
