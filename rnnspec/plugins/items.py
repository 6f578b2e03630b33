"""The test items: one per case (``CaseItem``), and one per spec file that cannot be read.

A case's expected failure (the table's ``xfail:``) is a real ``pytest.mark.xfail`` added at
collection, strict where the table says, so ``-rx``, ``--runxfail`` and XPASS(strict) behave
as in any pytest project. The mark only absorbs ``TableMismatch`` (the layer does not return
what the table says): a crash of the machinery, or a case that differs from its baseline,
still fails. A case the release cannot build is skipped with its reason in the record, which
gives it the ``not_applicable`` status (rnnspec/plugins/session.py).
"""

from __future__ import annotations

import json
from collections.abc import Generator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from rnnspec.errors import SpecError, SpecErrors, located
from rnnspec.plugins.baseline import baseline_of
from rnnspec.plugins.session import state_of
from rnnspec.record import RECORD_KEY, CaseRecord, add_outcome, case_record
from rnnspec.status import FAILED, PASSED, XFAILED, XPASSED

if TYPE_CHECKING:
    from rnnspec.compat.compare import Change
    from rnnspec.runner import Outcome
    from rnnspec.spec import Case


#: pytest's summary word for a case that passed with its numbers unchecked.
NUMBERS_UNCHECKED = "numbers_unchecked"


class SpecErrorItem(pytest.Item):
    """Stands for a spec file that cannot be read, so its errors fail the run while every
    other file's cases still run (a collection error would stop the whole session)."""

    def __init__(self, *, errors: list[SpecError], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.errors = errors

    def runtest(self) -> None:
        self.user_properties.append((RECORD_KEY, {"spec_errors": [e.format() for e in self.errors]}))
        raise SpecErrors(self.errors)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, SpecErrors):
            return "invalid spec file:\n" + "\n".join(e.format() for e in excinfo.value.errors)
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int | None, str]:
        line = self.errors[0].line if self.errors else None
        return self.path, (line - 1 if line else None), f"spec error in {self.path.name}"


def markers_of(case: Case) -> list[str]:
    """The table family and axis-value markers of a case (rnnspec/markers.py)."""
    from rnnspec.markers import case_markers

    return case_markers(case.path.name, case.values, case.varied, case.defaults)


class CaseFailure(Exception):
    """A case that fails; carries the whole story (file:line, expected, actual, reproduction)."""


class TableMismatch(CaseFailure):
    """The layer does not return what the table says: what a table's ``xfail`` expects."""

    def __init__(self, story: str, summary: str) -> None:
        super().__init__(story)
        self.summary = summary  # the problems in one line, for pytest's xfail reason


def _node_id(parent: pytest.Collector, name: str) -> Any:
    """``Title[params]`` as pytest builds a parametrized id: the name and its params apart.

    pytest 9 compares structured ids: an item named ``LSTM[core-cpu]`` with the whole name as
    one segment never equals the ``LSTM`` + ``[core-cpu]`` that ``--lf``/``--sw`` read back
    from the cache, so last-failed cases were never found again. The text is unchanged.
    """
    parent_id = getattr(parent, "id", None)  # pytest >= 9; before, node ids are plain strings
    if parent_id is None or "[" not in name or not name.endswith("]"):
        return None
    base, _, params = name.partition("[")
    return parent_id.child(base).with_params(params[:-1])


