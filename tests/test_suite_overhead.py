"""benchmarks/suite_overhead.py reports medians of rounds, each round's ratio side by side.

The rounds are faked (``measure_round`` replaced): the point is the arithmetic and the table,
not timing anything; the real script is run by hand (README, "How fast the specification runs").
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks import suite_overhead  # noqa: E402 - the script's folder is not a package on sys.path


def _round(a: float, b: float, c: float) -> dict[str, Any]:
    return {
        "files": ["spec/seed.yaml"],
        "depth": "standard",
        "spec_n0_s": a,
        "spec_n0_result": "12 passed",
        "bare_s": b,
        "bare_inner": {"cases": 12, "raised": 0, "import_s": 1.0, "load_s": 0.1, "calls_s": b - 1.5},
        "spec_n2_s": c,
        "spec_n2_result": "12 passed",
        "overhead_ratio": a / b,
        "overhead_ratio_without_startup": (a - 1.0) / (b - 1.0),
        "spec_n0_builds_and_calls_s": b - 2.0,
        "overhead_ratio_same_run": a / b + 0.5,  # anything but (a)/(b), to tell the rows apart
        "n2_speedup": a / c,
        "machine": {"cpu_count": 2},
    }


def test_medians_are_taken_per_figure_and_every_round_is_shown(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    rounds = iter([_round(10.0, 10.0, 5.0), _round(30.0, 10.0, 10.0), _round(20.0, 5.0, 10.0)])
    monkeypatch.setattr(suite_overhead, "measure_round", lambda files, depth: next(rounds))
    out = tmp_path / "overhead.json"
    assert suite_overhead.main(["--files", "spec/seed.yaml", "--repeat", "3", "--out", str(out)]) == 0
    written = json.loads(out.read_text(encoding="utf-8"))
    assert written["repeat"] == 3
    assert len(written["rounds"]) == 3
    # The median of each round's side-by-side ratio (1.0, 3.0, 4.0), not the ratio of the
    # medians (20 / 10 = 2.0).
    assert written["overhead_ratio"] == pytest.approx(3.0)
    assert written["n2_speedup"] == pytest.approx(2.0)  # 2.0, 3.0, 2.0
    assert written["spec_n0_s"] == 20.0
    assert written["bare_s"] == 10.0
    text = suite_overhead.table(written)
    assert "median of 3 rounds" in text
    assert "rounds: 1.00x, 3.00x, 4.00x" in text
    assert "overhead, same run     3.50x  rounds: 1.50x, 3.50x, 4.50x" in text
    assert written["overhead_ratio_same_run"] == pytest.approx(3.5)
    assert "median of 3 rounds (5.0 s, 10.0 s, 10.0 s)" in text


def test_one_round_prints_its_own_figures(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(suite_overhead, "measure_round", lambda files, depth: _round(14.0, 10.0, 7.0))
    out = tmp_path / "overhead.json"
    assert suite_overhead.main(["--files", "spec/seed.yaml", "--out", str(out)]) == 0
    text = suite_overhead.table(json.loads(out.read_text(encoding="utf-8")))
    assert "median" not in text
    assert "1.40x" in text
    assert "2.00x" in text


def test_repeat_must_be_positive(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(suite_overhead, "measure_round", lambda files, depth: pytest.fail("measured anyway"))
    with pytest.raises(SystemExit):
        suite_overhead.main(["--repeat", "0", "--out", str(tmp_path / "x.json")])


def test_builds_and_calls_sums_the_runners_timings(tmp_path: Path) -> None:
    results = tmp_path / "results.json"
    cases = [
        {"timings": {"build": 0.5, "call": 1.0, "bare": 1.75, "check": 9.0}},
        {"timings": {"build": 0.25, "call": 0.25, "bare": 0.5}},
        {},  # a case that was skipped: it made no call
    ]
    results.write_text(json.dumps({"meta": {}, "cases": cases}), encoding="utf-8")
    assert suite_overhead.builds_and_calls(results) == pytest.approx(2.25)  # checks are overhead


def test_same_run_overhead_adds_the_bare_loops_time_outside_its_calls() -> None:
    # (a) took 120 s, 90 s of them in its cases' own call_layer; (b) took 110 s, 100 s calling.
    assert suite_overhead.same_run_overhead(120.0, 90.0, 110.0, 100.0) == pytest.approx(120.0 / 100.0)
