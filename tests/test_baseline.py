"""--rnnspec-record and --rnnspec-baseline: the upgrade workflow (issue 4).

A baseline recorded on one run must catch, on the next, a fault that keeps every shape
(the numbers move) and a change of contract (list instead of tuple), say which cases
changed and by how much, and stay quiet when nothing changed.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from conftest import GOOD_LSTM, GOOD_LSTM_CPU_NAMES, SpecProject
from rnnspec.baseline import VALUES_MOVED, Baseline, BaselineError, changes, write_baseline
from rnnspec.compat.compare import Change

#: A plugin that makes every LSTM call return its tensors scaled by 1.01: shapes, dtypes and
#: structure stay, the numbers move by about 1% (far beyond float32 tolerance).
DRIFT_PLUGIN = """\
import keras

_call = keras.layers.LSTM.call


def drifting_call(self, *args, **kwargs):
    out = _call(self, *args, **kwargs)
    return keras.tree.map_structure(lambda t: t * 1.01, out)


keras.layers.LSTM.call = drifting_call
"""

#: A plugin that makes LSTM return a list where Keras 3 returns a tuple (what Keras 2 did).
LIST_PLUGIN = """\
import keras

_call = keras.layers.LSTM.call


def listing_call(self, *args, **kwargs):
    out = _call(self, *args, **kwargs)
    return list(out) if isinstance(out, tuple) else out


