"""Covering designs: a few combinations in which every pair (or triple) of axis values appears.

A file's ``cover:`` key (rnnspec/schema.yaml) asks for one design per depth over all its axes
(``standard: 2``: every pair at the default depth; ``exhaustive: 3``: every triple there). The
covering array itself comes from covertable (pinned in requirements/pinned.txt), chosen over
allpairspy because its default order is a seeded FNV-1a hash of the values' positions, not
Python's ``hash()`` or a random generator: the same axes give the same rows on every machine,
run and Python, so the cases' ids, baselines and the version matrix stay comparable. Its
declarative constraints carry the file's ``exclude`` entries (combinations that cannot be
built at all; a combination Keras rejects is a ``raises`` row, a result, not an exclusion).

No Keras here: reading a table imports none.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

from covertable import make, sorters

from rnnspec.errors import did_you_mean
from rnnspec.inherit import from_suite
from rnnspec.rules import matches
from rnnspec.yamlload import LineDict

Problem = tuple[int, str, str]  # line, message, hint

#: The strength of each depth's design when ``cover`` does not say.
STRENGTHS = {"standard": 2, "exhaustive": 3}
#: The names of the designs' tables in case ids: ``LSTM[pairs-seq-mask=right-cpu]``.
DESIGN_TABLES = {2: "pairs", 3: "triples", 4: "quadruples"}


#: Where designs are kept once made (a strength-3 design takes covertable about a second;
#: every pytest-xdist worker compiles every table): ``RNNSPEC_DESIGN_CACHE`` or pytest's cache
#: folder in the current directory. Keyed by the covertable version, the axes, the strength and
#: the exclusions; a missing or unreadable entry is made again, so the cache changes no result.
CACHE_ENV = "RNNSPEC_DESIGN_CACHE"


@dataclass(frozen=True)
class Design:
    """One depth's covering design of a file: its table name, strength, axes and combinations."""

    table: str
    line: int  # the line of the file's ``cover`` key
    strength: int
    depth: str  # the depth it belongs to: standard or exhaustive
    axes: Mapping[str, tuple[Any, ...]]
    exclude: tuple[Mapping[str, Any], ...]
    rows: tuple[Mapping[str, Any], ...]


def design_table(strength: int) -> str:
    return DESIGN_TABLES.get(strength, f"strength{strength}")


def design_axes(
    defaults: Mapping[str, Any], tables: Iterable[Mapping[str, Sequence[Any]]], extra: Mapping[str, Sequence[Any]]
) -> dict[str, list[Any]]:
    """Every axis that takes more than one value anywhere in the file, with its values: the
    default first, then each value a table (or ``cover: values``) gives, in file order. Values
    compare as rows compare, type included (``1`` is not ``true``)."""
    values: dict[str, list[Any]] = {axis: [value] for axis, value in defaults.items()}
    for axes in [*tables, extra]:
        for axis, given in axes.items():
            known = values.setdefault(axis, [])
            for value in given:
                if not any(_same(value, seen) for seen in known):
                    known.append(value)
    return {axis: given for axis, given in values.items() if len(given) > 1}


def _same(a: Any, b: Any) -> bool:
    return bool(a == b and type(a) is type(b))


def _constraint(exclude: Mapping[str, Any]) -> dict[str, Any]:
    """A covertable constraint that holds unless every axis of ``exclude`` matches (as a row's
    ``when`` does: a list is any of its values)."""
    keys = list(exclude)
    return {
        "operator": "fn",
        "requires": keys,
        "evaluate": lambda row: not matches(exclude, {key: row[key] for key in keys}),
    }


def _cache_path(axes: Mapping[str, Sequence[Any]], strength: int, exclude: Sequence[Mapping[str, Any]]) -> Path:
    key = json.dumps(
        [version("covertable"), strength, [[a, [repr(v) for v in axes[a]]] for a in axes], [repr(e) for e in exclude]]
    )
    folder = Path(os.environ.get(CACHE_ENV) or Path.cwd() / ".pytest_cache" / "d" / "rnnspec-designs")
    return folder / f"{hashlib.sha256(key.encode()).hexdigest()[:32]}.json"


def covering(
    axes: Mapping[str, Sequence[Any]], strength: int, exclude: Sequence[Mapping[str, Any]] = ()
) -> list[dict[str, Any]]:
    """``_covering``, kept in the design cache (CACHE_ENV) once made."""
    path = _cache_path(axes, strength, exclude)
    try:
        positions = json.loads(path.read_text())
        return [{a: axes[a][i] for a, i in zip(axes, row, strict=True)} for row in positions]
    except (OSError, ValueError, TypeError, IndexError):
        pass
    rows = _covering(axes, strength, exclude)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(f".{os.getpid()}.tmp")
        positions = [[_position(axes[a], row[a]) for a in axes] for row in rows]
        temporary.write_text(json.dumps(positions))
        os.replace(temporary, path)
    except OSError:
        pass  # a read-only folder: made again next time
    return rows


def _position(values: Sequence[Any], value: Any) -> int:
    return next(i for i, v in enumerate(values) if _same(v, value))


