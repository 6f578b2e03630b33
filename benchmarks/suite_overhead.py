"""What the specification costs beyond calling the layers, and what ``-n 2`` buys.

Measures in one run, each in a fresh interpreter (so every figure includes starting Python
and importing TensorFlow, as a user's run does):

(a) the specification, ``pytest FILES -n 0 --rnnspec-devices=cpu --rnnspec-depth=DEPTH -q``;
(b) a bare loop over the same CPU cases that builds each layer with seeded weights and calls
    it once (``rnnspec.runner.call_layer``), checking nothing;
(c) the specification with ``-n 2``.

(a)/(b) is the suite's overhead (checks, references, relations' twin calls, reports, pytest);
(a)/(c) the speed-up of two workers. Prints a table and writes reports/suite_overhead.json.

    python benchmarks/suite_overhead.py [--repeat N] [--depth standard|exhaustive] [--files spec/lstm.yaml ...] [--out FILE]

A shared machine changes speed by a third from one minute to the next, so one round's (a)/(b)
says little. ``--repeat N`` runs N rounds of (a), (b), (c) back to back and reports every
round's figures and their medians; and the table also gives the overhead measured inside (a),
whose two sides are timed in the same minutes: (a)'s wall time over the time its cases spent
in ``rnnspec.runner.call_layer`` (the runner's ``bare`` timing, read from the results.json
that (a) writes to a temporary folder) plus (b)'s time outside its calls (starting Python,
importing, reading the files, exiting).

The depth is the specification's (``--rnnspec-depth``); the default, ``standard``, is what a
plain ``pytest spec`` runs.
"""

from __future__ import annotations

import argparse
import atexit
import gc
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rnnspec import DEPTHS, is_table_file

ROOT = Path(__file__).resolve().parents[1]


def bare_loop(files: Sequence[str], depth: str) -> dict[str, Any]:
    """Runs inside the (b) subprocess: build + seeded weights + one call per case, no checks."""
    start = time.perf_counter()
    atexit.register(gc.freeze)  # the process ends as pytest's do (rnnspec/plugin.py), skipping the final GC
    from rnnspec.registry import keras_layer_registry
    from rnnspec.runner import call_layer
    from rnnspec.spec import expand, load_table

    registry = keras_layer_registry()
    imported = time.perf_counter()
    cases = [case for path in files for case in expand(load_table(Path(path), registry), ("cpu",), depth)]
    cases = [case for case in cases if not case.not_applicable]  # (a) skips those without a call
    loaded = time.perf_counter()
    raised = 0
    for case in cases:
        try:
            call_layer(case, registry, "cpu:0")
        except Exception:  # cases that expect the call to raise, e.g. Bidirectional(go_backwards)
            raised += 1
    done = time.perf_counter()
    return {
        "cases": len(cases),
        "raised": raised,
        "import_s": imported - start,
        "load_s": loaded - imported,
        "calls_s": done - loaded,
    }


