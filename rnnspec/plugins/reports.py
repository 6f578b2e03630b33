"""The reports as an option: ``--rnnspec-reports=DIR`` writes results.json and contract.md
(rendered by rnnspec/reports.py) from the run's records at the end of the run, on the
controller only, and the summary says where they went.
"""

from __future__ import annotations

from typing import Any

import pytest

from rnnspec.plugins.baseline import run_meta
from rnnspec.plugins.session import absolute, state_of
from rnnspec.record import CaseRecord


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("rnnspec", "rnnspec: the Keras recurrent-layer contract")
    group.addoption(
        "--rnnspec-reports",
        default=None,
        metavar="DIR",
        help="write results.json and contract.md into DIR at the end of the run",
    )


@pytest.hookimpl(trylast=True)
def pytest_rnnspec_terminal_summary(terminalreporter: Any, records: list[CaseRecord]) -> None:
    reports = terminalreporter.config.getoption("rnnspec_reports")
    if reports:
        terminalreporter.write_line(f"reports written to {reports}/ (contract.md, results.json)")
    else:
        terminalreporter.write_line("no reports written (pass --rnnspec-reports=DIR, or run `make spec`)")


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    config = session.config
    target = config.getoption("rnnspec_reports")
    state = state_of(config)
    if hasattr(config, "workerinput") or not target or not (state.records or state.spec_errors):
        return
    from rnnspec.findings import elsewhere
    from rnnspec.reports import write_contract, write_results

    meta = run_meta(session, exitstatus)
    # What each spec file that ran says about other releases and backends, for its contract
    # section (read again here: the controller under xdist compiled no table).
    files = sorted({record["file"] for record in state.records.values()})
    found = {file: elsewhere(config.rootpath / file, meta["versions"]) for file in files}
    meta["elsewhere"] = {file: texts for file, texts in found.items() if texts}
    meta["coverage"] = _coverage(config.rootpath, state.records.values())
    directory = absolute(target)
    records = [{k: v for k, v in r.items() if k != "tensors"} for r in state.records.values()]
    write_results(directory / "results.json", records, meta)
    write_contract(directory / "contract.md", records, meta)


def _coverage(root: Any, records: Any) -> dict[str, dict[str, list[int]]]:
    """Per file, the pairs and triples of axis values the cases that ran took (rnnspec/coverage.py)."""
    from rnnspec.coverage import file_coverage
    from rnnspec.status import RAN

    ran: dict[str, list[Any]] = {}
    for record in records:
        if record["status"] in RAN:
            ran.setdefault(record["file"], []).append(record["values"])
    found = {file: file_coverage(root / file, values) for file, values in sorted(ran.items())}
    return {file: counts for file, counts in found.items() if counts is not None}