class CaseItem(pytest.Item):
    """One layer x flags x device combination from a table."""

    record: CaseRecord

    def __init__(self, *, case: Case, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.case = case
        self.add_marker("rnnspec")
        self.add_marker(case.device)
        for name in markers_of(case):  # registered by the collector (rnnspec/plugins/collection.py)
            self.add_marker(name)
        if case.xfail is not None:
            self.add_marker(
                pytest.mark.xfail(reason=self.xfail_reason(), strict=case.xfail.strict, raises=TableMismatch)
            )

    @classmethod
    def for_case(cls, parent: pytest.Collector, case: Case) -> CaseItem:
        nodeid = _node_id(parent, case.name)
        extra = {"nodeid": nodeid} if nodeid is not None else {}
        item: CaseItem = cls.from_parent(parent, name=case.name, case=case, **extra)
        return item

    def xfail_reason(self) -> str:
        """The table's reason and where it says so; pytest shows it for XFAIL and XPASS(strict)."""
        xfail = self.case.xfail
        assert xfail is not None
        return (
            f"{xfail.reason} ({located(xfail.line, self.case.path)}; if it passes, "
            "the deviation may be fixed: update the table)"
        )

    def _expects_failure(self) -> bool:
        return self.case.xfail is not None and not self.config.option.runxfail

    def setup(self) -> None:
        # Recorded before the call, so that a case whose worker dies or whose run is
        # interrupted still appears in the reports, as unfinished.
        self.record = case_record(self.case, self.nodeid, self.name, self.config.rootpath)
        self.user_properties.append((RECORD_KEY, self.record))

    def runtest(self) -> None:
        from rnnspec.runner import run_case

        state = state_of(self.config)
        state.ran_cases = True
        record, case = self.record, self.case
        if case.not_applicable:
            record["not_applicable"] = case.not_applicable
            pytest.skip(case.not_applicable)
        target = state.devices.get(case.device)
        if target is None:
            from rnnspec.kerasapi import backend_name

            reason = f"no {case.device.upper()} visible to the {backend_name()} backend on this machine"
            record["skip_reason"] = reason
            pytest.skip(reason)
        outcome = run_case(case, state.registry, target, state.memo)
        add_outcome(record, outcome, case.tolerance)
        changes = self._against_baseline(outcome)
        if outcome.ok and unchecked(record) and self.config.getoption("rnnspec_require_reference"):
            raise CaseFailure(
                self._explain(outcome, f"numbers unchecked ({record['reference']}) and --rnnspec-require-reference")
            )
        if outcome.ok:
            if changes and not (self._expects_failure() and case.xfail and case.xfail.strict):
                baseline = baseline_of(self.config)
                recorded_with = baseline.recorded_with if baseline is not None else "?"
                raise CaseFailure(self._explain(outcome, f"returns something else than the baseline ({recorded_with})"))
            return  # a strict xfail that passes fails as XPASS(strict), pytest's way
        if self._expects_failure() and case.xfail is not None:
            record["xfail_reason"] = case.xfail.reason
        raise TableMismatch(
            self._explain(outcome, "the layer does not return what the table says"),
            "; ".join([*outcome.problems, *outcome.relation_failures]),
        )

    def _against_baseline(self, outcome: Outcome) -> list[Change]:
        """Keeps what a baseline needs in the record, and how this run differs from the baseline."""
        from rnnspec.baseline import case_key, changes, tensors

        record = self.record
        if self.config.getoption("rnnspec_record"):
            record["tensors"] = tensors(outcome.arrays or [])
        baseline = baseline_of(self.config)
        if baseline is None:
            return []
        expects = self._expects_failure()
        if outcome.ok:  # what pytest will make of it (xfail marks, --runxfail)
            strict = expects and self.case.xfail is not None and self.case.xfail.strict
            status = (FAILED if strict else XPASSED) if expects else PASSED
        else:
            status = XFAILED if self._expects_failure() else FAILED
        before = baseline.cases.get(case_key(record))
        record["baseline"] = "compared" if before is not None else "new"
        found = changes(before, status, outcome.actual_text, outcome.arrays, self.case.tolerance)
        if found:
            record["baseline_changes"] = [c.detail for c in found]
            record["baseline_change_kinds"] = [c.kind for c in found]
        return found

    def _explain(self, outcome: Outcome, headline: str) -> str:
        from rnnspec.runner import reproduction

        case = self.case
        lines = [
            f"{self._shown_path(case.table_path)}:{case.line}: {self.name}: {headline}",
            f"  rows:      {', '.join(located(r, case.path) for r in case.expectation.rows)}",
            f"  expected:  {outcome.expected_text}   # {case.expectation.returns_text}",
            f"  actual:    {outcome.actual_text or '(raised)'}",
        ]
        if outcome.error:
            lines.append(f"  raised:    {outcome.error}")
        lines += [f"  - {p}" for p in outcome.problems]
        lines += [f"  - against the baseline: {c}" for c in self.record.get("baseline_changes", [])]
        for name, problems in outcome.relation_failures.items():
            lines += [f"  relation {name} does not hold:"] + [f"    - {p}" for p in problems]
        registry = state_of(self.config).registry
        lines += ["", "reproduce with:"] + ["    " + line for line in reproduction(case, registry).splitlines()]
        return "\n".join(lines)

    def _shown_path(self, path: Path) -> str:
        """PATH relative to the rootdir where it is under it: pytest's one-line summary of a
        failure shows the message's first characters, which an absolute path would fill."""
        try:
            return path.resolve().relative_to(self.config.rootpath).as_posix()
        except ValueError:
            return str(path)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, CaseFailure):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.case.table_path, self.case.line - 1, self.name


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """An expected failure's reason says what went wrong this time, as ``pytest.xfail`` did."""
    report = yield
    excinfo = call.excinfo
    failure = excinfo.value if excinfo is not None else None
    if isinstance(item, CaseItem) and hasattr(report, "wasxfail") and isinstance(failure, TableMismatch):
        report.wasxfail = f"{report.wasxfail} [{failure.summary}]" if failure.summary else report.wasxfail
    if isinstance(item, CaseItem) and report.when == "call" and report.passed and hasattr(item, "record"):
        report.sections.append(("rnnspec: what it returned", returned_text(item.record)))
    return report


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """The JUnit XML's properties as JSON: pytest's junitxml writes ``str(value)`` of the
    teardown report's properties (a Python repr for a record); nothing else reads those."""
    if report.when == "teardown":
        report.user_properties = [
            (key, json.dumps(value, sort_keys=True, default=str) if isinstance(value, dict | list) else value)
            for key, value in report.user_properties
        ]


