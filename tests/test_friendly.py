"""Selection and failures people can use: markers per table family and axis value, a line
saying what a passing case returned, failure messages that start with a relative path, report files
readable by others (the custom-cell cases, "numbers unchecked" and a raising reference, are in
test_extension.py)."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from xml.etree import ElementTree

import pytest

from conftest import GOOD_LSTM, SpecProject, reports_of
from rnnspec.reports import atomic_write


def test_markers_select_by_family_and_axis_value(project: SpecProject) -> None:
    project.write("lstm.yaml", GOOD_LSTM)
    result = project.run("--strict-markers", "-m", "lstm and state and not seq", "--collect-only", "-q")
    result.stdout.fnmatch_lines(["*LSTM[[]core-state-cpu[]]", "*1/4 tests collected (3 deselected)*"])
    result = project.run("--strict-markers", "-k", "LSTM and seq and state", "--collect-only", "-q")
    result.stdout.fnmatch_lines(["*1/4 tests collected (3 deselected)*"])
    result = project.run("--markers")
    result.stdout.fnmatch_lines(["*@pytest.mark.lstm: rnnspec cases of this table family or axis value*"])


def test_a_passing_case_says_what_it_returned(project: SpecProject) -> None:
    project.write("lstm.yaml", GOOD_LSTM)
    result = project.run("-rA", "-k", "core-state-cpu")
    result.stdout.fnmatch_lines(
        [
            "*PASSES*",
            "*rnnspec: what it returned*",
            "returned:  ((1, 2)@float32, (1, 2)@float32, (1, 2)@float32)",
            "numbers:   within * of the NumPy reference (tolerance 1e-05)",
        ]
    )


def test_a_failure_message_starts_with_a_relative_path(project: SpecProject) -> None:
    project.write("lstm.yaml", GOOD_LSTM.replace("(B, units), (B, units), (B, units)", "(B, units), (B, units)"))
    result = project.run("-rf")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    failed = [r for r in reports_of(result).values() if r.failed]
    assert failed
    assert all(r.longreprtext.startswith("spec/lstm.yaml:") for r in failed), failed[0].longreprtext[:200]
    result.stdout.fnmatch_lines(["FAILED spec/lstm.yaml::LSTM[[]core-state-cpu[]] - spec/lstm.yaml:*"])


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o002, 0o664), (0o077, 0o600)])
def test_report_files_respect_the_umask(tmp_path: Path, umask: int, mode: int) -> None:
    old = os.umask(umask)
    try:
        atomic_write(tmp_path / "contract.md", "text\n")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "contract.md").stat().st_mode) == mode


def test_junit_properties_are_json(project: SpecProject) -> None:
    project.write("lstm.yaml", GOOD_LSTM)
    project.run("--junitxml=junit.xml", "-k", "core-state-cpu")
    properties = ElementTree.parse(project.root / "junit.xml").getroot().iter("property")
    record = json.loads(next(p for p in properties if p.get("name") == "rnnspec").get("value") or "")
    assert record["name"] == "LSTM[core-state-cpu]"
    assert record["actual"] == "((1, 2)@float32, (1, 2)@float32, (1, 2)@float32)"
