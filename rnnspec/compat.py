"""Compare what the tables found across TensorFlow, Keras and backend versions (issue 4).

The version matrix (``tox.ini``) runs the same tables in many environments. A run's
``results.json`` is large and full of timings and machine detail, so it is not committed.
``condense`` keeps what a comparison needs, per contract point (one case on one device):
status, returned structure (and the expected one where it differs), arity, reference error,
failing relations, short problems and reasons. It writes them to ``reports/compat/<env>.json``
sorted, rounded and without timings, so that re-running an unchanged environment rewrites the
file byte for byte and a diff of the committed file is a diff of behaviour.

``render`` merges every committed file into ``reports/compat.md`` (the page itself is made by
``rnnspec.compat_report``). Environments are ordered by
the manifest ``reports/compat/environments.txt``, not by file name. "Consecutive" has to mean
consecutive in version order (tf212 ... tf221, keras2-tf221, keras30 ... keras315, jax, torch),
and neither names nor version numbers sort that way: Keras 2 on TF 2.21 sits between TF 2.21
and Keras 3.0, which runs on TF 2.16.

Nothing here imports Keras, so it runs anywhere in a second:

    python -m rnnspec.compat condense build/matrix/tf212/results.json --env tf212
    python -m rnnspec.compat render            # reports/compat/*.json -> reports/compat.md
"""

from __future__ import annotations

import argparse
import difflib
import json
import math
import re
import sys
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rnnspec.reports import atomic_write

FORMAT = "rnnspec-compat/1"
MANIFEST = "environments.txt"
DEFAULT_DIR = Path("reports/compat")
DEFAULT_OUT = Path("reports/compat.md")
RENDER_COMMAND = "python -m rnnspec.compat render"

#: Problems, errors and reasons are cut to one line of at most this many characters.
TEXT_LIMIT = 200

NOT_APPLICABLE = "not applicable"
# The plugin's spelling of "not applicable" is not settled yet (issue 4, item 2): accept a
# status of its own, a record flag, or a skip whose reason says so.
_NA_STATUSES = {"not_applicable", "not applicable", "n/a", "na"}
_NA_PREFIXES = ("not applicable", "n/a")

_ENV_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.+-]*")
_ADDRESS = re.compile(r"0x[0-9a-fA-F]{4,}")


class CompatError(ValueError):
    """A malformed input. The message names the file, and the case where there is one."""


# --- condense -------------------------------------------------------------------------------


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


def _status(record: Mapping[str, Any]) -> tuple[str, Any]:
    """The record's status, with "not applicable" recognised, and the reason that goes with it."""
    status = str(record["status"])
    flag = record.get("not_applicable")
    skip = record.get("skip_reason")
    if status.lower() in _NA_STATUSES or flag:
        return NOT_APPLICABLE, flag if isinstance(flag, str) else skip or record.get("reason")
    if status == "skipped" and isinstance(skip, str) and skip.lower().startswith(_NA_PREFIXES):
        return NOT_APPLICABLE, skip
    if status == "skipped":
        return status, skip
    if status == "xfailed":
        return status, record.get("xfail_reason")
    return status, None


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
    status, reason = _status(record)
    out: dict[str, Any] = {
        "case": record["case_key"],
        "device": record["device"],
        "file": record["file"],
        "order": order,
        "status": status,
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
    _check_env_name(env, source)
    if not isinstance(data, Mapping) or not isinstance(data.get("meta"), Mapping):
        raise CompatError(f"{source}: not a results.json: expected an object with 'meta' and 'cases'")
    meta, cases = data["meta"], data.get("cases")
    if not isinstance(cases, list):
        raise CompatError(f"{source}: 'cases' must be a list of case records")
    if not isinstance(meta.get("versions"), Mapping):
        raise CompatError(f"{source}: meta.versions is missing: which versions did this run use?")
    depth = meta.get("depth", "exhaustive")  # runs recorded before depths existed ran everything
    if depth != "exhaustive":
        raise CompatError(
            f"{source}: a run at depth {depth!r}, which leaves cases and relations out; "
            "the matrix compares exhaustive runs (pytest --rnnspec-depth=exhaustive, as tox runs it)"
        )
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
        "devices": [str(d) for d in meta.get("devices") or []],
        "gpu": meta.get("gpu"),  # which GPU ran the gpu cases, if any
        "spec_errors": [short(e) for e in meta.get("spec_errors") or []],
        "titles": dict(sorted(titles.items())),
        "cases": records,
    }


def dump_condensed(doc: Mapping[str, Any]) -> str:
    """JSON with one case per line: a re-run changes only the lines of cases that changed."""

    def line(value: Any) -> str:
        return json.dumps(value, sort_keys=True, ensure_ascii=False)

    lines = ["{"] + [f" {line(k)}: {line(doc[k])}," for k in sorted(doc) if k != "cases"]
    cases = [f"  {line(case)}" for case in doc["cases"]]
    lines += [' "cases": [', ",\n".join(cases), " ]", "}"] if cases else [' "cases": []', "}"]
    return "\n".join(lines) + "\n"


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CompatError(f"{path}: no such file") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise CompatError(f"{path}: not valid JSON ({exc})") from None


