"""Break Keras on purpose, one fault at a time, and show how the specification reports it.

Each module in tools/faults/ monkeypatches one Keras layer when loaded as a pytest plugin
(``-p NAME``). This script runs the relevant part of the specification with each fault and
prints, per fault: how many cases failed and which checks caught it (structure sentences,
reference differences, relations). A fault that no case catches is listed as MISSED, and the
script exits 1. Usage: ``.venv/bin/python tools/inject_faults.py [NAME ...]``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: fault module -> (spec files, -k expression selecting the cases it can affect)
FAULTS: dict[str, tuple[list[str], str]] = {
    "gru_extra_state": (["spec/gru.yaml"], "core"),
    "lstm_swap_h_c": (["spec/lstm.yaml"], "core"),
    "simple_rnn_drops_time": (["spec/simple_rnn.yaml"], "core"),
    "lstm_returns_list": (["spec/lstm.yaml"], "core"),
    "lstm_ignores_mask": (["spec/lstm.yaml"], "mask and not unroll"),
    "lstm_inputs_scaled": (["spec/lstm.yaml"], "core"),
    "lstm_dropout_at_inference": (["spec/lstm.yaml"], "dropout"),
    "lstm_unroll_differs": (["spec/lstm.yaml"], "unroll and not mask"),
    "lstm_cudnn_false_differs": (["spec/lstm.yaml"], "use_cudnn"),
    "lstm_backwards_time_order": (["spec/lstm.yaml"], "core"),
    "lstm_stateful_forgets": (["spec/lstm.yaml"], "stateful"),
    "lstm_reset_does_nothing": (["spec/lstm.yaml"], "stateful"),
    "lstm_ignores_initial_state": (["spec/lstm.yaml"], "initial_state"),
    "bidi_swaps_directions": (["spec/bidirectional.yaml"], "core and GRU"),
    "lstm_padding_leaks": (["spec/lstm.yaml"], "mask and not unroll"),
    "lstm_policy_ignored": (["spec/lstm.yaml"], "dtype"),
}


def caught_by(record: dict) -> list[str]:
    """The checks that failed for one case, named the way the README names them."""
    names = [f"relation {name}" for name in record.get("relation_failures") or {}]
    for problem in record.get("problems") or []:
        if problem.startswith("reference:"):
            names.append("matches_reference")
        elif problem.startswith("documented deviation gone"):
            names.append("deviation gone")
        else:
            names.append("structure: " + problem.split(": ", 1)[-1].split(", got")[0])
    if record.get("error"):
        names.append("raised: " + record["error"].splitlines()[0][:60])
    return names


def run(fault: str) -> tuple[int, int, Counter[str]]:
    files, selection = FAULTS[fault]
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "PYTHONPATH": f"{ROOT / 'tools' / 'faults'}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
        command = [
            sys.executable,
            "-m",
            "pytest",
            *files,
            "-k",
            selection,
            "-p",
            fault,
            "-q",
            "--tb=no",
            "--rnnspec-devices=cpu",
            f"--rnnspec-reports={tmp}",
            "-p",
            "no:randomly",
        ]
        subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
        records = json.loads((Path(tmp) / "results.json").read_text())["cases"]
    failed = [r for r in records if r["status"] == "failed"]
    return len(records), len(failed), Counter(name for r in failed for name in set(caught_by(r)))


def main(argv: list[str]) -> int:
    missed = []
    print("| fault | cases run | failed | caught by (cases) |\n|---|---|---|---|")
    for fault in argv or list(FAULTS):
        total, failed, checks = run(fault)
        if not failed:
            missed.append(fault)
        caught = ", ".join(f"{name} ({n})" for name, n in checks.most_common()) or "MISSED"
        print(f"| {fault} | {total} | {failed} | {caught} |", flush=True)
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
