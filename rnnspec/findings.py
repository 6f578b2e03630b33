"""What the tables say about the releases and backends a run is not on, for its contract.

A row or an expected failure with ``versions:`` holds on some releases only (Keras 2, JAX,
PyTorch, an old Keras 3...). A run checks the rows that hold on its own stack, so its
contract's notes are about that stack alone; these are the others, so that what the version
matrix found stays readable in ``reports/contract.md`` without being copied by hand. The text
is the table's own ``note``, deviation ``reason`` and xfail ``reason``. No Keras: the files are
read again, the versions compared with the run's (rnnspec/versions.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from rnnspec.case import values_text
from rnnspec.errors import SpecError
from rnnspec.inherit import load_document
from rnnspec.rules import matches
from rnnspec.versions import describe, holds, problems


def _when(entry: Mapping[str, Any]) -> str:
    when = entry.get("when", {})
    return f" ({values_text(when)})" if when else ""


def _texts(row: Mapping[str, Any]) -> list[str]:
    texts = [f"{d['relation']} does not hold: {d['reason']}" for d in row.get("deviations", [])]
    if "raises" in row:
        texts.append(f"raises {row['raises']}" + (f": {row['note']}" if "note" in row else ""))
    elif "note" in row:
        texts.append(str(row["note"]))
    if "reason" in row:  # an expected failure
        texts.append(f"expected to fail{' on ' + row['device'] if 'device' in row else ''}: {row['reason']}")
    return texts


def elsewhere(path: Path, environment: Mapping[str, Any], values: Mapping[str, Any] | None = None) -> list[str]:
    """Each explained row or expected failure of the table that does not hold on
    ``environment``, as ``on <releases> (<when>): <text>``, sorted; [] for a file that cannot be
    read (its errors are the run's spec errors). Given a combination's ``values``, only the
    entries whose ``when`` matches it (``rnnspec show``)."""
    try:
        document = load_document(path)
    except SpecError:
        return []
    entries = [*document.get("expect", []), *document.get("xfail", [])]
    out: set[str] = set()
    for entry in entries:
        conditions = entry.get("versions") if isinstance(entry, Mapping) else None
        if not isinstance(conditions, Mapping) or problems(conditions) or holds(conditions, environment):
            continue
        if values is not None and not matches(entry.get("when", {}), {**values, "device": entry.get("device")}):
            continue
        for text in _texts(entry):
            out.add(f"on {describe(conditions)}{_when(entry)}: {' '.join(text.split())}")
    return sorted(out)