def unchecked(record: Mapping[str, Any]) -> bool:
    """A case whose numbers no reference checked (a custom class registered without one)."""
    return str(record.get("reference", "")).startswith("no reference")


def returned_text(record: Mapping[str, Any]) -> str:
    """What a passing case returned and what was checked, for ``-rA``'s PASSES section."""
    lines = [f"returned:  {record.get('actual')}", f"expected:  {record.get('expected')}"]
    relations = record.get("relations") or []
    lines.append(f"relations: {', '.join(relations) if relations else 'none'} held")
    if record.get("deviations"):
        lines.append(f"documented deviations seen: {', '.join(record['deviations'])}")
    if record.get("max_error") is not None and record.get("reference") == "checked":
        lines.append(
            f"numbers:   within {record['max_error']:.2g} of the NumPy reference (tolerance {record['tolerance']:.2g})"
        )
    else:
        lines.append(f"numbers:   unchecked ({record.get('reference')})")
    return "\n".join(lines)


def pytest_report_teststatus(report: pytest.TestReport) -> tuple[str, str, tuple[str, dict[str, bool]]] | None:
    """A case that passed with no reference for its numbers counts as ``numbers_unchecked`` in
    pytest's summary line (its status stays passed in results.json and baselines)."""
    if report.when == "call" and report.passed and not hasattr(report, "wasxfail"):
        for key, value in report.user_properties:
            if key == RECORD_KEY and isinstance(value, dict) and unchecked(value):
                return NUMBERS_UNCHECKED, "u", ("PASSED (numbers unchecked)", {"yellow": True})
    return None


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.getgroup("rnnspec", "rnnspec: the Keras recurrent-layer contract").addoption(
        "--rnnspec-require-reference",
        action="store_true",
        default=False,
        help="fail a case whose numbers no reference checks (a custom class registered without a reference)",
    )


def pytest_rnnspec_terminal_summary(terminalreporter: Any, records: list[CaseRecord]) -> None:
    """Says which passing cases had their numbers unchecked, so that "passed" is not read as
    "checked against a reference"."""
    loose = [r for r in records if r["status"] == PASSED and unchecked(r)]
    if loose:
        reasons = sorted({str(r["reference"]) for r in loose})
        terminalreporter.write_line(
            f"numbers unchecked: {len(loose)} passing cases had no reference for their numbers "
            f"({'; '.join(reasons)[:200]}); --rnnspec-require-reference fails them",
            yellow=True,
        )