def _timed(command: list[str]) -> tuple[float, subprocess.CompletedProcess[str]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_XDIST", "PYTEST_ADDOPTS"))}
    start = time.perf_counter()
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    return time.perf_counter() - start, result


def _pytest(files: Sequence[str], workers: int, depth: str, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "pytest",
        *files,
        "-n",
        str(workers),
        "--rnnspec-devices=cpu",
        f"--rnnspec-depth={depth}",
        "-q",
        *extra,
    ]


def builds_and_calls(results: Path) -> float:
    """The seconds the cases of a run spent in ``rnnspec.runner.call_layer`` (drawing inputs,
    building with seeded weights, the case's own call: the runner's ``bare`` timing), i.e.
    what the bare loop does for each case, timed inside that run."""
    cases = json.loads(results.read_text(encoding="utf-8"))["cases"]
    return sum(float(c.get("timings", {}).get("bare", 0.0)) for c in cases)


def _summary(result: subprocess.CompletedProcess[str]) -> str:
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    return lines[-1].strip("= ") if lines else f"exit {result.returncode}"


def same_run_overhead(spec_s: float, spec_calls_s: float, bare_s: float, bare_calls_s: float) -> float:
    """(a)'s wall time over what a bare loop would take in the same minutes: (a)'s own
    ``call_layer`` time, plus what (b) spends outside its calls (starting Python, importing,
    reading the files, exiting)."""
    return spec_s / (spec_calls_s + (bare_s - bare_calls_s))


def _check(run: subprocess.CompletedProcess[str], what: str) -> None:
    if run.returncode != 0:
        raise SystemExit(f"{what} failed (exit {run.returncode}):\n{run.stdout[-3000:]}\n{run.stderr[-3000:]}")


def measure_round(files: Sequence[str], depth: str) -> dict[str, Any]:
    load_start = os.getloadavg() if hasattr(os, "getloadavg") else None
    with tempfile.TemporaryDirectory() as reports:
        spec_n0, run_n0 = _timed(_pytest(files, 0, depth, f"--rnnspec-reports={reports}"))
        _check(run_n0, "(a) the specification with -n 0")
        own_calls = builds_and_calls(Path(reports) / "results.json")
    bare, run_bare = _timed([sys.executable, __file__, "--depth", depth, "--bare", *files])
    _check(run_bare, "(b) the bare loop")
    inner = json.loads(run_bare.stdout.strip().splitlines()[-1])
    with tempfile.TemporaryDirectory() as reports:  # written by (c) too, so that (a)/(c) is even
        spec_n2, run_n2 = _timed(_pytest(files, 2, depth, f"--rnnspec-reports={reports}"))
        _check(run_n2, "(c) the specification with -n 2")
    return {
        "files": list(files),
        "depth": depth,
        "machine": {
            "cpu_count": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "loadavg_before": list(load_start) if load_start else None,
            "loadavg_after": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
        },
        "spec_n0_s": spec_n0,
        "spec_n0_result": _summary(run_n0),
        "bare_s": bare,
        "bare_inner": inner,
        "spec_n2_s": spec_n2,
        "spec_n2_result": _summary(run_n2),
        "overhead_ratio": spec_n0 / bare,
        "overhead_ratio_without_startup": (spec_n0 - inner["import_s"]) / (bare - inner["import_s"]),
        "spec_n0_builds_and_calls_s": own_calls,
        "overhead_ratio_same_run": same_run_overhead(spec_n0, own_calls, bare, inner["calls_s"]),
        "n2_speedup": spec_n0 / spec_n2,
    }


_RUN_KEYS = ("spec_n0_s", "bare_s", "spec_n2_s", "spec_n0_builds_and_calls_s")
_RATIO_KEYS = ("overhead_ratio", "overhead_ratio_without_startup", "overhead_ratio_same_run", "n2_speedup")


def measure(files: Sequence[str], depth: str, repeat: int) -> dict[str, Any]:
    """``repeat`` rounds; the top-level figures are the medians of the rounds' figures."""
    rounds = []
    for index in range(repeat):
        rounds.append(measure_round(files, depth))
        if repeat > 1:
            print(f"round {index + 1}/{repeat}:\n{table(rounds[-1])}", flush=True)
    summary = {key: rounds[0][key] for key in ("files", "depth", "machine")}
    for key in (*_RUN_KEYS, *_RATIO_KEYS):
        summary[key] = statistics.median(r[key] for r in rounds)
    summary.update(rounds=rounds, repeat=repeat)
    return summary


def table(m: dict[str, Any]) -> str:
    """One round's table, or the medians of several rounds with every round's figures."""
    rounds = m.get("rounds", [m])
    last = rounds[-1]
    inner = last["bare_inner"]

    def each(key: str, unit: str) -> str:
        return ", ".join(f"{r[key]:.2f}x" if unit == "x" else f"{r[key]:.1f} s" for r in rounds)

    def run_note(key: str, text: str) -> str:
        return text if len(rounds) == 1 else f"median of {len(rounds)} rounds ({each(key, 's')}); last: {text}"

    bare_text = f"{inner['cases']} cases; import {inner['import_s']:.1f} s, calls {inner['calls_s']:.1f} s"
    rows = [
        ("(a) spec, -n 0", f"{m['spec_n0_s']:.1f} s", run_note("spec_n0_s", last["spec_n0_result"])),
        ("(b) bare loop", f"{m['bare_s']:.1f} s", run_note("bare_s", bare_text)),
        ("(c) spec, -n 2", f"{m['spec_n2_s']:.1f} s", run_note("spec_n2_s", last["spec_n2_result"])),
        (
            "overhead (a)/(b)",
            f"{m['overhead_ratio']:.2f}x",
            f"rounds: {each('overhead_ratio', 'x')}; less import: {m['overhead_ratio_without_startup']:.2f}x",
        ),
        (
            "overhead, same run",
            f"{m['overhead_ratio_same_run']:.2f}x",
            f"rounds: {each('overhead_ratio_same_run', 'x')}; (a) / ((a)'s own builds and calls + (b) less its calls)",
        ),
        (
            "speed-up (a)/(c)",
            f"{m['n2_speedup']:.2f}x",
            f"rounds: {each('n2_speedup', 'x')}; {last['machine']['cpu_count']} CPUs",
        ),
    ]
    width = max(len(r[0]) for r in rows)
    return "\n".join(f"{name:<{width}}  {value:>8}  {note}" for name, value, note in rows)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", nargs="+", default=None, help="spec files (default: every spec/*.yaml)")
    parser.add_argument("--depth", choices=DEPTHS, default=DEPTHS[0])
    parser.add_argument("--repeat", type=int, default=1, help="rounds of (a), (b), (c); medians are reported")
    parser.add_argument("--out", type=Path, default=ROOT / "reports" / "suite_overhead.json")
    parser.add_argument("--bare", nargs="+", default=None, help=argparse.SUPPRESS)  # the (b) subprocess
    args = parser.parse_args(argv)
    if args.bare:
        print(json.dumps(bare_loop(args.bare, args.depth)))
        return 0
    files = args.files or sorted(str(p.relative_to(ROOT)) for p in (ROOT / "spec").glob("*.yaml") if is_table_file(p))
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    result = measure(files, args.depth, args.repeat)
    print(f"files: {' '.join(files)}; depth {args.depth}")
    print(table(result))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main())
