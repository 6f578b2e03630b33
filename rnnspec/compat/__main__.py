"""``python -m rnnspec.compat condense|render``: the command line of the version matrix.

    python -m rnnspec.compat condense build/matrix/tf212/results.json --env tf212
    python -m rnnspec.compat render            # reports/compat/*.json -> reports/compat.md

tox runs the first in every matrix environment and the second as ``tox -e compat``. Errors
in the inputs exit 2 with one line naming the file; ``--strict`` and ``--check`` exit 1.
"""

from __future__ import annotations

import argparse
import difflib
import sys
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from rnnspec.compat.condense import condense_file
from rnnspec.compat.condensed import CompatError
from rnnspec.compat.environments import DEFAULT_DIR
from rnnspec.compat.report import DEFAULT_OUT, RENDER_COMMAND, render_directory
from rnnspec.reports import atomic_write
from rnnspec.status_text import FAILING


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
    bad = any(counts[s] for s in FAILING) or not doc["complete"] or bool(doc["spec_errors"])
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
