"""The environments of the matrix: their names, their order, their series, and their folder.

Environments are ordered by the manifest ``reports/compat/environments.txt``, not by file
name: neither names nor version numbers sort in version order (Keras 2 on TF 2.21 sits
between TF 2.21 and Keras 3.0, which runs on TF 2.16).

The manifest also says what each environment is compared with, its *base*: the page's change
sections, the heat map and ``when`` all compare an environment with its base. A line
``[title]`` starts a series (Keras 3 minors on TensorFlow 2.16.2, say); in a series each
environment's base is the one before it, and the first has none, so a step of the matrix
that is no release step (Keras 2 on TF 2.21 -> Keras 3.0 on TF 2.16) is never compared. A
line ``name after other`` names the base outright, e.g. ``jax after tf221``: the same Keras
on another backend. A manifest without series headers is one series.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from rnnspec.compat.condensed import CompatError, Environment, load_environment

MANIFEST: Final = "environments.txt"
DEFAULT_DIR: Final = Path("reports/compat")

_ENV_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.+-]*")


def check_env_name(name: str, where: object) -> None:
    """An environment name is also a file name: letters, digits, '.', '_', '-', '+'."""
    if not _ENV_NAME.fullmatch(name):
        raise CompatError(f"{where}: {name!r} is not an environment name (letters, digits, '.', '_', '-', '+')")


@dataclass(frozen=True)
class Entry:
    """One environment of the manifest: its series' title and the environment it is compared with."""

    name: str
    series: str
    base: str | None


def read_entries(directory: Path) -> list[Entry]:
    """The environments of DIRECTORY/environments.txt, in order, with their series and bases.

    One a line, ``#`` comments; ``[title]`` starts a series; ``name after other`` names the
    base (another environment listed above), which is otherwise the previous one of the series.
    """
    path = directory / MANIFEST
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CompatError(f"{path}: missing; list the environments there, one a line, in version order") from None
    entries: list[Entry] = []
    series, previous = "", None
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        where = f"{path}:{number}"
        if not line:
            continue
        if line.startswith("[") and line.endswith("]"):
            series, previous = line[1:-1].strip(), None
            continue
        name, _, rest = line.partition(" ")
        base = previous
        if rest.strip():
            word, _, other = rest.strip().partition(" ")
            if word != "after" or not other.strip() or " " in other.strip():
                raise CompatError(f"{where}: {line!r}: expected a name, or 'name after other'")
            base = other.strip()
        check_env_name(name, where)
        names = [e.name for e in entries]
        if name in names:
            raise CompatError(f"{where}: {name!r} is listed twice")
        if base is not None and base not in names:
            raise CompatError(f"{where}: {name!r} comes after {base!r}, which is not listed above it")
        entries.append(Entry(name, series, base))
        previous = name
    return entries


def read_manifest(directory: Path) -> list[str]:
    """The environment names of DIRECTORY/environments.txt, in order."""
    return [entry.name for entry in read_entries(directory)]


@dataclass(frozen=True)
class Matrix:
    """The recorded environments in manifest order, those listed without results, and the
    manifest's entries (series and bases) by name."""

    envs: list[Environment]
    missing: list[str]
    entries: dict[str, Entry]

    def base_of(self, name: str) -> Environment | None:
        """The recorded environment NAME is compared with: its base, or where the base has no
        results yet, the base's base within the same series (keras34 against keras30 while
        3.1-3.3 are unrun); never one of another series that was not named as the base."""
        recorded = {env.name: env for env in self.envs}
        series = self.entries[name].series
        base = self.entries[name].base
        while base is not None and base not in recorded and self.entries[base].series == series:
            base = self.entries[base].base
        return recorded.get(base) if base is not None else None


def load_matrix(directory: Path) -> Matrix:
    """Everything the page, the picture and ``when`` read from DIRECTORY."""
    entries = read_entries(directory)
    envs, missing = load_directory(directory)
    return Matrix(envs, missing, {entry.name: entry for entry in entries})


def load_directory(directory: Path) -> tuple[list[Environment], list[str]]:
    """The environments that have results, in manifest order, and those listed without any."""
    names = read_manifest(directory)
    for path in sorted(directory.glob("*.json")):
        if path.stem not in names:
            raise CompatError(
                f"{path}: environment {path.stem!r} is not listed in {directory / MANIFEST}; "
                "add it where it belongs in version order"
            )
    present = [n for n in names if (directory / f"{n}.json").is_file()]
    return [load_environment(directory / f"{n}.json") for n in present], [n for n in names if n not in present]
