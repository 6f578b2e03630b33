"""How many pairs and triples of a file's axis values a run took, for the contract.

Counted from the run's records (every combination that ran on some device), over the axes of
the file's covering designs (rnnspec/designs.py), less what its ``cover: exclude`` rules out.
Read from the file itself, without compiling it: the xdist controller that writes the reports
compiled no table. No Keras.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from rnnspec.case import SPECIAL_AXES
from rnnspec.depth import table_axes
from rnnspec.designs import covered, design_axes
from rnnspec.errors import SpecError
from rnnspec.inherit import load_document

#: The strengths the contract counts, by the name it gives them.
COUNTED = {"pairs": 2, "triples": 3}


def file_coverage(path: Path, ran: Iterable[Mapping[str, Any]]) -> dict[str, list[int]] | None:
    """``{"pairs": [covered, total], "triples": [...]}`` for the file at ``path`` over the axis
    values in ``ran``; None for a file without ``cover`` or that cannot be read."""
    try:
        doc = load_document(path)
    except SpecError:
        return None
    cover = doc.get("cover")
    if cover is None:
        return None
    defaults = {**SPECIAL_AXES, **doc.get("defaults", {})}
    axes = design_axes(defaults, [axes for _name, _line, axes in table_axes(doc)], cover.get("values", {}))
    exclude = [dict(entry) for entry in cover.get("exclude", [])]
    values = list(ran)
    return {name: list(covered(axes, strength, values, exclude)) for name, strength in COUNTED.items()}
