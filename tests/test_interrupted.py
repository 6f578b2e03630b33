"""Interrupted, cancelled and misdirected runs (issue 18): never lose what ran, never claim
what did not.

The signal tests run pytest in its own process group and signal the group with
``os.killpg``, as a terminal does on Ctrl-C, once the journal holds the cases that finish
before a case that sleeps (so they wait on the run's progress, not on wall time, and hold on a
loaded machine). The sleeping case is running when the signal comes; the reports must hold
every case that finished, say the run is incomplete and why, and the process must end with a
non-zero code and no traceback. After SIGKILL, ``python -m rnnspec.reports rebuild DIR``
makes the reports from the journal.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from conftest import SpecProject, load_results, records_by_name, two_case_spec
from rnnspec.journal import JOURNAL, completeness, replay

SLOW_CONFTEST = '''\
import time

import keras


class SlowRNN(keras.layers.SimpleRNN):
    """SimpleRNN whose call sleeps ``pause`` seconds first (99: raises KeyboardInterrupt)."""

    def __init__(self, units, pause=0, **kwargs):
        super().__init__(units, **kwargs)
        self.pause = pause

    def call(self, sequences, initial_state=None, mask=None, training=False):
        if self.pause == 99:
            raise KeyboardInterrupt  # as if Ctrl-C were pressed during this case
        time.sleep(self.pause)
        return super().call(sequences, initial_state=initial_state, mask=mask, training=training)

    def get_config(self):
        return {**super().get_config(), "pause": self.pause}


def pytest_rnnspec_register_layers(registry):
    registry.register(SlowRNN)
'''

#: Four quick cases, one that sleeps two minutes, then one more (never reached).
SLOW_SPEC = """\
rnnspec: 1
title: Slow
inputs: (B, T, F)
sizes: {B: 1, T: 3, F: 2, units: 2}
build:
  class: SlowRNN
  args: {units: $units, pause: $pause}
defaults: {pause: 0}
tables:
  quick: {pause: [0, 0.01, 0.02, 0.03]}
  sleepy: {pause: [120]}
  after: {}
expect:
  - returns: (B, units)
    dtype: float32
