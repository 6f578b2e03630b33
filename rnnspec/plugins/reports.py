"""The reports as an option: ``--rnnspec-reports=DIR`` writes results.json and contract.md
(rendered by rnnspec/reports.py) at the end of the run, on the controller only, and the
summary says where they went.

The controller appends each case's record to DIR/journal.jsonl as it arrives
(rnnspec/journal.py) and renders the reports from that journal at the end, so that an
interrupted run's reports hold what ran and a killed run's can be rebuilt
(``python -m rnnspec.reports rebuild DIR``). A DIR that cannot be a writable folder is a usage
error before anything runs.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pytest

from rnnspec.journal import JOURNAL, Journal, replay, report_inputs
from rnnspec.plugins.baseline import run_meta
from rnnspec.plugins.collection import spec_roots
from rnnspec.plugins.session import absolute, installed_environment, state_of
from rnnspec.record import CaseRecord
from rnnspec.status import UNFINISHED


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


def check_folder(option: str, value: str) -> Path:
    """The folder VALUE names, created if need be; a usage error naming OPTION=VALUE when it
    is a file or cannot be written (tried with a file, which also holds for root)."""
    directory = absolute(value)
    if directory.exists() and not directory.is_dir():
        raise pytest.UsageError(f"{option}={value}: {directory} is a file, not a folder")
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=directory):
            pass
    except OSError as exc:
        raise pytest.UsageError(f"{option}={value}: cannot write into this folder ({exc.strerror or exc})") from None
    return directory


def pytest_configure(config: pytest.Config) -> None:
    target = config.getoption("rnnspec_reports")
    if target and not hasattr(config, "workerinput"):
        check_folder("--rnnspec-reports", target)


def pytest_sessionstart(session: pytest.Session) -> None:
    """Open the journal (controller only): each case's record is appended as it arrives."""
    config = session.config
    target = config.getoption("rnnspec_reports")
    state = state_of(config)
    if hasattr(config, "workerinput") or not target or not state.active:
        return
    state.journal = Journal(absolute(target) / JOURNAL)
    # the versions from package metadata until a worker says its own (a rebuild reads both)
    meta = {"devices": list(state.selected_devices), "spec_errors": [], **installed_environment()}
    # the tables as they are when the run starts: the version matrix marks results made from
    # other tables as stale (rnnspec/compat/digest.py)
    from rnnspec.compat.digest import tables_digest

    meta["tables_digest"] = tables_digest(spec_roots(config))
    state.journal.write(
        "start", meta={**meta, "depth": config.getoption("rnnspec_depth"), "rootdir": str(config.rootpath)}
    )


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """The journal's last lines (unfinished cases, how the run ended), then the reports
    rendered from it."""
    config = session.config
    state = state_of(config)
    journal = state.journal
    if journal is None:
        return
    meta = run_meta(session, exitstatus)
    for record in state.records.values():
        if record["status"] == UNFINISHED:
            journal.case(record)
    journal.write("end", completeness=meta["completeness"])
    journal.close()
    if not (state.records or state.spec_errors or state.stopped):
        return  # nothing ran, nothing stopped it (e.g. -k matched nothing): no reports
    from rnnspec.reports import write_contract, write_results

    # What each spec file that ran says about other releases and backends, for its contract
    # section, is read again there: the controller under xdist compiled no table.
    records, meta = report_inputs(replay(journal.path), meta, config.rootpath, state.stopped)
    directory = journal.path.parent
    write_results(directory / "results.json", records, meta)
    write_contract(directory / "contract.md", records, meta)
