"""The ``rnnspec`` command (console script and ``python -m rnnspec``): ``rnnspec show``.

argparse, from the standard library: one subcommand with four options needs no more, it adds
no dependency to the plugin's install, and it starts in milliseconds (the command's point is
to answer in well under half a second; click or typer would add an import and a dependency
for help text we do not need). Plain text, no colours: it reads the same in a CI log.

``--live`` builds and calls the layer on the installed stack with the plugin's own runner
(rnnspec/runner.py), so the answer printed from the tables is checked on the spot.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from rnnspec import showcache

if TYPE_CHECKING:
    from rnnspec.show import Answer


def _size(text: str) -> tuple[str, int]:
    name, _, value = text.partition("=")
    if not name or not value.strip().isdigit():
        raise argparse.ArgumentTypeError(f"expected NAME=N, like B=8, got {text!r}")
    return name.strip(), int(value)


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="rnnspec", description="Ask the contract what a Keras recurrent layer returns.")
    commands = top.add_subparsers(dest="command", required=True)
    show = commands.add_parser(
        "show",
        help="what a layer call returns, from the tables",
        description="What a layer returns for these arguments, read from the tables (no Keras import).",
    )
    show.add_argument("call", help="the layer and its arguments, like 'GRU(return_state=True)'")
    show.add_argument("--spec", type=Path, default=Path("spec"), help="the folder of tables (default: spec)")
    show.add_argument(
        "--size", type=_size, action="append", default=[], metavar="NAME=N", help="a size, like B=8 (repeatable)"
    )
    show.add_argument(
        "--compat",
        type=Path,
        default=Path("reports/compat"),
        help="the version matrix's records (default: reports/compat; skipped when absent)",
    )
    show.add_argument("--live", action="store_true", help="also build and call the layer here, and check it")
    show.add_argument("--no-cache", action="store_true", help="answer afresh (see rnnspec/showcache.py)")
    return top


def live_check(found: Answer) -> tuple[bool, str]:
    """Run the case with the plugin's runner on this machine's CPU; (ok, text)."""
    from rnnspec.devices import resolve_devices
    from rnnspec.kerasapi import versions
    from rnnspec.registry import keras_layer_registry
    from rnnspec.runner import run_case
    from rnnspec.spec import expand, load_table

    registry = keras_layer_registry()
    table = load_table(found.table.path, registry, versions())  # the build is resolved with the table's sizes
    key = found.case.case_key
    cases = [c for c in expand(table, ("cpu",)) if c.case_key == key]
    if not cases:
        return False, f"live: {key} is not declared on this stack"
    case = cases[0]
    if case.not_applicable:
        return True, f"live: not applicable here: {case.not_applicable}"
    target = resolve_devices({}).get("cpu")
    outcome = run_case(case, registry, str(target))
    stack = versions()
    lines = [
        f"live ({stack['backend']}, keras {stack['keras']}, sizes {dict(table.sizes)}): returned {outcome.actual_text}"
    ]
    if outcome.error:
        lines.append(f"  raised: {outcome.error}")
    lines += [f"  FAIL {p}" for p in outcome.problems]
    for name, problems in outcome.relation_failures.items():
        lines += [f"  FAIL {name}: {p}" for p in problems]
    if outcome.ok:
        lines.append(f"  as the tables say: structure, {outcome.reference} reference, relations hold")
    return outcome.ok, "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    compat = args.compat if args.compat.is_dir() else None
    cached = None
    if not args.live and not args.no_cache and showcache.enabled():
        name = showcache.key([args.call, repr(sorted(args.size)), str(compat)], [args.spec, args.compat])
        cached = showcache.read(name)
    if cached is not None:
        print(cached)
        return 0
    from rnnspec.errors import SpecError, SpecErrors
    from rnnspec.show import QueryError, answer, parse_query, render

    try:
        found = answer(parse_query(args.call), args.spec, dict(args.size))
    except QueryError as exc:
        print(f"rnnspec show: {exc}", file=sys.stderr)
        return 2
    except (SpecError, SpecErrors) as exc:
        print(f"rnnspec show: the table has errors:\n{exc}", file=sys.stderr)
        return 2
    text = render(found, compat)
    print(text)
    if not args.live:
        if not args.no_cache and showcache.enabled():
            showcache.write(name, text)
        return 0
    ok, live = live_check(found)
    print("\n" + live)
    return 0 if ok else 1
