"""The digest of the tables a run reads, so that results made from other tables show as stale.

A condensed environment file is only worth comparing with the tables it was made from: the
committed results once described sequences of 5 steps while the tables said 3, and nothing
noticed. The run records ``meta.tables_digest`` (rnnspec/plugins/reports.py), ``condense``
copies it into ``reports/compat/<env>.json``, and the page marks every environment whose
digest is not the current tables' as stale.

The digest covers every YAML file under a tables folder (the tables, the ``_*.yaml``
fragments and ``_suite.yaml``, which the tables inherit), each by its path relative to the
folder's parent (``spec/lstm.yaml``) and its bytes, in sorted order: the same files give the
same digest on every machine, wherever the checkout is; any byte changed, any file added,
removed or renamed gives another.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path
from typing import Final

from rnnspec import TABLE_SUFFIXES

#: The prefix says which hash, so a later change of algorithm cannot look like a match.
PREFIX: Final = "sha256:"
#: The tables of this repository, relative to its root: what "the current tables" means.
DEFAULT_SPEC: Final = Path("spec")


def spec_files(folder: Path) -> list[Path]:
    """Every YAML file under FOLDER (tables, fragments, the suite), sorted by path."""
    return sorted(p for s in TABLE_SUFFIXES for p in folder.rglob(f"*{s}") if p.is_file())


def tables_digest(folders: Path | Iterable[Path]) -> str:
    """``sha256:<hex>`` of the YAML files under FOLDERS, by relative path and bytes."""
    roots = [folders] if isinstance(folders, Path) else sorted(folders)
    entries: list[tuple[str, Path]] = []
    for root in roots:
        entries += [(p.relative_to(root.parent).as_posix(), p) for p in spec_files(root)]
    digest = hashlib.sha256()
    for name, path in sorted(entries):
        data = path.read_bytes()
        # name and length first: no two different sets of files can run into the same stream
        digest.update(f"{name}\0{len(data)}\0".encode())
        digest.update(data)
    return PREFIX + digest.hexdigest()


def short_digest(digest: str | None) -> str:
    """The first 12 hex digits, as a page shows a digest; ``none`` for a file without one."""
    return digest.removeprefix(PREFIX)[:12] if digest else "none"
