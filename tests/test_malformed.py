"""A corpus of malformed spec files (tests/malformed/), each with one problem.

Every file starts with ``# expect: <text>`` lines (each must appear in the error; the first
on the error line itself) and optionally ``# line: N`` (the line the error must name). Each
bad file runs next to a small good file: the bad one must become exactly one failed
``spec-error`` item that names ``file:line``, while the good file's cases still all pass.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import SpecProject, load_results, records_by_name, reports_of, two_case_spec

CORPUS = Path(__file__).parent / "malformed"
BAD_FILES = sorted(CORPUS.glob("*.yaml"))

#: Where the ``!!python/object/apply:os.system`` file would leave its mark if it ran.
MARKER = "python-tag-ran"

GOOD = two_case_spec("Good")
GOOD_NAMES = ["Good[core-cpu]", "Good[core-state-cpu]"]


def header(path: Path) -> tuple[list[str], int | None]:
    """The ``# expect:`` texts and the ``# line:`` number at the top of a corpus file."""
    expects: list[str] = []
    line = None
    for text in path.read_text(encoding="utf-8").splitlines():
        if not text.startswith("#"):
            break
        if m := re.match(r"#\s*expect:\s*(.+?)\s*$", text):
            expects.append(m.group(1))
        elif m := re.match(r"#\s*line:\s*(\d+)\s*$", text):
            line = int(m.group(1))
    return expects, line


def test_corpus_files_say_what_they_expect() -> None:
    """Every corpus file declares its error, so a new file cannot be checked by nothing."""
    assert len(BAD_FILES) >= 20
    for path in BAD_FILES:
        expects, line = header(path)
        assert expects, f"{path.name} has no '# expect:' line"
        assert line is not None, f"{path.name} has no '# line:' line"


def problems_with(report: pytest.TestReport | None, path: Path) -> list[str]:
    """What is wrong with the spec-error report of one corpus file (empty: all fine)."""
    if report is None or not report.failed:
        return [f"{path.name}: no failed spec-error item ({report and report.outcome})"]
    expects, line = header(CORPUS / path.name)
    text = report.longreprtext
    where = f"{re.escape(str(path))}:{line if line is not None else r'[0-9]+'}: "
    problems = []
    if not any(re.match(where, row) and expects[0] in row for row in text.splitlines()):
        problems.append(f"{path.name}: no error line '{where}...{expects[0]}...' in\n{text}")
    problems += [f"{path.name}: {e!r} not in\n{text}" for e in expects[1:] if e not in text]
    return problems


def copy_bad(project: SpecProject, source: Path) -> Path:
    return project.write(source.name, source.read_text(encoding="utf-8"))


@pytest.mark.parametrize("source", BAD_FILES, ids=[p.stem for p in BAD_FILES])
def test_bad_file_is_one_error_next_to_good_cases(project: SpecProject, source: Path) -> None:
    """One failed spec-error item at file:line for the bad file; the good file all passes."""
    project.write("good.yaml", GOOD)
    path = copy_bad(project, source)
    result = project.run()

    assert not (project.root / MARKER).exists(), "a YAML tag ran a command"
    reports = reports_of(result, by_nodeid=True)
    assert [n for n in reports if n.startswith(f"spec/{source.name}::")] == [f"spec/{source.name}::spec-error"]
    assert not problems_with(reports[f"spec/{source.name}::spec-error"], path)
    good = {n.split("::")[-1]: r.outcome for n, r in reports.items() if n.startswith("spec/good.yaml::")}
    assert good == dict.fromkeys(GOOD_NAMES, "passed")
    assert result.ret == pytest.ExitCode.TESTS_FAILED


def test_all_bad_files_at_once(project: SpecProject) -> None:
    """Every bad file is reported, each at its line, and the good results are complete."""
    project.write("good.yaml", GOOD)
    paths = [copy_bad(project, source) for source in BAD_FILES]
    out = project.root / "reports"
    result = project.run(f"--rnnspec-reports={out}")

    assert not (project.root / MARKER).exists(), "a YAML tag ran a command"
    reports = reports_of(result, by_nodeid=True)
    problems = [p for path in paths for p in problems_with(reports.get(f"spec/{path.name}::spec-error"), path)]
    assert not problems, "\n".join(problems)
    assert len(reports) == len(paths) + len(GOOD_NAMES)
    assert result.ret == pytest.ExitCode.TESTS_FAILED

    data = load_results(out)
    records = records_by_name(data)
    assert {name: r["status"] for name, r in records.items()} == dict.fromkeys(GOOD_NAMES, "passed")
    assert data["meta"]["complete"] is True
    reported = "\n".join(data["meta"]["spec_errors"])
    assert [p.name for p in paths if f"{p}:" not in reported] == []
    contract = (out / "contract.md").read_text(encoding="utf-8")
    assert "## Spec errors" in contract
    assert "| Good | `spec/good.yaml` | 2 |" in contract