def condense_file(results: Path, env: str, out_dir: Path = DEFAULT_DIR) -> tuple[Path, dict[str, Any]]:
    """Condense RESULTS into OUT_DIR/<env>.json; returns the path written and the document."""
    doc = condense(_read_json(results), env, str(results))
    target = out_dir / f"{env}.json"
    atomic_write(target, dump_condensed(doc))
    return target, doc


# --- load -----------------------------------------------------------------------------------

Point = tuple[str, str]  # (case key, device)


@dataclass(frozen=True)
class Environment:
    """One environment's condensed results, indexed by contract point."""

    name: str
    versions: Mapping[str, Any]
    complete: bool
    spec_errors: tuple[str, ...]
    titles: Mapping[str, str]
    cases: Mapping[Point, Mapping[str, Any]]


def _check_env_name(name: str, where: object) -> None:
    if not _ENV_NAME.fullmatch(name):
        raise CompatError(f"{where}: {name!r} is not an environment name (letters, digits, '.', '_', '-', '+')")


def load_environment(path: Path) -> Environment:
    """Read and check one condensed file; every problem names the file."""
    doc = _read_json(path)
    if not isinstance(doc, Mapping):
        raise CompatError(f"{path}: expected a JSON object written by `python -m rnnspec.compat condense`")
    if doc.get("format") != FORMAT:
        raise CompatError(
            f"{path}: format is {doc.get('format')!r}, expected {FORMAT!r}; "
            "write it with `python -m rnnspec.compat condense`"
        )
    if doc.get("env") != path.stem:
        raise CompatError(f"{path}: says env {doc.get('env')!r}, but the file is named for {path.stem!r}")
    for key, kind in (("versions", Mapping), ("titles", Mapping), ("cases", list), ("spec_errors", list)):
        if not isinstance(doc.get(key), kind):
            raise CompatError(f"{path}: {key!r} is missing or of the wrong type")
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
        point = (record["case"], record["device"])
        if point in cases:
            raise CompatError(f"{where}: {point[0]} on {point[1]} appears twice")
        cases[point] = record
    return Environment(
        name=path.stem,
        versions=doc["versions"],
        complete=bool(doc.get("complete", True)),
        spec_errors=tuple(str(e) for e in doc["spec_errors"]),
        titles=doc["titles"],
        cases=cases,
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
        _check_env_name(name, f"{path}:{number}")
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


def render_directory(directory: Path = DEFAULT_DIR) -> str:
    """What ``render`` writes for DIRECTORY, as a string: the currency test compares it."""
    from rnnspec.compat_report import render

    envs, missing = load_directory(directory)
    return render(envs, missing)


# --- command line ---------------------------------------------------------------------------

_FAILED = {"failed", "error", "xpassed", "unfinished"}


def main(argv: Iterable[str] | None = None) -> int:
    """``python -m rnnspec.compat condense|render``: the version matrix's compatibility report."""
    parser = argparse.ArgumentParser(prog="python -m rnnspec.compat", description=main.__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    one = sub.add_parser("condense", help="results.json of one environment -> reports/compat/<env>.json")
    one.add_argument("results", type=Path, help="the results.json that --rnnspec-reports wrote")
    one.add_argument("--env", required=True, help="the environment's name, e.g. tf212 (the tox env name)")
    one.add_argument("--out", type=Path, default=DEFAULT_DIR, help="folder of condensed files (%(default)s)")
    one.add_argument(
        "--strict", action="store_true", help="exit 1 (after writing) when a case failed or the run is incomplete"
    )
    many = sub.add_parser("render", help="reports/compat/*.json -> reports/compat.md")
    many.add_argument("--dir", type=Path, default=DEFAULT_DIR, help="folder of condensed files (%(default)s)")
    many.add_argument("--out", type=Path, default=DEFAULT_OUT, help="the page to write (%(default)s)")
    many.add_argument("--check", action="store_true", help="write nothing; exit 1 when OUT is not what render gives")
    args = parser.parse_args(list(argv) if argv is not None else None)
    try:
        if args.command == "condense":
            return _condense_command(args.results, args.env, args.out, args.strict)
        return _render_command(args.dir, args.out, args.check)
    except CompatError as exc:
        print(f"rnnspec.compat: error: {exc}", file=sys.stderr)
        return 2


def _condense_command(results: Path, env: str, out: Path, strict: bool) -> int:
    target, doc = condense_file(results, env, out)
    counts = Counter(case["status"] for case in doc["cases"])
    print(
        f"wrote {target}: {len(doc['cases'])} contract points ("
        + ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
        + ")"
    )
    bad = any(counts[s] for s in _FAILED) or not doc["complete"] or bool(doc["spec_errors"])
    return 1 if strict and bad else 0


def _render_command(directory: Path, out: Path, check: bool) -> int:
    page = render_directory(directory)
    if not check:
        atomic_write(out, page)
        print(f"wrote {out}")
        return 0
    current = out.read_text(encoding="utf-8") if out.is_file() else ""
    if current == page:
        return 0
    diff = difflib.unified_diff(current.splitlines(True), page.splitlines(True), str(out), "rendered")
    sys.stdout.writelines(list(diff)[:60])
    print(f"{out} is stale: run `{RENDER_COMMAND}` and commit it")
    return 1


if __name__ == "__main__":
    raise SystemExit(main())
