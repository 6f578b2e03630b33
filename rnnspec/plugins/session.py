"""What one pytest run keeps, and how each case's report becomes its status.

The other plugin modules reach the run's state through ``state_of(config)``. Under xdist the
records arrive on the controller with the workers' reports (``user_properties``), so every
result is merged here exactly once, whichever process ran it. Not-applicable cases get their
own status here (``pytest_report_teststatus``), so pytest's summary line counts them.
"""

from __future__ import annotations

import platform
from collections import Counter, defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

from rnnspec.journal import Journal, completeness, incomplete_text
from rnnspec.record import RECORD_KEY, CaseRecord
from rnnspec.status import FAILED, NOT_APPLICABLE, RAN, UNFINISHED, XFAILED, XPASSED, Status

_STATE = pytest.StashKey["SessionState"]()


class SessionState:
    """One session's shared state (the controller's, under xdist, for the records)."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.records: dict[str, CaseRecord] = {}
        self.spec_errors: list[str] = []
        self.spec_error_items: list[pytest.Item] = []
        #: Does this project have spec files at all? Set by the collection plugin; when not,
        #: rnnspec stays out of the run (no markers, no header, no Keras import).
        self.active = False
        #: The devices cases are generated for, and the table name -> device overrides
        #: (set by the devices plugin once the options are validated).
        self.selected_devices: tuple[str, ...] = ()
        self.device_map: dict[str, str] = {}
        self.worker_environment: dict[str, Any] | None = None
        self.ran_cases = False
        self._registry: Any = None
        self._devices: dict[str, str | None] | None = None
        self._memo: Any = None
        #: How many cases the run collected (the largest count a worker reported under xdist).
        self.collected: int | None = None
        #: Why the run stopped before its end ("interrupted by SIGINT"), None while it runs on.
        self.stopped: str | None = None
        #: The journal the records are appended to as they arrive (rnnspec/journal.py), opened
        #: by the reports plugin on the controller.
        self.journal: Journal | None = None

    @property
    def memo(self) -> Any:
        """This process's shared layer calls (rnnspec/calls.py); one per session and worker."""
        if self._memo is None:
            from rnnspec.calls import CallMemo

            self._memo = CallMemo()
        return self._memo

    @property
    def registry(self) -> Any:
        """The layers tables may name: Keras's, and those conftest files register."""
        if self._registry is None:
            from rnnspec.registry import keras_layer_registry

            self._registry = keras_layer_registry()
            self.config.hook.pytest_rnnspec_register_layers(registry=self._registry)
        return self._registry

    @property
    def devices(self) -> dict[str, str | None]:
        """Table device name -> the backend's device here, None when absent (imports Keras)."""
        if self._devices is None:
            from rnnspec.devices import resolve_devices

            self._devices = resolve_devices(self.device_map)
        return self._devices

    def environment(self) -> dict[str, Any]:
        """The versions and GPU of this process's Keras (imports it)."""
        from rnnspec.kerasapi import gpu_description, versions

        return {"versions": versions(), "gpu": gpu_description()}

    def known_environment(self) -> dict[str, Any]:
        """The workers' environment, this process's when it ran cases, else the installed
        versions from package metadata: an xdist controller whose workers were stopped before
        they said theirs does not import Keras (seconds) to write the reports of a stopped run."""
        if self.worker_environment is not None:
            return self.worker_environment
        if not self.config.pluginmanager.hasplugin("dsession"):
            return self.environment()
        return installed_environment()

    def meta(self, complete: bool) -> dict[str, Any]:
        """The ``meta`` of results.json and of a baseline: what this run ran with (the
        baseline plugin adds the baseline compared with, rnnspec/plugins/baseline.py).
        ``complete`` only when nothing stopped the run and every collected case has a result."""
        environment = self.known_environment()
        ending = self.completeness()
        return {
            "versions": environment["versions"],
            "gpu": environment["gpu"],
            "devices": list(self.selected_devices),
            "depth": self.config.getoption("rnnspec_depth"),
            "complete": complete and ending["state"] == "complete",
            "completeness": ending,
            "spec_errors": sorted(set(self.spec_errors)),
        }

    def completeness(self) -> dict[str, Any]:
        """``meta.completeness``: how the run ended and how many cases have no result."""
        return completeness(self.collected, self.records, self.stopped)

    def stop(self, reason: str) -> None:
        """Note why the run stops early (the first reason wins)."""
        if self.stopped is None:
            self.stopped = reason

    def ran(self) -> list[CaseRecord]:
        """Records of the cases that were built and called."""
        return [r for r in self.records.values() if r["status"] in RAN]


def installed_environment() -> dict[str, Any]:
    """The versions from package metadata (no Keras import), and no GPU known."""
    from rnnspec.installed import installed_versions

    python = {"python": platform.python_version(), "python_minor": ".".join(platform.python_version_tuple()[:2])}
    return {"versions": {**installed_versions(), **python}, "gpu": None}


def state_of(config: pytest.Config) -> SessionState:
    return config.stash[_STATE]


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    state = SessionState(config)
    config.stash[_STATE] = state
    config.pluginmanager.register(_Records(state), "rnnspec-records")


def _not_applicable(report: pytest.TestReport) -> str | None:
    for key, value in report.user_properties:
        if key == RECORD_KEY and isinstance(value, dict) and value.get("not_applicable"):
            return str(value["not_applicable"])
    return None


