"""``condense``: one run's results.json reduced to what the matrix compares.

A run's ``results.json`` is large and full of timings and machine detail, so it is not
committed. ``condense`` keeps, per contract point (one case on one device): status, returned
structure (and the expected one where it differs), arity, reference error, failing relations,
short problems and reasons. It writes them to ``reports/compat/<env>.json`` (format in
``rnnspec.compat.condensed``) sorted, rounded and without timings, so that re-running an
unchanged environment rewrites the file byte for byte.

It keeps the run's depth (the matrix runs the standard depth: an exhaustive run of every
environment would take hours) and the digest of the tables the run read
(``meta.tables_digest``, taken by the run itself when it started; a results.json without one
gives null, "made from unknown tables"), so that the page can say which results are stale.

The input's format is checked first (``rnnspec.results``); its statuses are the one vocabulary
of ``rnnspec.status``, kept as they are.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from rnnspec import DEPTHS
from rnnspec.compat.condensed import FORMAT, CompatError, dump_condensed, read_json
from rnnspec.compat.environments import DEFAULT_DIR, check_env_name
from rnnspec.reports import atomic_write
from rnnspec.results import ResultsFormatError, check_format
from rnnspec.status import NOT_APPLICABLE, SKIPPED, STATUSES, XFAILED

#: Problems, errors and reasons are cut to one line of at most this many characters.
TEXT_LIMIT = 200

_ADDRESS = re.compile(r"0x[0-9a-fA-F]{4,}")


def short(text: object) -> str:
    """The first line of a message, memory addresses masked, cut to TEXT_LIMIT characters.

    Exception messages can carry object addresses and long tracebacks. Neither may reach a
    committed file, or every run would rewrite it.
    """
    lines = [line for line in str(text).splitlines() if line.strip()]
    first = _ADDRESS.sub("0x...", " ".join(lines[0].split())) if lines else ""
    return first if len(first) <= TEXT_LIMIT else first[: TEXT_LIMIT - 3] + "..."


def round_error(value: float) -> float | str:
    """Two significant digits: enough to see a tenfold move, few enough to stay stable."""
    if not math.isfinite(value):
        return str(value)  # JSON has no NaN or infinity
    return float(f"{value:.2g}")


#: Where a record keeps the reason that goes with its status.
_REASON_KEY = {NOT_APPLICABLE: "not_applicable", SKIPPED: "skip_reason", XFAILED: "xfail_reason"}


def _reason(record: Mapping[str, Any], where: str) -> str | None:
    """The reason that goes with the record's status; a not-applicable reason on a record of
    another status is a contradiction, not a spelling to guess at."""
    status = record["status"]
    if status not in STATUSES:
        raise CompatError(f"{where}: status {status!r} is not one of {', '.join(STATUSES)}")
    if record.get("not_applicable") and status != NOT_APPLICABLE:
        raise CompatError(f"{where}: a 'not_applicable' reason on a case of status {status!r}")
    reason = record.get(_REASON_KEY[status]) if status in _REASON_KEY else None
    return reason if isinstance(reason, str) else None


def condense_record(record: Any, where: str) -> dict[str, Any]:
    """One case record reduced to what the matrix compares. Empty fields are left out."""
    if not isinstance(record, Mapping):
        raise CompatError(f"{where}: a case record must be an object, not {type(record).__name__}")
    for key in ("case_key", "device", "file", "status"):
        if not isinstance(record.get(key), str):
            raise CompatError(f"{where}: {key!r} is missing or not text")
    order = record.get("order", 0)
    if not isinstance(order, int) or isinstance(order, bool):
        raise CompatError(f"{where}: 'order' must be an integer")
    reason = _reason(record, where)
    out: dict[str, Any] = {
        "case": record["case_key"],
        "device": record["device"],
        "file": record["file"],
        "order": order,
        "status": record["status"],
    }
    if record.get("actual"):
        out["actual"] = str(record["actual"])
    if record.get("expected") and record.get("expected") != record.get("actual"):
        out["expected"] = str(record["expected"])  # left out when it is what came back
    arity = record.get("arity")
    if isinstance(arity, int) and not isinstance(arity, bool):
        out["arity"] = arity
    error = record.get("max_error")
    if isinstance(error, int | float) and not isinstance(error, bool):
        out["max_error"] = round_error(float(error))
    if record.get("reference"):
        out["reference"] = short(record["reference"])
    failures = record.get("relation_failures") or {}
    if not isinstance(failures, Mapping):
        raise CompatError(f"{where}: 'relation_failures' must map relation names to problems")
    if failures:  # each relation's first problem is enough to tell one failure from another
        out["relation_failures"] = {
            str(name): short(p[0] if isinstance(p, list | tuple) and p else p or "") for name, p in failures.items()
        }
    for key in ("deviations", "problems"):
        if not isinstance(record.get(key) or [], list):
            raise CompatError(f"{where}: {key!r} must be a list")
    if record.get("deviations"):
        out["deviations"] = sorted(str(d) for d in record["deviations"])
    if record.get("problems"):
        out["problems"] = [short(p) for p in record["problems"]]
    if record.get("error"):
        out["error"] = short(record["error"])
    if reason:
        out["reason"] = short(reason)
    return out


def condense(data: Any, env: str, source: str = "results.json") -> dict[str, Any]:
    """A run's results.json (already parsed) as the compact, sorted per-environment document."""
    check_env_name(env, source)
    try:
        check_format(data, source)
    except ResultsFormatError as exc:
        raise CompatError(str(exc)) from None
    meta, cases = data["meta"], data.get("cases")
    if not isinstance(cases, list):
        raise CompatError(f"{source}: 'cases' must be a list of case records")
    if not isinstance(meta.get("versions"), Mapping):
        raise CompatError(f"{source}: meta.versions is missing: which versions did this run use?")
    depth = meta.get("depth", "exhaustive")  # runs recorded before depths existed ran everything
    if depth not in DEPTHS:
        raise CompatError(f"{source}: meta.depth is {depth!r}, expected one of {', '.join(DEPTHS)}")
    digest = meta.get("tables_digest")  # taken by the run itself when it started
    records: list[dict[str, Any]] = []
    titles: dict[str, str] = {}
    seen: set[tuple[str, str]] = set()
    for index, raw in enumerate(cases):
        label = raw.get("id", "?") if isinstance(raw, Mapping) else "?"
        record = condense_record(raw, f"{source}: case {index} ({label})")
        point = (record["case"], record["device"])
        if point in seen:
            raise CompatError(f"{source}: case {index} ({label}): {point[0]} on {point[1]} appears twice")
        seen.add(point)
        records.append(record)
        title = raw.get("title")
        titles.setdefault(record["file"], title if isinstance(title, str) else record["file"])
    records.sort(key=lambda r: (r["file"], r["order"], r["case"], r["device"]))
    return {
        "format": FORMAT,
        "env": env,
        "versions": dict(meta["versions"]),
        "complete": bool(meta.get("complete", True)),
        "depth": depth,
        "tables_digest": digest if isinstance(digest, str) else None,
        "devices": [str(d) for d in meta.get("devices") or []],
        "gpu": meta.get("gpu"),  # which GPU ran the gpu cases, if any
        "spec_errors": [short(e) for e in meta.get("spec_errors") or []],
        "titles": dict(sorted(titles.items())),
        "cases": records,
    }


def condense_file(results: Path, env: str, out_dir: Path = DEFAULT_DIR) -> tuple[Path, dict[str, Any]]:
    """Condense RESULTS into OUT_DIR/<env>.json; returns the path written and the document."""
    doc = condense(read_json(results), env, str(results))
    target = out_dir / f"{env}.json"
    atomic_write(target, dump_condensed(doc))
    return target, doc
