"""The condensed per-environment file, ``reports/compat/<env>.json``: its format, and its reader.

One file per environment of the version matrix, one contract point (a case on a device) a
line, sorted and without timings, so that a diff of the committed file is a diff of behaviour.

Formats:

- ``rnnspec-compat/3`` (written now): as version 2, plus ``tables_digest``, the digest of the
  tables the run read (``rnnspec.compat.digest``; null when the run did not record one), and
  ``depth``, the run's ``--rnnspec-depth``.
- ``rnnspec-compat/2``: every ``status`` is one of ``rnnspec.status.STATUSES``; no digest (the
  file was made from unknown tables) and no depth (every such run was exhaustive).
- ``rnnspec-compat/1`` (the files committed before the status vocabulary was settled, made by
  tox runs of about an hour): the same keys, with one difference of spelling: a case the
  release cannot build has status ``"not applicable"`` (a space), never ``not_applicable``.
  The reader takes both versions, each with its own spelling only, hands on version 1's as
  ``not_applicable``, and refuses any other status or format, so everything after the reader
  sees one vocabulary.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from rnnspec import DEPTHS
from rnnspec.compat.digest import PREFIX
from rnnspec.status import NOT_APPLICABLE, STATUSES

FORMAT: Final = "rnnspec-compat/3"
#: Every format the reader takes: how it spells each status of the vocabulary.
SPELLINGS: Final[dict[str, Mapping[str, str]]] = {
    "rnnspec-compat/1": {("not applicable" if s == NOT_APPLICABLE else s): s for s in STATUSES},
    "rnnspec-compat/2": {s: s for s in STATUSES},
    FORMAT: {s: s for s in STATUSES},
}
#: Files of the formats before 3 say no depth: every run the matrix condensed then was exhaustive.
OLD_DEPTH: Final = "exhaustive"

Point = tuple[str, str]  # (case key, device)


class CompatError(ValueError):
    """A malformed input. The message names the file, and the case where there is one."""


@dataclass(frozen=True)
class Environment:
    """One environment's condensed results, indexed by contract point."""

    name: str
    versions: Mapping[str, Any]
    complete: bool
    spec_errors: tuple[str, ...]
    titles: Mapping[str, str]
    cases: Mapping[Point, Mapping[str, Any]]
    #: The digest of the tables the run read; None: made from unknown tables (rnnspec.compat.digest).
    tables_digest: str | None = None
    depth: str = OLD_DEPTH


def dump_condensed(doc: Mapping[str, Any]) -> str:
    """JSON with one case per line: a re-run changes only the lines of cases that changed."""

    def line(value: Any) -> str:
        return json.dumps(value, sort_keys=True, ensure_ascii=False)

    lines = ["{"] + [f" {line(k)}: {line(doc[k])}," for k in sorted(doc) if k != "cases"]
    cases = [f"  {line(case)}" for case in doc["cases"]]
    lines += [' "cases": [', ",\n".join(cases), " ]", "}"] if cases else [' "cases": []', "}"]
    return "\n".join(lines) + "\n"


def read_json(path: Path) -> Any:
    """PATH parsed; a missing or broken file is a CompatError naming it."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CompatError(f"{path}: no such file") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise CompatError(f"{path}: not valid JSON ({exc})") from None


def load_environment(path: Path) -> Environment:
    """Read and check one condensed file; every problem names the file."""
    doc = read_json(path)
    if not isinstance(doc, Mapping):
        raise CompatError(f"{path}: expected a JSON object written by `python -m rnnspec.compat condense`")
    spellings = SPELLINGS.get(str(doc.get("format")))
    if spellings is None:
        raise CompatError(
            f"{path}: format is {doc.get('format')!r}, expected {FORMAT!r} (or the older "
            f"{', '.join(repr(f) for f in SPELLINGS if f != FORMAT)}); "
            "write it with `python -m rnnspec.compat condense`"
        )
    if doc.get("env") != path.stem:
        raise CompatError(f"{path}: says env {doc.get('env')!r}, but the file is named for {path.stem!r}")
    for key, kind in (("versions", Mapping), ("titles", Mapping), ("cases", list), ("spec_errors", list)):
        if not isinstance(doc.get(key), kind):
            raise CompatError(f"{path}: {key!r} is missing or of the wrong type")
    digest, depth = doc.get("tables_digest"), doc.get("depth", OLD_DEPTH)
    if digest is not None and not (isinstance(digest, str) and digest.startswith(PREFIX)):
        raise CompatError(f"{path}: 'tables_digest' must be null or text starting {PREFIX!r}, not {digest!r}")
    if depth not in DEPTHS:
        raise CompatError(f"{path}: 'depth' is {depth!r}, expected one of {', '.join(DEPTHS)}")
    cases: dict[Point, Mapping[str, Any]] = {}
    for index, record in enumerate(doc["cases"]):
        where = f"{path}: case {index}"
        if not isinstance(record, Mapping):
            raise CompatError(f"{where}: must be an object")
        for key in ("case", "device", "file", "status"):
            if not isinstance(record.get(key), str):
                raise CompatError(f"{where}: {key!r} is missing or not text")
        if not isinstance(record.get("order"), int):
            raise CompatError(f"{where}: 'order' is missing or not an integer")
        _check_optional(record, where)
        status = spellings.get(record["status"])
        if status is None:
            raise CompatError(
                f"{where}: status {record['status']!r} is not one of {', '.join(spellings)} (format {doc['format']})"
            )
        point = (record["case"], record["device"])
        if point in cases:
            raise CompatError(f"{where}: {point[0]} on {point[1]} appears twice")
        cases[point] = {**record, "status": status}
    return Environment(
        name=path.stem,
        versions=doc["versions"],
        complete=bool(doc.get("complete", True)),
        spec_errors=tuple(str(e) for e in doc["spec_errors"]),
        titles=doc["titles"],
        cases=cases,
        tables_digest=digest,
        depth=str(depth),
    )


def _check_optional(record: Mapping[str, Any], where: str) -> None:
    """The fields the report reads, where present, have the types condense writes."""
    for key in ("actual", "expected", "error", "reason", "reference"):
        if key in record and not isinstance(record[key], str):
            raise CompatError(f"{where}: {key!r} must be text")
    error = record.get("max_error")
    if error is not None and not (
        (isinstance(error, int | float) and not isinstance(error, bool)) or error in ("nan", "inf", "-inf")
    ):
        raise CompatError(f"{where}: 'max_error' must be a number, not {error!r}")
    if not isinstance(record.get("relation_failures", {}), Mapping):
        raise CompatError(f"{where}: 'relation_failures' must map relation names to problems")
    if not isinstance(record.get("deviations", []), list):
        raise CompatError(f"{where}: 'deviations' must be a list of relation names")
