"""The environments of the matrix: their names, their order, and the folder that holds them.

Environments are ordered by the manifest ``reports/compat/environments.txt``, not by file
name. "Consecutive" has to mean consecutive in version order (tf212 ... tf221, keras2-tf221,
keras30 ... keras315, jax, torch), and neither names nor version numbers sort that way:
Keras 2 on TF 2.21 sits between TF 2.21 and Keras 3.0, which runs on TF 2.16.
"""

from __future__ import annotations

import re
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


def read_manifest(directory: Path) -> list[str]:
    """The environment names of DIRECTORY/environments.txt, in order (one a line, # comments)."""
    path = directory / MANIFEST
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CompatError(f"{path}: missing; list the environments there, one a line, in version order") from None
    names: list[str] = []
    for number, raw in enumerate(text.splitlines(), 1):
        name = raw.split("#", 1)[0].strip()
        if not name:
            continue
        check_env_name(name, f"{path}:{number}")
        if name in names:
            raise CompatError(f"{path}:{number}: {name!r} is listed twice")
        names.append(name)
    return names


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
