"""``python -m rnnspec.compat condense|render|stale|when``: the command line of the version matrix.

    python -m rnnspec.compat condense build/matrix/tf212/results.json --env tf212
    python -m rnnspec.compat render            # reports/compat/*.json -> compat.md + the heat map
    python -m rnnspec.compat stale             # which environments ran other tables (exit 1 if any)
    python -m rnnspec.compat when 'LSTM[core-state-cpu]'   # where did this point change?

tox runs the first in every matrix environment and the second as ``tox -e compat``. Errors
in the inputs exit 2 with one line naming the file; ``--strict``, ``--check`` and ``stale``
exit 1 on what they look for, ``when`` on a case that is in no file.
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
from rnnspec.compat.digest import DEFAULT_SPEC, tables_digest
from rnnspec.compat.environments import DEFAULT_DIR, load_matrix
from rnnspec.compat.heatmap import data_digest, draw, dump_data, png_comment
from rnnspec.compat.page import PointIndex
from rnnspec.compat.report import DEFAULT_OUT, PICTURE, RENDER_COMMAND, render_matrix
from rnnspec.compat.stale import stale_environments
from rnnspec.compat.when import NoSuchPoint, format_history, history, resolve
from rnnspec.reports import atomic_write
from rnnspec.status_text import FAILING


def main(argv: Iterable[str] | None = None) -> int:
    """``python -m rnnspec.compat condense|render|stale|when``: the version matrix's compatibility report."""
    parser = argparse.ArgumentParser(prog="python -m rnnspec.compat", description=main.__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    one = sub.add_parser("condense", help="results.json of one environment -> reports/compat/<env>.json")
    one.add_argument("results", type=Path, help="the results.json that --rnnspec-reports wrote")
    one.add_argument("--env", required=True, help="the environment's name, e.g. tf212 (the tox env name)")
    one.add_argument("--out", type=Path, default=DEFAULT_DIR, help="folder of condensed files (%(default)s)")
    one.add_argument(
        "--strict", action="store_true", help="exit 1 (after writing) when a case failed or the run is incomplete"
    )
    many = sub.add_parser("render", help="reports/compat/*.json -> reports/compat.md and its heat map")
    many.add_argument("--out", type=Path, default=DEFAULT_OUT, help="the page to write (%(default)s)")
    many.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 when OUT or the picture is not what render gives"
    )
    stale = sub.add_parser("stale", help="list the environments whose results ran other tables; exit 1 if any")
    when = sub.add_parser("when", help="a point's result in every environment, and where it changed")
    when.add_argument("case", help="test id, item name (LSTM[core-state-cpu]), case key, or a unique part of one")
    for each in (many, stale, when):
        each.add_argument("--dir", type=Path, default=DEFAULT_DIR, help="folder of condensed files (%(default)s)")
    for each in (many, stale):
        each.add_argument("--spec", type=Path, default=DEFAULT_SPEC, help="the current tables (%(default)s)")
    args = parser.parse_args(list(argv) if argv is not None else None)
    try:
        if args.command == "condense":
            return _condense_command(args.results, args.env, args.out, args.strict)
        if args.command == "stale":
            return _stale_command(args.dir, args.spec)
        if args.command == "when":
            return _when_command(args.dir, args.case)
        return _render_command(args.dir, args.spec, args.out, args.check)
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


def _render_command(directory: Path, spec: Path, out: Path, check: bool) -> int:
    rendered = render_matrix(directory, spec)
    picture = out.parent / PICTURE
    data_path = picture.with_suffix(".json")
    data = dump_data(rendered.heatmap)
    if not check:
        atomic_write(out, rendered.page)
        atomic_write(data_path, data)
        draw(rendered.heatmap, picture, data_digest(data))
        print(f"wrote {out}, {data_path} and {picture}")
        return 0
    stale = False
    for path, fresh in ((out, rendered.page), (data_path, data)):
        current = path.read_text(encoding="utf-8") if path.is_file() else ""
        if current != fresh:
            diff = difflib.unified_diff(current.splitlines(True), fresh.splitlines(True), str(path), "rendered")
            sys.stdout.writelines(list(diff)[:60])
            print(f"{path} is stale: run `{RENDER_COMMAND}` and commit it")
            stale = True
    if png_comment(picture) != data_digest(data):
        print(f"{picture} was not drawn from {data_path}: run `{RENDER_COMMAND}` and commit it")
        stale = True
    return 1 if stale else 0


def _stale_command(directory: Path, spec: Path) -> int:
    matrix = load_matrix(directory)
    current = tables_digest(spec)
    found = stale_environments(matrix.envs, current)
    for name, why in found.items():
        print(f"{name}: {why}")
    fresh = len(matrix.envs) - len(found)
    print(f"{len(found)} of {len(matrix.envs)} recorded environments are stale, {fresh} current ({spec}: {current})")
    return 1 if found else 0


def _when_command(directory: Path, query: str) -> int:
    matrix = load_matrix(directory)
    index = PointIndex(matrix.envs)
    try:
        points = resolve(query, index)
    except NoSuchPoint as exc:
        print(f"rnnspec.compat when: {exc}", file=sys.stderr)
        return 1
    for number, point in enumerate(points):
        if number:
            print()
        print("\n".join(format_history(point, history(point, matrix), index)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
