"""The upgrade check as options: ``--rnnspec-record`` writes a baseline of every case that
ran, ``--rnnspec-baseline`` fails each case that returns something else than the baseline
(the comparison itself is rnnspec/baseline.py; the items ask ``baseline_of`` for it).

A baseline that cannot be read is a usage error before the run starts (controller side).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from rnnspec.plugins.session import absolute, run_complete, state_of
from rnnspec.record import CaseRecord
from rnnspec.status import RAN

if TYPE_CHECKING:
    from rnnspec.baseline import Baseline

_BASELINE = pytest.StashKey["Baseline | None"]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("rnnspec", "rnnspec: the Keras recurrent-layer contract")
    group.addoption(
        "--rnnspec-record",
        default=None,
        metavar="PATH",
        help="write a baseline of every case that ran (structure, dtypes, values) to PATH (.json or .json.gz)",
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
        for record in changed[:50]:
            tr.write_line(f"  {record['id']}: {'; '.join(record.get('baseline_changes', []))}")
        if len(changed) > 50:
            tr.write_line(f"  ... and {len(changed) - 50} more (results.json, contract.md)")
    if config.getoption("rnnspec_record"):
        ran = sum(1 for r in records if r["status"] in RAN)
        ending = state_of(config).completeness()
        said = "" if ending["state"] == "complete" else f", marked incomplete ({ending['reason']})"
        tr.write_line(f"baseline of {ran} cases recorded to {config.getoption('rnnspec_record')}{said}")


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    config = session.config
    record_to = config.getoption("rnnspec_record")
    state = state_of(config)
    if hasattr(config, "workerinput") or not (record_to and state.records):
        return
    from rnnspec.baseline import write_baseline

    write_baseline(absolute(record_to), state.ran(), run_meta(session, exitstatus))