def _covering(
    axes: Mapping[str, Sequence[Any]], strength: int, exclude: Sequence[Mapping[str, Any]] = ()
) -> list[dict[str, Any]]:
    """A covering array of ``strength`` over ``axes``: each row a mapping of every axis to a
    value, no row matching an ``exclude`` entry; deterministic (covertable's hash sorter,
    no salt). With fewer axes than the strength, every product."""
    names = list(axes)
    if len(names) <= strength:
        rows = [dict(zip(names, combo, strict=True)) for combo in itertools.product(*(axes[a] for a in names))]
        return [row for row in rows if not any(matches(entry, row) for entry in exclude)]
    # covertable takes values by position; indices keep True and 1 apart
    indexed = {name: list(range(len(axes[name]))) for name in names}
    constraints = [_constraint(_indexed_exclude(entry, axes)) for entry in exclude]
    made = make(indexed, strength=strength, sorter=sorters.hash, constraints=constraints or None)
    rows = [{name: axes[name][row[name]] for name in names} for row in made]
    unique: list[dict[str, Any]] = []
    for row in rows:
        if not any(all(_same(row[a], other[a]) for a in names) for other in unique):
            unique.append(row)
    return unique


def _indexed_exclude(entry: Mapping[str, Any], axes: Mapping[str, Sequence[Any]]) -> dict[str, Any]:
    """``entry`` with each value replaced by the positions of the axis values it matches."""
    out: dict[str, Any] = {}
    for axis, wanted in entry.items():
        out[axis] = [i for i, value in enumerate(axes.get(axis, [])) if matches({axis: wanted}, {axis: value})]
    return out


def tuples(
    axes: Mapping[str, Sequence[Any]], strength: int, exclude: Sequence[Mapping[str, Any]] = ()
) -> set[tuple[tuple[str, int], ...]]:
    """Every ``strength``-tuple of axis values a design over ``axes`` must cover: ((axis,
    index), ...) in axis order, less those that match an ``exclude`` entry whole."""
    names = list(axes)
    out: set[tuple[tuple[str, int], ...]] = set()
    for chosen in itertools.combinations(names, min(strength, len(names))):
        for combo in itertools.product(*(range(len(axes[a])) for a in chosen)):
            values = {a: axes[a][i] for a, i in zip(chosen, combo, strict=True)}
            if any(set(entry) <= set(chosen) and matches(entry, values) for entry in exclude):
                continue
            out.add(tuple(zip(chosen, combo, strict=True)))
    return out


def covered(
    axes: Mapping[str, Sequence[Any]],
    strength: int,
    combinations: Iterable[Mapping[str, Any]],
    exclude: Sequence[Mapping[str, Any]] = (),
) -> tuple[int, int]:
    """How many of the ``strength``-tuples of ``axes`` the ``combinations`` (each a mapping of
    every axis to a value) take, out of how many there are."""
    wanted = tuples(axes, strength, exclude)
    names = list(axes)
    seen: set[tuple[tuple[str, int], ...]] = set()
    for values in combinations:
        index = {}
        for a in names:
            position = next((i for i, v in enumerate(axes[a]) if _same(v, values.get(a))), None)
            if position is not None:
                index[a] = position
        present = [a for a in names if a in index]
        for chosen in itertools.combinations(present, min(strength, len(names))):
            seen.add(tuple((a, index[a]) for a in chosen))
    return len(wanted & seen), len(wanted)


def file_designs(
    cover: Mapping[str, Any] | None,
    line: int,
    defaults: Mapping[str, Any],
    tables: Iterable[Mapping[str, Sequence[Any]]],
) -> list[Design]:
    """The designs a file's ``cover`` asks for (none without one): the default depth's, then
    the exhaustive depth's, each over every axis of the file (``design_axes``)."""
    if cover is None:
        return []
    axes = design_axes(defaults, tables, cover.get("values", {}))
    exclude = tuple(dict(entry) for entry in cover.get("exclude", []))
    designs: list[Design] = []
    for depth, default in STRENGTHS.items():
        strength = int(cover.get(depth, default))
        if strength and axes and all(strength != d.strength for d in designs):
            rows = covering(axes, strength, exclude)
            designs.append(
                Design(
                    table=design_table(strength),
                    line=line,
                    strength=strength,
                    depth=depth,
                    axes={a: tuple(v) for a, v in axes.items()},
                    exclude=exclude,
                    rows=tuple(rows),
                )
            )
    return designs


def check_cover(doc: LineDict, defaults: Mapping[str, Any]) -> list[Problem]:
    """``cover`` may name only tables the file declares (a list from the suite names those a
    table may have) and axes it declares."""
    cover: LineDict = doc["cover"]
    line = doc.line_of("cover")
    tables = doc.get("tables", {})
    problems: list[Problem] = []
    if "tables" in cover and not from_suite(cover.line_of("tables")):
        for table in cover["tables"]:
            if table not in tables:
                problems.append(
                    (
                        cover.line_of("tables"),
                        f"cover: tables names table {table!r}, which the file does not declare",
                        did_you_mean(table, tables),
                    )
                )
    named = [*cover.get("values", {})] + [axis for entry in cover.get("exclude", []) for axis in entry]
    for axis in dict.fromkeys(named):
        if axis not in defaults:
            problems.append(
                (
                    line,
                    f"cover names unknown axis {axis!r}",
                    did_you_mean(axis, sorted(defaults), "declare the axis with a default under defaults"),
                )
            )
    return problems
