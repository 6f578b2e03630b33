"""The upgrade check as options: ``--rnnspec-record`` writes a baseline of every case that
ran, ``--rnnspec-baseline`` fails each case that returns something else than the baseline
(the comparison itself is rnnspec/baseline.py; the items ask ``baseline_of`` for it).

A baseline that cannot be read is a usage error before the run starts (controller side).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from rnnspec.plugins.session import absolute, run_complete, state_of
from rnnspec.record import CaseRecord
from rnnspec.status import RAN

if TYPE_CHECKING:
    from rnnspec.baseline import Baseline
    from rnnspec.compat.compare import Change

_BASELINE = pytest.StashKey["Baseline | None"]()
#: How the recording went: the cases kept from an existing baseline, or why it was not written.
_WRITTEN = pytest.StashKey["int | str"]()
RUN = "pytest spec --rnnspec-baseline=BASELINE --rnnspec-reports=DIR"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("rnnspec", "rnnspec: the Keras recurrent-layer contract")
    group.addoption(
        "--rnnspec-record",
        default=None,
        metavar="PATH",
        help="record every case that ran (structure, dtypes, values) into the baseline PATH (.json or .json.gz), "
        "keeping the cases of an existing PATH that did not run",
    )
    group.addoption(
        "--rnnspec-record-fresh",
        action="store_true",
        default=False,
        help="with --rnnspec-record: start the baseline afresh (by default the cases that ran replace "
        "theirs in an existing baseline and the others are kept)",
    )
    group.addoption(
        "--rnnspec-baseline",
        default=None,
        metavar="PATH",
        help="fail every case whose status, structure, dtypes or values (beyond tolerance) differ from PATH",
    )


def baseline_of(config: pytest.Config) -> Baseline | None:
    """The run recorded with --rnnspec-record that this run is compared with, if any
    (read once per process, on first use)."""
    if _BASELINE not in config.stash:
        path = config.getoption("rnnspec_baseline")
        if not path:
            config.stash[_BASELINE] = None
        else:
            from rnnspec.baseline import Baseline

            config.stash[_BASELINE] = Baseline(Path(path))  # as given: errors quote it
    return config.stash[_BASELINE]


def run_meta(session: pytest.Session, exitstatus: int) -> dict[str, Any]:
    """The run's ``meta`` (rnnspec/plugins/session.py), with the baseline it was compared with."""
    meta = state_of(session.config).meta(complete=run_complete(session, exitstatus))
    baseline = baseline_of(session.config)
    if baseline is not None:
        meta["baseline"] = baseline.recorded_with
    return meta


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("rnnspec_baseline") and not hasattr(config, "workerinput"):
        from rnnspec.baseline import BaselineError

        try:
            baseline_of(config)  # read it now, so that a bad path stops the run before it starts
        except BaselineError as exc:
            raise pytest.UsageError(str(exc)) from None


def pytest_rnnspec_terminal_summary(terminalreporter: Any, records: list[CaseRecord]) -> None:
    """How this run compares with the baseline, and where a recorded one went."""
    tr = terminalreporter
    config = tr.config
    path = config.getoption("rnnspec_baseline")
    baseline = baseline_of(config)
    if path and baseline is not None:
        compared = [r for r in records if r.get("baseline") == "compared"]
        changed = sorted((r for r in compared if r.get("baseline_changes")), key=lambda r: r["id"])
        new = sum(1 for r in records if r.get("baseline") == "new")
        here = {f"{r['case_key']} {r['device']}" for r in records}
        gone = sum(1 for key in baseline.cases if key not in here)
        tr.write_line(
            f"baseline {path} ({baseline.recorded_with}): {len(compared)} cases compared, "
            f"{len(changed)} changed, {new} new, {gone} not run here",
            red=bool(changed),
        )
        if not baseline.meta.get("complete", True):
            ending = baseline.meta.get("completeness") or {}
            tr.write_line(
                f"the baseline was recorded by an incomplete run ({ending.get('reason') or 'interrupted'}): "
                f"the {new} cases it lacks count as not in the baseline, not as unchanged",
                yellow=True,
            )
        depth = config.getoption("rnnspec_depth")
        if baseline.depth != depth:
            tr.write_line(
                f"the baseline was recorded at depth {baseline.depth}, this run is at depth {depth}: "
                "cases only one of them has count as new or not run here, and a relation only one "
                "of them checks can change a status; record and compare at the same depth",
                yellow=True,
            )
        from rnnspec.upgrade import summary_lines

        for line in summary_lines(changes_of(changed)):
            tr.write_line(line)
        if changed:
            tr.write_line("  every change: results.json, contract.md, and upgrade.md beside them (--rnnspec-reports)")
    if config.getoption("rnnspec_record"):
        ran = sum(1 for r in records if r["status"] in RAN)
        written = config.stash.get(_WRITTEN, None)
        if isinstance(written, str):
            tr.write_line(f"baseline not recorded: {written}", red=True)
        else:
            kept = f", {written} other cases kept from it" if written else ""
            ending = state_of(config).completeness()
            said = "" if ending["state"] == "complete" else f", marked incomplete ({ending['reason']})"
            tr.write_line(f"baseline of {ran} cases recorded to {config.getoption('rnnspec_record')}{kept}{said}")


def changes_of(records: Iterable[CaseRecord]) -> dict[str, list[Change]]:
    """Each changed record's changes, by baseline key, as the upgrade summary takes them."""
    from rnnspec.baseline import case_key
    from rnnspec.compat.compare import Change

    return {
        case_key(r): [
            Change(kind, detail)
            for kind, detail in zip(r.get("baseline_change_kinds", []), r.get("baseline_changes", []), strict=True)
        ]
        for r in records
    }


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    config = session.config
    if hasattr(config, "workerinput"):
        return
    state = state_of(config)
    reports = config.getoption("rnnspec_reports", None)
    baseline = baseline_of(config)
    if reports and baseline is not None and state.records:
        from rnnspec.baseline import case_key, ran_with
        from rnnspec.reports import atomic_write
        from rnnspec.upgrade import ADDED, Comparison, page

        changed = changes_of(r for r in state.records.values() if r.get("baseline_changes"))
        changed.update((case_key(r), [ADDED]) for r in state.records.values() if r.get("baseline") == "new")
        compared = sum(1 for r in state.records.values() if r.get("baseline") == "compared")
        now = ran_with(run_meta(session, exitstatus))
        text = page(Comparison(baseline.recorded_with, now, compared, changed), "Changes against the baseline", RUN)
        atomic_write(absolute(reports) / "upgrade.md", text)
    record_to = config.getoption("rnnspec_record")
    if not (record_to and state.records):
        return
    from rnnspec.baseline import BaselineError, write_baseline

    fresh = bool(config.getoption("rnnspec_record_fresh"))
    try:
        config.stash[_WRITTEN] = write_baseline(
            absolute(record_to), state.ran(), run_meta(session, exitstatus), fresh=fresh
        )
    except BaselineError as exc:
        config.stash[_WRITTEN] = str(exc)
        session.exitstatus = pytest.ExitCode.USAGE_ERROR
