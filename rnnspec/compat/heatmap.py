"""The picture that opens reports/compat.md: which tables changed where, as a heat map.

Rows are the tables (spec files), columns the recorded environments in manifest order; a
cell's colour is the share of the table's points that changed against the environment's base
(``rnnspec.compat.steps``), its text the number of changed points. A column without a base
(the first of its series) is grey; a stale environment's label is red and starred.

The picture is drawn from its data alone, ``reports/compat-heatmap.json``, which ``render``
writes beside it: the JSON is what the currency test compares (text, byte for byte), and the
PNG carries the JSON's sha256 in its ``Comment`` text chunk, so a test can tell that the
picture was drawn from the committed data without comparing pixels across machines (fonts
and FreeType may differ; on one machine the bytes are stable: no date, no software tag).
matplotlib is imported only to draw.
"""

from __future__ import annotations

import hashlib
import json
import struct
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Final

from rnnspec.compat.condensed import Environment
from rnnspec.compat.page import PointIndex
from rnnspec.compat.steps import Step

FORMAT: Final = "rnnspec-compat-heatmap/1"
#: The PNG text chunk that names the data the picture was drawn from.
COMMENT_KEY: Final = "Comment"


def heatmap_data(
    envs: Sequence[Environment], steps: Sequence[Step], index: PointIndex, stale: Mapping[str, str]
) -> dict[str, Any]:
    """What the picture shows, as plain JSON data: rows, columns, changed and compared counts."""
    by_env = {s.env.name: s for s in steps}
    files = sorted({index.file(p) for p in index.points})
    changed: list[list[int | None]] = []
    compared: list[list[int | None]] = []
    for file in files:
        changed.append([by_env[e.name].changed_per_file[file] if e.name in by_env else None for e in envs])
        compared.append([by_env[e.name].compared[file] if e.name in by_env else None for e in envs])
    return {
        "format": FORMAT,
        "columns": [
            {"env": e.name, "base": by_env[e.name].base.name if e.name in by_env else None, "stale": e.name in stale}
            for e in envs
        ],
        "rows": [{"file": f, "title": index.title(f)} for f in files],
        "changed": changed,
        "compared": compared,
    }


def dump_data(data: Mapping[str, Any]) -> str:
    """The data as committed: one row a line, so that a diff shows which tables moved."""
    head = {k: v for k, v in data.items() if k not in ("changed", "compared")}
    lines = ["{"] + [f" {json.dumps(k)}: {json.dumps(head[k], sort_keys=True)}," for k in sorted(head)]
    for key in ("changed", "compared"):
        rows = ",\n".join(f"  {json.dumps(row)}" for row in data[key])
        lines.append(f' "{key}": [\n{rows}\n ]' + ("," if key == "changed" else ""))
    return "\n".join([*lines, "}"]) + "\n"


def data_digest(text: str) -> str:
    """The sha256 of the data file's text, as the PNG's comment holds it."""
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def draw(data: Mapping[str, Any], out: Path, digest: str) -> None:
    """Write the PNG of DATA to OUT, its comment naming DIGEST (of the data file)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    columns, rows = data["columns"], data["rows"]
    changed = np.array([[np.nan if c is None else c for c in row] for row in data["changed"]], dtype=float)
    compared = np.array([[np.nan if c is None else c for c in row] for row in data["compared"]], dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(compared > 0, changed / compared, np.nan)
    fig, ax = plt.subplots(figsize=(3.0 + 0.42 * len(columns), 1.8 + 0.36 * len(rows)), dpi=100)
    cmap = matplotlib.colormaps["Reds"].with_extremes(bad="#e6e6e6")
    ax.imshow(np.ma.masked_invalid(share), cmap=cmap, vmin=0.0, vmax=1.0, aspect="auto")
    for r in range(len(rows)):
        for c in range(len(columns)):
            if np.isnan(compared[r, c]):
                continue
            n = int(changed[r, c])
            dark = not np.isnan(share[r, c]) and share[r, c] > 0.55
            ax.text(c, r, str(n), ha="center", va="center", fontsize=7, color="white" if dark else "#333333")
    ax.set_yticks(range(len(rows)), [row["title"] for row in rows], fontsize=8)
    labels = [col["env"] + (" *" if col["stale"] else "") for col in columns]
    ax.set_xticks(range(len(columns)), labels, rotation=90, fontsize=8)
    for label, col in zip(ax.get_xticklabels(), columns, strict=True):
        if col["stale"]:
            label.set_color("#c00000")
            label.set_fontweight("bold")
    ax.set_xticks([x - 0.5 for x in range(1, len(columns))], minor=True)
    ax.set_yticks([y - 0.5 for y in range(1, len(rows))], minor=True)
    ax.grid(which="minor", color="white", linewidth=1.0)
    ax.tick_params(which="minor", length=0)
    stale = sum(1 for col in columns if col["stale"])
    title = "Changed points against the previous environment of the series (colour: share of the table's points)"
    if stale:
        title += f"\n* stale: {stale} of {len(columns)} environments ran other tables than spec/ holds now"
    ax.set_title(title, fontsize=9, loc="left", color="#c00000" if stale else "black")
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, format="png", metadata={"Software": None, COMMENT_KEY: digest})
    plt.close(fig)


def png_comment(path: Path) -> str | None:
    """The PNG's ``Comment`` text chunk, or None (no file, not a PNG, no such chunk)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        return None
    at = 8
    while at + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[at : at + 8])
        body = data[at + 8 : at + 8 + length]
        if kind == b"tEXt":
            key, _, value = body.partition(b"\0")
            if key.decode("latin-1") == COMMENT_KEY:
                return value.decode("latin-1")
        at += 12 + length
    return None
