"""A run survives what the layers under test do: raise at build or call, run out of
memory, kill their process, or get interrupted. Only the case at fault fails, every other
case is still run and recorded, and the reports stay valid and reproducible.

The misbehaving layer is a SimpleRNN subclass registered through the
``pytest_rnnspec_register_layers`` hook in the throw-away project's conftest.py; its ``explode``
argument (an axis of the table) says what it does.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from typing import Any

import pytest

from conftest import SpecProject, load_results, records_by_name, reports_of, two_case_spec

CONFTEST = '''\
import os

import keras
import tensorflow as tf


class FragileRNN(keras.layers.SimpleRNN):
    """SimpleRNN that misbehaves on request: explode=build|call|oom|crash|interrupt."""

    def __init__(self, units, explode="none", **kwargs):
        super().__init__(units, **kwargs)
        self.explode = explode

    def build(self, sequences_shape):
        if self.explode == "build":
            raise RuntimeError("FragileRNN refuses to build")
        super().build(sequences_shape)

    def call(self, sequences, initial_state=None, mask=None, training=False):
        if self.explode == "call":
            raise ValueError("FragileRNN refuses to be called")
        if self.explode == "oom":
            raise tf.errors.ResourceExhaustedError(
                None, None, "OOM when allocating tensor with shape[1048576,1048576] on /job:localhost/device:GPU:0"
            )
        if self.explode == "crash":
            os._exit(1)
        if self.explode == "interrupt":
            raise KeyboardInterrupt
        return super().call(sequences, initial_state=initial_state, mask=mask, training=training)

    def get_config(self):
        return {**super().get_config(), "explode": self.explode}


def pytest_rnnspec_register_layers(registry):
    registry.register(FragileRNN)

'''


def fragile_spec(values: list[str]) -> str:
    """A table of FragileRNN cases: ``boom`` varies explode over ``values``, ``calm`` is one
    more well-behaved case after it."""
    return f"""\
rnnspec: 1
title: Fragile
inputs: (B, T, F)
sizes: {{B: 1, T: 3, F: 2, units: 2}}
build:
  class: FragileRNN
  args: {{units: $units, explode: $explode}}
defaults: {{explode: none}}
tables:
  boom: {{explode: [{", ".join(values)}]}}
  calm: {{}}
expect:
  - returns: (B, units)
    dtype: float32
