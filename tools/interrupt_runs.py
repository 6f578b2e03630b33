"""Interrupt a real ``pytest spec`` run the way a terminal or a CI runner does, and say what
the reports kept (issue 18's measurements; the figures in docs/guide.md#interrupted-runs).

For each scenario: start ``pytest spec -n 2 --rnnspec-reports=DIR`` in its own process group,
wait until the journal holds ``--after`` case lines (or ``--seconds`` have passed, whichever
comes first), send the signal(s) to the whole group with ``os.killpg`` (as Ctrl-C in a terminal
does), wait for the end, then read DIR: how many cases had a result when the signal went, how
many are in results.json, what meta says, the exit code and whether a traceback was printed.
SIGKILL leaves no reports: ``python -m rnnspec.reports rebuild DIR`` makes them.

    python tools/interrupt_runs.py [--seconds 12] [--after 0] [-- extra pytest args]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SCENARIOS = {
    "ctrl-c-once": [signal.SIGINT],
    "ctrl-c-twice": [signal.SIGINT, signal.SIGINT],
    "sigterm": [signal.SIGTERM],
    "sighup": [signal.SIGHUP],
    "sigkill": [signal.SIGKILL],
}


def journal_cases(directory: Path) -> int:
    try:
        text = (directory / "journal.jsonl").read_text(encoding="utf-8")
    except FileNotFoundError:
        return 0
    return text.count('"kind": "case"')


def run(name: str, signals: list[signal.Signals], seconds: float, after: int, extra: list[str]) -> dict[str, object]:
    directory = Path(tempfile.mkdtemp(prefix=f"rnnspec-{name}-"))
    command = [sys.executable, "-m", "pytest", "spec", "-n", "2", "-q", f"--rnnspec-reports={directory}", *extra]
    log = directory / "output.txt"
    with log.open("w") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        started = time.monotonic()
        while time.monotonic() - started < seconds and (after <= 0 or journal_cases(directory) < after):
            time.sleep(0.1)
        at_signal = journal_cases(directory)
        signal_at = time.monotonic() - started
        for index, number in enumerate(signals):
            if index:
                time.sleep(0.3)
            os.killpg(process.pid, number)
        code = process.wait(timeout=300)
        ended = time.monotonic() - started
    rebuilt = ""
    if not (directory / "results.json").exists():
        done = subprocess.run(
            [sys.executable, "-m", "rnnspec.reports", "rebuild", str(directory)], capture_output=True, text=True
        )
        rebuilt = (done.stdout + done.stderr).strip()
    output = log.read_text(encoding="utf-8", errors="replace")
    data = json.loads((directory / "results.json").read_text(encoding="utf-8"))
    contract = (directory / "contract.md").read_text(encoding="utf-8")
    return {
        "scenario": name,
        "signal_after_s": round(signal_at, 1),
        "cases_in_journal_at_signal": at_signal,
        "cases_in_results": len(data["cases"]),
        "complete": data["meta"]["complete"],
        "completeness": data["meta"].get("completeness"),
        "exit_code": code,
        "traceback": "Traceback" in output,
        "banner": contract.splitlines()[2] if contract.startswith("# ") else "",
        "summary": [line for line in output.splitlines() if line.startswith("incomplete run")],
        "rebuild": rebuilt,
        "run_s": round(ended, 1),
        "folder": str(directory),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=12.0, help="signal this long after the start (default 12)")
    parser.add_argument("--after", type=int, default=0, help="or once the journal holds this many cases")
    parser.add_argument("--only", nargs="*", default=list(SCENARIOS), choices=list(SCENARIOS))
    parser.add_argument("extra", nargs="*", help="more pytest arguments (after --)")
    args = parser.parse_args()
    for name in args.only:
        print(json.dumps(run(name, SCENARIOS[name], args.seconds, args.after, args.extra)), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