def pytest_report_teststatus(report: pytest.TestReport) -> tuple[str, str, tuple[str, dict[str, bool]]] | None:
    """A case this release cannot build is neither passed nor skipped: ``not_applicable``."""
    if report.when == "call" and report.skipped and _not_applicable(report) is not None:
        return NOT_APPLICABLE, "n", ("NOT APPLICABLE", {"yellow": True})
    return None


def status_of(report: pytest.TestReport) -> Status:
    """The status (rnnspec/status.py) a case's setup or call report gives it."""
    if hasattr(report, "wasxfail"):
        return XFAILED if report.skipped else XPASSED
    if report.skipped and _not_applicable(report) is not None:
        return NOT_APPLICABLE
    return report.outcome  # passed, failed or skipped


class _Records:
    """The records of the run, merged from the reports (registered per session)."""

    def __init__(self, state: SessionState) -> None:
        self.state = state

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        records = self.state.records
        if report.when not in ("setup", "call"):
            # xdist reports a case whose worker died with when="???" and no properties
            crashed = records.get(report.nodeid)
            if crashed is not None and report.failed:
                # a worker that stopped because the run was interrupted did not crash
                crashed["status"] = UNFINISHED if self.state.stopped else FAILED
                crashed["error"] = f"no result: {report.longreprtext.strip()[:200]}"
                self._journal(crashed)
            return
        for key, value in report.user_properties:
            if key != RECORD_KEY or not isinstance(value, dict):
                continue
            if "spec_errors" in value:
                self.state.spec_errors += value["spec_errors"]
                if self.state.journal is not None:
                    self.state.journal.write("spec_errors", errors=value["spec_errors"])
                continue
            record: CaseRecord = dict(value)  # type: ignore[assignment]  # as the item built it
            if report.when == "setup" and report.passed:
                record["status"] = UNFINISHED  # until its call report arrives
            else:
                record["status"] = status_of(report)
                record["duration"] = report.duration
            records[record["id"]] = record
            self._journal(record)

    def _journal(self, record: CaseRecord) -> None:
        """A case's record with its final status goes to the journal as it arrives."""
        if self.state.journal is not None and record["status"] != UNFINISHED:
            self.state.journal.case(record)

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        if not self.state.config.pluginmanager.hasplugin("dsession"):
            self._collected(case_count(item.nodeid for item in session.items))

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node: Any, ids: list[str]) -> None:
        self._collected(case_count(ids))

    def _collected(self, count: int) -> None:
        if count > (self.state.collected or 0):
            self.state.collected = count
            if self.state.journal is not None:
                self.state.journal.write("collected", count=count)

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: Any) -> None:
        """The versions and GPU a worker ran with (see pytest_sessionfinish below)."""
        if error == "keyboard-interrupt":  # xdist's word for a worker's KeyboardInterrupt
            self.state.stop(f"interrupted by KeyboardInterrupt on worker {getattr(node.gateway, 'id', '?')}")
        environment = getattr(node, "workeroutput", {}).get(RECORD_KEY)
        if environment and self.state.worker_environment is None:
            self.state.worker_environment = environment
            if self.state.journal is not None:
                self.state.journal.write("environment", **environment)

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        config = self.state.config
        if hasattr(config, "workerinput") and self.state.ran_cases:  # only then is Keras imported here
            config.workeroutput[RECORD_KEY] = self.state.environment()  # type: ignore[attr-defined]
        elif self.state.active:
            run_complete(session, exitstatus)  # notes why the run stopped, for the summary

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        """Counts per title and device, spec errors, then each feature's lines."""
        state = self.state
        if not state.records and not state.spec_errors:
            return
        tr = terminalreporter
        tr.section("rnnspec")
        counts: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
        for record in state.records.values():
            counts[(record["title"], record["device"])][record["status"]] += 1
        for (title, device), counter in sorted(counts.items()):
            tr.write_line(f"{title:<32} {device:<4} " + ", ".join(f"{n} {s}" for s, n in sorted(counter.items())))
        for error in sorted(set(state.spec_errors)):
            tr.write_line(f"spec error: {error.splitlines()[0]}", red=True)
        ending = state.completeness()
        if ending["state"] != "complete":
            tr.write_line(f"incomplete run: {incomplete_text(ending)}", red=True)
        config = state.config
        config.hook.pytest_rnnspec_terminal_summary(terminalreporter=tr, records=list(state.records.values()))


def case_count(nodeids: Iterable[str]) -> int:
    """How many of these items are spec cases (a table's items but its spec-error item): the
    controller under xdist has the workers' node ids only, so the count reads ids alone."""
    return sum(1 for i in nodeids if i.split("::", 1)[0].endswith((".yaml", ".yml")) and not i.endswith("::spec-error"))


def absolute(path: str) -> Path:
    """A path option as given, relative to the working directory."""
    out = Path(path)
    return out if out.is_absolute() else Path.cwd() / out


def run_complete(session: pytest.Session, exitstatus: int) -> bool:
    """Did the run reach its end (not interrupted, not stopped by -x) with a result for every
    collected case? Notes why not (``SessionState.stopped``) when it can tell."""
    state = state_of(session.config)
    if exitstatus == pytest.ExitCode.INTERRUPTED:
        state.stop("interrupted by KeyboardInterrupt")
    elif session.shouldstop:
        state.stop(f"stopped ({session.shouldstop})")
    return bool(state.completeness()["state"] == "complete")