"""

#: The cases that finish before the sleeping one starts: Basic's two and Slow's four.
FINISHED = {
    "Basic[core-cpu]",
    "Basic[core-state-cpu]",
    "Slow[quick-cpu]",
    "Slow[quick-pause=0.01-cpu]",
    "Slow[quick-pause=0.02-cpu]",
    "Slow[quick-pause=0.03-cpu]",
}
SLEEPING = "Slow[sleepy-pause=120-cpu]"


@pytest.fixture
def slow(project: SpecProject) -> SpecProject:
    (project.root / "conftest.py").write_text(SLOW_CONFTEST, encoding="utf-8")
    project.write("basic.yaml", two_case_spec("Basic"))
    project.write("slow.yaml", SLOW_SPEC)
    return project


def journal_cases(directory: Path) -> int:
    try:
        return (directory / JOURNAL).read_text(encoding="utf-8").count('"kind": "case"')
    except FileNotFoundError:
        return 0


def signalled_run(project: SpecProject, signals: list[signal.Signals], workers: int) -> tuple[int, str, Path]:
    """Run the project's tables, signal the process group once the finishing cases are in the
    journal, and return the exit code, the output and the reports folder."""
    out = project.root / "reports"
    args = project.args(f"--rnnspec-reports={out}", "-p", "xdist", "-n", str(workers))
    log = project.root / "output.txt"
    with log.open("w") as handle:
        process = subprocess.Popen(
            [sys.executable, "-m", "pytest", *args],
            cwd=project.root,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, as a terminal gives a command
        )
        try:
            deadline = time.monotonic() + 240
            while journal_cases(out) < len(FINISHED) and process.poll() is None and time.monotonic() < deadline:
                time.sleep(0.1)
            assert journal_cases(out) >= len(FINISHED), log.read_text(encoding="utf-8")
            time.sleep(0.5)  # the sleeping case starts
            for index, number in enumerate(signals):
                if index:
                    time.sleep(0.3)
                os.killpg(process.pid, number)
            code = process.wait(timeout=120)
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
    return code, log.read_text(encoding="utf-8"), out


def check_reports(out: Path, state: str, reason: str) -> dict[str, Any]:
    """Every finished case is in the reports with its status; the reports say incomplete."""
    data = load_results(out)
    records = records_by_name(data)
    assert {name: records[name]["status"] for name in FINISHED if name in records} == dict.fromkeys(FINISHED, "passed")
    assert records.get(SLEEPING, {"status": "unfinished"})["status"] == "unfinished"
    assert "Slow[after-cpu]" not in records
    meta = data["meta"]
    assert meta["complete"] is False
    assert meta["completeness"]["state"] == state
    assert reason in meta["completeness"]["reason"]
    assert meta["completeness"]["collected"] == 8
    assert meta["completeness"]["with_result"] == len(FINISHED)
    assert meta["completeness"]["without_result"] == 2
    contract = (out / "contract.md").read_text(encoding="utf-8")
    assert contract.splitlines()[2].startswith(f"**Incomplete run**: {reason}"), contract[:300]
    return data


SIGNALLED = [
    pytest.param([signal.SIGINT], 2, "interrupted", "interrupted by SIGINT", id="ctrl-c-once-n2"),
    pytest.param([signal.SIGINT, signal.SIGINT], 2, "interrupted", "interrupted by SIGINT", id="ctrl-c-twice-n2"),
    pytest.param([signal.SIGINT, signal.SIGINT], 0, "interrupted", "interrupted by SIGINT", id="ctrl-c-twice-n0"),
    pytest.param([signal.SIGTERM], 2, "cancelled", "cancelled by SIGTERM", id="sigterm-n2"),
    pytest.param([signal.SIGTERM], 0, "cancelled", "cancelled by SIGTERM", id="sigterm-n0"),
    pytest.param([signal.SIGHUP], 0, "cancelled", "cancelled by SIGHUP", id="sighup-n0"),
]


@pytest.mark.parametrize(("signals", "workers", "state", "reason"), SIGNALLED)
def test_a_signal_keeps_what_ran(
    slow: SpecProject, signals: list[signal.Signals], workers: int, state: str, reason: str
) -> None:
    code, output, out = signalled_run(slow, signals, workers)
    assert code == pytest.ExitCode.INTERRUPTED, output
    assert "Traceback" not in output, output
    assert f"incomplete run: {reason}: 6 of 8 cases have a result, 2 have none" in output, output
    check_reports(out, state, reason)
    assert not list(out.glob(".*.tmp")), "a temporary report file was left behind"


@pytest.mark.parametrize("workers", [0, 2])
def test_sigkill_then_rebuild(slow: SpecProject, workers: int) -> None:
    """A killed controller writes nothing more; the journal has every finished case, and
    ``rebuild`` makes the reports from it, marked crashed."""
    code, _output, out = signalled_run(slow, [signal.SIGKILL], workers)
    assert code == -signal.SIGKILL
    assert not (out / "results.json").exists()
    rebuilt = subprocess.run(
        [sys.executable, "-m", "rnnspec.reports", "rebuild", str(out)], capture_output=True, text=True, check=False
    )
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "6 cases, incomplete (crashed: " in rebuilt.stdout
    data = check_reports(out, "crashed", "crashed: the run ended without writing its reports")
    assert SLEEPING not in records_by_name(data)  # its start was never journalled


# --- the journal on its own -------------------------------------------------------------


def test_a_journal_cut_short_is_read_up_to_its_last_whole_line(tmp_path: Path) -> None:
    path = tmp_path / JOURNAL
    lines = [
        {"kind": "start", "meta": {"versions": {}, "devices": ["cpu"]}},
        {"kind": "collected", "count": 3},
        {"kind": "case", "record": {"id": "a", "status": "passed"}},
        {"kind": "case", "record": {"id": "b", "status": "failed"}},
    ]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines) + '{"kind": "case", "rec', encoding="utf-8")
    journal = replay(path)
    assert (journal.collected, sorted(journal.records), journal.end, journal.damaged_lines) == (3, ["a", "b"], None, 1)
    path.write_text('{"kind": "case"}\n{"kind": "end"}\n', encoding="utf-8")
    with pytest.raises(ValueError, match="not an rnnspec journal"):
        replay(path)


def test_completeness_counts_cases_without_result() -> None:
    done = {"a": {"status": "passed"}, "b": {"status": "unfinished"}}
    assert completeness(2, {"a": {"status": "passed"}, "b": {"status": "skipped"}}, None)["state"] == "complete"
    assert completeness(3, done, None) == {
        "state": "incomplete",
        "reason": "cases without result: 2 of 3",
        "collected": 3,
        "with_result": 1,
        "without_result": 2,
    }
    assert completeness(3, done, "cancelled by SIGTERM")["state"] == "cancelled"


# --- misdirected options fail first -----------------------------------------------------


def misdirected(project: SpecProject, *args: str) -> str:
    """Run with ARGS in-process: a usage error (exit 4) before any case ran; its message."""
    project.write("basic.yaml", two_case_spec("Basic"))
    result = project.run(*args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR, result.stdout.str()
    assert "passed" not in result.stdout.str()
    errors = [line for line in result.stderr.lines if line.startswith("ERROR:")]
    assert len(errors) == 1, result.stderr.str()
    return errors[0]


def test_a_reports_path_that_is_a_file(project: SpecProject) -> None:
    (project.root / "taken").write_text("x", encoding="utf-8")
    message = misdirected(project, "--rnnspec-reports=taken")
    assert "--rnnspec-reports=taken: " in message
    assert "is a file, not a folder" in message


def test_a_reports_folder_that_cannot_be_written(project: SpecProject) -> None:
    message = misdirected(project, "--rnnspec-reports=/proc/rnnspec-reports")
    assert "--rnnspec-reports=/proc/rnnspec-reports: cannot write into this folder" in message


def test_a_device_map_naming_no_device_here(project: SpecProject) -> None:
    message = misdirected(project, "--rnnspec-device-map=gpu=cpu:7")
    assert "--rnnspec-device-map: gpu=cpu:7: no such device here (devices: cpu:0" in message


@pytest.mark.parametrize("content", ["a folder", '{"not": "a baseline"}'])
def test_a_baseline_that_is_not_one(project: SpecProject, content: str) -> None:
    path = project.root / "old.json"
    if content == "a folder":
        path.mkdir()
    else:
        path.write_text(content, encoding="utf-8")
    message = misdirected(project, f"--rnnspec-baseline={path.name}")
    assert "old.json: not " in message


def test_a_baseline_from_an_incomplete_run_says_so(slow: SpecProject) -> None:
    """Recorded from an interrupted run, the baseline says so, and a comparison counts the
    cases it lacks as not in the baseline, not as unchanged."""
    record = slow.root / "base.json"
    quick = "tables:\n  quick: {pause: [0, 0.01, 0.02, 0.03]}\n"
    tables = SLOW_SPEC[SLOW_SPEC.index("tables:") : SLOW_SPEC.index("expect:")]
    slow.write("slow.yaml", SLOW_SPEC.replace(tables, quick.replace("0.02", "99")))  # 99: Ctrl-C
    first = slow.pytester.runpytest(*slow.args(f"--rnnspec-record={record}"), no_reraise_ctrlc=True)
    assert first.ret == pytest.ExitCode.INTERRUPTED
    first.stdout.fnmatch_lines(
        ["baseline of 4 cases recorded to *, marked incomplete (interrupted by KeyboardInterrupt)"]
    )
    meta = json.loads(record.read_text(encoding="utf-8"))["meta"]
    assert (meta["complete"], meta["completeness"]["without_result"]) == (False, 2)

    slow.write("slow.yaml", SLOW_SPEC.replace(tables, quick))
    second = slow.run(f"--rnnspec-baseline={record}")
    outcomes = second.parseoutcomes()  # SlowRNN has no reference: its cases pass "numbers unchecked"
    assert (outcomes.get("passed"), outcomes.get("numbers_unchecked"), outcomes.get("failed")) == (2, 4, None)
    second.stdout.fnmatch_lines(
        [
            "baseline *base.json (*): 4 cases compared, 0 changed, 2 new, 0 not run here",
            "the baseline was recorded by an incomplete run (interrupted by KeyboardInterrupt): "
            "the 2 cases it lacks count as not in the baseline, not as unchanged",
        ]
    )


# --- the table-size health check --------------------------------------------------------


def test_max_combinations_raises_the_limit_of_one_file(project: SpecProject) -> None:
    """The limit counts every table's combinations before any is expanded; a file raises it
    for itself with ``max_combinations`` (the default one is tests/malformed/too_many_combinations.yaml)."""
    lines = two_case_spec("Basic").splitlines(keepends=True)
    project.write("basic.yaml", "".join([*lines[:1], "max_combinations: 1\n", *lines[1:]]))
    result = project.run()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["*spec/basic.yaml:11: the file declares 2 combinations (table 'core': 2), more than its limit of 1*"]
    )
    project.write("basic.yaml", "".join([*lines[:1], "max_combinations: 2\n", *lines[1:]]))
    project.run().assert_outcomes(passed=2)