keras.layers.LSTM.call = listing_call
"""


@pytest.fixture
def recorded(project: SpecProject) -> SpecProject:
    """A project whose LSTM table has been run once with --rnnspec-record=base.json."""
    project.write("lstm.yaml", GOOD_LSTM)
    result = project.run_subprocess("--rnnspec-record=base.json")
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()
    result.stdout.fnmatch_lines(["*baseline of 4 cases recorded to base.json*"])
    return project


def test_the_record_holds_every_case_and_its_values(recorded: SpecProject) -> None:
    baseline = Baseline(recorded.root / "base.json")
    assert sorted(baseline.cases) == sorted(f"lstm.yaml::{n.replace('-cpu]', ']')} cpu" for n in GOOD_LSTM_CPU_NAMES)
    entry = baseline.cases["lstm.yaml::LSTM[core-seq-state] cpu"]
    assert entry["status"] == "passed"
    assert entry["actual"] == "((1, 3, 2)@float32, (1, 2)@float32, (1, 2)@float32)"
    assert [t["shape"] for t in entry["tensors"]] == [[1, 3, 2], [1, 2], [1, 2]]
    assert baseline.recorded_with.startswith("keras 3.")


def test_an_unchanged_run_passes(recorded: SpecProject) -> None:
    result = recorded.run_subprocess("--rnnspec-baseline=base.json", "--rnnspec-reports=out")
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()
    result.stdout.fnmatch_lines(
        ["*baseline base.json (keras 3.*): 4 cases compared, 0 changed, 0 new, 0 not run here*"]
    )
    assert "no case changed." in (recorded.root / "out" / "contract.md").read_text(encoding="utf-8")
    assert "recorded at depth" not in result.stdout.str()


def test_a_baseline_from_another_depth_is_named(recorded: SpecProject) -> None:
    result = recorded.run_subprocess("--rnnspec-baseline=base.json", "--rnnspec-depth=exhaustive")
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()
    result.stdout.fnmatch_lines(
        [
            "*baseline base.json (keras 3.*, depth standard): 4 cases compared*",
            "*the baseline was recorded at depth standard, this run is at depth exhaustive:*",
        ]
    )


def test_numeric_drift_that_keeps_shapes_is_caught(recorded: SpecProject) -> None:
    (recorded.root / "drift.py").write_text(DRIFT_PLUGIN, encoding="utf-8")
    result = recorded.run_subprocess("-p", "drift", "--rnnspec-baseline=base.json", "--rnnspec-reports=out")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    out = result.stdout.str()
    assert "4 cases compared, 4 changed" in out, out
    assert "tensor 0: values moved by up to" in out
    assert "; tolerance 1e-05)" in out
    records = json.loads((recorded.root / "out" / "results.json").read_text(encoding="utf-8"))["cases"]
    moved = {r["name"]: r["baseline_changes"] for r in records}
    assert set(moved) == set(GOOD_LSTM_CPU_NAMES)
    # the table's own checks catch the drift too (against the NumPy reference)
    assert all(any("reference" in p for p in r["problems"]) for r in records)
    assert "## Changes against the baseline" in (recorded.root / "out" / "contract.md").read_text(encoding="utf-8")


def test_a_change_of_contract_is_caught(recorded: SpecProject) -> None:
    (recorded.root / "listing.py").write_text(LIST_PLUGIN, encoding="utf-8")
    result = recorded.run_subprocess("-p", "listing", "--rnnspec-baseline=base.json")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        [
            "*4 cases compared, 2 changed*",
            "*kind of change*cases*tables",
            "*status: pass -> FAIL*2*lstm 2",
            "*container (list <-> tuple)*2*lstm 2",
            "*a case of each kind, with the changes of that kind (2 cases changed in all):",
            "*lstm.yaml::LSTM[[]core-*state[]] cpu: status passed -> failed",
            "*lstm.yaml::LSTM[[]core-*state[]] cpu: returns ((1, *2)@float32, (1, 2)@float32, (1, 2)@float32) -> "
            "returns [[](1, *2)@float32, (1, 2)@float32, (1, 2)@float32[]]",
        ]
    )


def test_a_missing_baseline_is_a_usage_error(project: SpecProject) -> None:
    project.write("lstm.yaml", GOOD_LSTM)
    result = project.run("--rnnspec-baseline=nowhere.json")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*nowhere.json: no such baseline; record one with --rnnspec-record=nowhere.json*"])
    (project.root / "bad.json").write_text('{"cases": {}}', encoding="utf-8")
    with pytest.raises(BaselineError, match=r"bad\.json: not an rnnspec baseline"):
        Baseline(project.root / "bad.json")


def test_changes_in_detail() -> None:
    before = {"status": "passed", "actual": "(2, 3)@float32", "tensors": [{"shape": [2, 3], "values": [0.0] * 6}]}
    same = np.zeros((2, 3))
    assert changes(before, "passed", "(2, 3)@float32", [same], 1e-5) == []
    assert changes(None, "failed", "x", None, 1e-5) == []  # a new case is not a change
    moved = same.copy()
    moved[1, 2] = 3e-5
    assert changes(before, "passed", "(2, 3)@float32", [moved], 1e-5) == [
        Change(VALUES_MOVED, "tensor 0: values moved by up to 3e-05 at [1, 2] (0 -> 3e-05; tolerance 1e-05)")
    ]
    assert changes(before, "failed", "(2, 3)@float16", [same], 1e-5) == [
        Change("status: pass -> FAIL", "status passed -> failed"),
        Change("dtype", "returns (2, 3)@float32 -> returns (2, 3)@float16"),
    ]
    # a container that changed still has its numbers compared
    listed = {**before, "actual": "[(2, 3)@float32]"}
    assert [c.kind for c in changes(listed, "passed", "((2, 3)@float32,)", [moved], 1e-5)] == [
        "container (list <-> tuple)",
        VALUES_MOVED,
    ]
    nan = same.copy()
    nan[0, 1] = np.nan
    assert "at [0, 1]" in changes(before, "passed", "(2, 3)@float32", [nan], 1e-5)[0].detail


def test_a_baseline_of_another_format_or_status_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "base.json"
    entry = {"status": "passed", "actual": "(1, 2)@float32", "arity": 1, "tolerance": 1e-5, "tensors": None}
    write_baseline(path, [{"case_key": "lstm.yaml::LSTM[core]", "device": "cpu", **entry}], {"depth": "standard"})
    assert Baseline(path).cases == {"lstm.yaml::LSTM[core] cpu": entry}
    data = json.loads(path.read_text(encoding="utf-8"))
    path.write_text(json.dumps({**data, "rnnspec_baseline": 2}), encoding="utf-8")
    with pytest.raises(
        BaselineError, match=r"base\.json: a baseline of format 2, but this rnnspec reads format 1 only"
    ):
        Baseline(path)
    for status in ("not applicable", "skipped", None):
        data["cases"]["lstm.yaml::LSTM[core] cpu"]["status"] = status
        path.write_text(json.dumps(data), encoding="utf-8")
        with pytest.raises(
            BaselineError, match=rf"case 'lstm.yaml::LSTM\[core\] cpu': status {status!r} is not one of"
        ):
            Baseline(path)


def test_a_baseline_recorded_in_two_k_runs_holds_both(project: SpecProject) -> None:
    project.write("lstm.yaml", GOOD_LSTM)
    first = project.run_subprocess("--rnnspec-record=base.json", "-k", "seq")
    first.stdout.fnmatch_lines(["*baseline of 2 cases recorded to base.json*"])
    second = project.run_subprocess("--rnnspec-record=base.json", "-k", "not seq")
    second.stdout.fnmatch_lines(["*baseline of 2 cases recorded to base.json, 2 other cases kept from it*"])
    assert len(Baseline(project.root / "base.json").cases) == 4
    fresh = project.run_subprocess("--rnnspec-record=base.json", "--rnnspec-record-fresh", "-k", "seq")
    assert fresh.ret == pytest.ExitCode.OK
    assert sorted(Baseline(project.root / "base.json").cases) == [
        "lstm.yaml::LSTM[core-seq-state] cpu",
        "lstm.yaml::LSTM[core-seq] cpu",
    ]


def test_a_merge_refuses_a_baseline_of_another_release(tmp_path: Path) -> None:
    path = tmp_path / "base.json"
    entry = {"status": "passed", "actual": "(1, 2)@float32", "arity": 1, "tolerance": 1e-5, "tensors": None}
    keras2 = {"versions": {"keras": "2.15.0", "backend": "tensorflow", "tensorflow": "2.15.1"}}
    keras3 = {"versions": {"keras": "3.15.1", "backend": "tensorflow", "tensorflow": "2.21.0"}}
    write_baseline(path, [{"case_key": "a.yaml::A[core]", "device": "cpu", **entry}], keras2)
    assert write_baseline(path, [{"case_key": "a.yaml::A[x]", "device": "cpu", **entry}], keras2, fresh=False) == 1
    with pytest.raises(BaselineError, match=r"recorded with keras 2\.15\.0 .*not merged.*--rnnspec-record-fresh"):
        write_baseline(path, [{"case_key": "a.yaml::A[x]", "device": "cpu", **entry}], keras3, fresh=False)
    assert len(Baseline(path).cases) == 2  # left as it was
    write_baseline(path, [{"case_key": "a.yaml::A[x]", "device": "cpu", **entry}], keras3, fresh=True)
    assert list(Baseline(path).cases) == ["a.yaml::A[x] cpu"]


def test_the_changes_of_a_run_land_on_an_upgrade_page(recorded: SpecProject) -> None:
    (recorded.root / "listing.py").write_text(LIST_PLUGIN, encoding="utf-8")
    recorded.run_subprocess("-p", "listing", "--rnnspec-baseline=base.json", "--rnnspec-reports=out")
    text = (recorded.root / "out" / "upgrade.md").read_text(encoding="utf-8")
    assert "| container (list <-> tuple) | 2 | `lstm.yaml` 2 |" in text
    assert "2 cases changed" in text or "4 cases ran in both; 2 changed" in text
