"""A cache of ``rnnspec show``'s answers, so that asking again costs a few milliseconds.

Compiling a table checks all of it (schema, rows, every combination: rnnspec/table.py), and
importing what that needs (numpy, jsonschema) is most of a cold answer's ~0.5 s of CPU. The
answer is a function of the question, the tables, the matrix records, rnnspec's own code and
the installed versions, so it is stored under a key made of exactly those: each file's name,
size and modification time, and the versions read from package metadata. Any edit, to a table
or to rnnspec, is a new key. ``--no-cache`` (or RNNSPEC_SHOW_CACHE=off) skips it. It lives in
the user's cache folder ($XDG_CACHE_HOME/rnnspec/show), never in the repository.
"""

from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Iterable
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent


def folder() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "rnnspec" / "show"


def enabled() -> bool:
    return os.environ.get("RNNSPEC_SHOW_CACHE", "on") != "off"


def _files(paths: Iterable[Path]) -> Iterable[str]:
    for top in paths:
        if not top.is_dir():
            yield f"{top}: absent"
            continue
        for path in sorted(top.rglob("*")):
            if path.suffix in (".py", ".yaml", ".yml", ".json", ".txt") and "__pycache__" not in path.parts:
                stat = path.stat()
                yield f"{path}: {stat.st_size} {stat.st_mtime_ns}"


def key(question: Iterable[str], folders: Iterable[Path]) -> str:
    from rnnspec.installed import installed_versions

    digest = hashlib.sha256()
    for part in [*question, sys.version, repr(sorted(installed_versions().items())), *_files([PACKAGE, *folders])]:
        digest.update(part.encode() + b"\0")
    return digest.hexdigest()


def read(name: str) -> str | None:
    try:
        return (folder() / f"{name}.txt").read_text(encoding="utf-8")
    except OSError:
        return None


def write(name: str, text: str) -> None:
    try:
        folder().mkdir(parents=True, exist_ok=True)
        temporary = folder() / f"{name}.{os.getpid()}.tmp"
        temporary.write_text(text, encoding="utf-8")
        temporary.replace(folder() / f"{name}.txt")
    except OSError:
        pass  # a read-only home: answer without the cache
