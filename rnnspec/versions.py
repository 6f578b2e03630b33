"""Which releases a row or a constructor argument holds for, written as data.

A spec says ``versions: {keras: "<3"}`` on a row, or ``available: {use_cudnn: {keras: ">=3"}}``
for an argument, with PEP 440 specifiers (``packaging``) for the packages and a name or
list of names for the Keras backend. The tables stay one file per layer across every
environment of the version matrix: what changed between releases is a row, not an ``if``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version


def problems(conditions: Mapping[str, Any]) -> list[str]:
    """What is malformed in a versions mapping (the schema has checked its shape)."""
    out = []
    for package, wanted in conditions.items():
        if package == "backend":
            continue
        try:
            SpecifierSet(str(wanted))
        except InvalidSpecifier:
            out.append(f"{package}: {wanted!r} is not a version specifier such as '>=3' or '>=2.16,<2.18'")
    return out


def holds(conditions: Mapping[str, Any], environment: Mapping[str, Any]) -> bool:
    """Whether the running environment satisfies every condition (a missing package never does)."""
    for package, wanted in conditions.items():
        if package == "backend":
            names = wanted if isinstance(wanted, list) else [wanted]
            if environment.get("backend") not in names:
                return False
            continue
        installed = environment.get(package)
        if installed is None:
            return False
        try:
            version = Version(str(installed))
        except InvalidVersion:
            return False
        if not SpecifierSet(str(wanted)).contains(version, prereleases=True):
            return False
    return True


def describe(conditions: Mapping[str, Any]) -> str:
    """``keras>=3, backend tensorflow``: how reports and skip reasons name a condition."""
    parts = []
    for package, wanted in conditions.items():
        if package == "backend":
            names = wanted if isinstance(wanted, list) else [wanted]
            parts.append(f"backend {' or '.join(names)}")
        else:
            parts.append(f"{package}{wanted}")
    return ", ".join(parts)


def installed(environment: Mapping[str, Any], conditions: Mapping[str, Any]) -> str:
    """The versions a condition was checked against: ``keras 2.15.0``."""
    return ", ".join(f"{p} {environment.get(p)}" for p in conditions)