"""


BASIC = two_case_spec("Basic")
BASIC_NAMES = ["Basic[core-cpu]", "Basic[core-state-cpu]"]


@pytest.fixture
def fragile(project: SpecProject) -> SpecProject:
    """A project with the FragileRNN conftest and the basic table (spec/basic.yaml)."""
    (project.root / "conftest.py").write_text(CONFTEST, encoding="utf-8")
    project.write("basic.yaml", BASIC)
    return project


# --- (a), (b): a layer that raises fails only its own case ------------------------------


def test_raising_layers_fail_only_their_case(fragile: SpecProject) -> None:
    """Raising at build, at call, or with a (simulated) GPU out-of-memory error fails that
    case with the exception's text and a reproduction; every other case passes and is
    recorded."""
    fragile.write("fragile.yaml", fragile_spec(["none", "build", "call", "oom"]))
    out = fragile.root / "reports"
    result = fragile.run(f"--rnnspec-reports={out}")

    reports = reports_of(result)
    outcomes = {name: report.outcome for name, report in reports.items()}
    failing = {
        "Fragile[boom-explode=build-cpu]": "RuntimeError: FragileRNN refuses to build",
        "Fragile[boom-explode=call-cpu]": "FragileRNN refuses to be called",
        "Fragile[boom-explode=oom-cpu]": "ResourceExhaustedError",
    }
    assert outcomes == {
        **dict.fromkeys(BASIC_NAMES, "passed"),
        "Fragile[boom-cpu]": "passed",
        **dict.fromkeys(failing, "failed"),
        "Fragile[calm-cpu]": "passed",
    }
    for name, message in failing.items():
        text = reports[name].longreprtext
        assert "the layer does not return what the table says" in text, name
        assert f"  raised:    {message}" in text or ("raised:" in text and message in text), text
        assert "reproduce with:" in text, name
        assert "FragileRNN(units=2, explode=" in text, name
    assert "OOM when allocating tensor" in reports["Fragile[boom-explode=oom-cpu]"].longreprtext
    assert result.ret == pytest.ExitCode.TESTS_FAILED

    records = records_by_name(load_results(out))
    assert {name: r["status"] for name, r in records.items()} == outcomes
    for name, message in failing.items():
        assert message in records[name]["error"], name


# --- (c): a worker that dies under xdist ------------------------------------------------


@dataclass
class CrashRun:
    """What the xdist run with a crashing case showed (one run serves two tests: ~30 s)."""

    stdout: str
    outcomes: dict[str, int]
    ret: int
    results: dict[str, Any]


_CRASH_RUNS: list[CrashRun] = []


def crash_run(project: SpecProject) -> CrashRun:
    """Run the crash table under ``-n 2`` once per session and remember what it showed."""
    if not _CRASH_RUNS:
        project.write("fragile.yaml", fragile_spec(["none", "crash", "a", "b"]))
        out = project.root / "reports"
        result = project.run_subprocess("-p", "xdist", "-n", "2", f"--rnnspec-reports={out}", timeout=240)
        _CRASH_RUNS.append(CrashRun(result.stdout.str(), result.parseoutcomes(), result.ret, load_results(out)))
    return _CRASH_RUNS[0]


def test_crashed_worker_fails_its_case_only(fragile: SpecProject) -> None:
    """``os._exit(1)`` in one case kills its xdist worker: that case is reported as
    crashed, a new worker runs the rest, and every other case is recorded exactly once."""
    run = crash_run(fragile)
    assert "crashed while running" in run.stdout, run.stdout
    assert "boom-explode=crash-cpu" in run.stdout, run.stdout
    assert "replacing crashed worker" in run.stdout, run.stdout
    # the Fragile layer has no reference: its passing cases count as numbers_unchecked
    counts = (run.outcomes.get("passed"), run.outcomes.get("numbers_unchecked"), run.outcomes.get("failed"))
    assert counts == (2, 4, 1), run.stdout
    assert run.ret == pytest.ExitCode.TESTS_FAILED

    counts = Counter(record["name"] for record in run.results["cases"])
    others = [
        *BASIC_NAMES,
        "Fragile[boom-cpu]",
        "Fragile[boom-explode=a-cpu]",
        "Fragile[boom-explode=b-cpu]",
        "Fragile[calm-cpu]",
    ]
    assert {name: counts[name] for name in others} == dict.fromkeys(others, 1)
    assert all(r["status"] == "passed" for r in run.results["cases"] if r["name"] in others)
    assert counts["Fragile[boom-explode=crash-cpu]"] <= 1
    assert run.results["meta"]["complete"] is True


def test_crashed_case_is_recorded(fragile: SpecProject) -> None:
    """The crashed case itself should be in results.json as failed, not silently missing."""
    records = {record["name"]: record for record in crash_run(fragile).results["cases"]}
    assert records["Fragile[boom-explode=crash-cpu]"]["status"] == "failed"


# --- (d): an interrupted run ------------------------------------------------------------


def test_interrupted_run_writes_what_finished(fragile: SpecProject) -> None:
    """Ctrl-C (KeyboardInterrupt from the layer) stops the run; results.json and contract.md
    are still written, valid, with the cases that finished and ``complete: false``."""
    fragile.write("fragile.yaml", fragile_spec(["none", "interrupt"]))
    out = fragile.root / "reports"
    # no_reraise_ctrlc: pytester would otherwise pass the interrupt on to this session
    result = fragile.pytester.runpytest(*fragile.args(f"--rnnspec-reports={out}"), no_reraise_ctrlc=True)
    assert result.ret == pytest.ExitCode.INTERRUPTED

    data = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert data["meta"]["complete"] is False
    records = records_by_name(data)
    assert {name: r["status"] for name, r in records.items()} == {
        **dict.fromkeys(BASIC_NAMES, "passed"),
        "Fragile[boom-cpu]": "passed",
        "Fragile[boom-explode=interrupt-cpu]": "unfinished",
    }
    contract = (out / "contract.md").read_text(encoding="utf-8")
    assert "| Basic | `spec/basic.yaml` | 2 | 2 pass |" in contract
    assert "| Fragile | `spec/fragile.yaml` | 2 | 1 pass, 1 not finished |" in contract
    assert "**Incomplete run**" in contract
    assert not list(out.glob(".*.tmp")), "a temporary report file was left behind"


# --- (e): reproducible reports ----------------------------------------------------------

TIMING_FIELDS = ("duration", "timings")


def without_timings(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "meta": data["meta"],
        "cases": [{k: v for k, v in r.items() if k not in TIMING_FIELDS} for r in data["cases"]],
    }


def test_two_runs_give_identical_reports(fragile: SpecProject) -> None:
    """Same versions, same tables: contract.md byte for byte, results.json but for timings
    (failures included: their messages hold no addresses or times)."""
    fragile.write("fragile.yaml", fragile_spec(["none", "call"]))
    first, second = fragile.root / "r1", fragile.root / "r2"
    for out in (first, second):  # Fragile has no reference: its passes are numbers_unchecked
        counts = fragile.run(f"--rnnspec-reports={out}").parseoutcomes()
        assert (counts.get("passed"), counts.get("numbers_unchecked"), counts.get("failed")) == (2, 2, 1)

    assert (first / "contract.md").read_bytes() == (second / "contract.md").read_bytes()
    one, two = load_results(first), load_results(second)
    assert without_timings(one) == without_timings(two)
    assert len(one["cases"]) == 5
    assert all(isinstance(r["duration"], float) for r in one["cases"])
