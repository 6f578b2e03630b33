"""The pytest plugin: spec files become test items, results become reports.

Registered through the ``pytest11`` entry point (and by the repository's root conftest.py),
so ``pytest`` alone collects every YAML file under the ``rnnspec_paths`` folders (``spec/``
by default) next to ordinary Python tests. Each case is one item, named
``Title[table-flags-device]``; ``-k``, ``-m cpu|gpu`` and ``-n`` work as usual.
"""

from __future__ import annotations

import atexit
import gc
import os
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from rnnspec import DEPTHS, hookspecs
from rnnspec.errors import SpecError, SpecErrors

RECORD_KEY = "rnnspec"
STATE = pytest.StashKey["SessionState"]()


class SessionState:
    """What the plugin keeps for one pytest session (controller side under xdist)."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.records: dict[str, dict[str, Any]] = {}
        self.spec_errors: list[str] = []
        self.spec_error_items: list[pytest.Item] = []
        self._registry: Any = None
        self._devices: dict[str, str | None] | None = None
        self._memo: Any = None
        self.worker_environment: dict[str, Any] | None = None
        self._baseline: Any = None
        self.ran_cases = False

    @property
    def baseline(self) -> Any:
        """The run recorded with --rnnspec-record that this run is compared with, if any."""
        path = self.config.getoption("rnnspec_baseline")
        if path and self._baseline is None:
            from rnnspec.baseline import Baseline

            self._baseline = Baseline(Path(path))
        return self._baseline

    @property
    def memo(self) -> Any:
        """This process's shared layer calls (rnnspec/calls.py); one per session and worker."""
        if self._memo is None:
            from rnnspec.calls import CallMemo

            self._memo = CallMemo()
        return self._memo

    @property
    def registry(self) -> Any:
        if self._registry is None:
            from rnnspec.registry import keras_layer_registry

            self._registry = keras_layer_registry()
            self.config.hook.pytest_rnnspec_register_layers(registry=self._registry)
        return self._registry

    @property
    def devices(self) -> dict[str, str | None]:
        if self._devices is None:
            from rnnspec.devices import parse_device_map, resolve_devices

            self._devices = resolve_devices(parse_device_map(self.config.getoption("rnnspec_device_map")))
        return self._devices

    def selected_devices(self) -> tuple[str, ...]:
        text = self.config.getoption("rnnspec_devices")
        return tuple(d.strip() for d in text.split(",") if d.strip())

    # The hooks below run on the controller; under xdist the records arrive with the
    # workers' reports (user_properties), so every result is merged exactly once here.

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        """A bad spec file fails the run even when -k or -m deselected its error item."""
        selected = {id(item) for item in items}
        items.extend(item for item in self.spec_error_items if id(item) not in selected)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when not in ("setup", "call"):
            # xdist reports a case whose worker died with when="???" and no properties
            crashed = self.records.get(report.nodeid)
            if crashed is not None and report.failed:
                crashed.update(status="failed", error=f"no result: {report.longreprtext.strip()[:200]}")
            return
        for key, value in report.user_properties:
            if key != RECORD_KEY or not isinstance(value, dict):
                continue
            if "spec_errors" in value:
                self.spec_errors += value["spec_errors"]
                continue
            record = dict(value)
            if report.when == "setup" and report.passed:
                record["status"] = "unfinished"  # until its call report arrives
            else:
                record["status"] = _status(report)
                record["duration"] = report.duration
                if record["status"] == "skipped" and record.get("not_applicable"):
                    record["status"] = "not_applicable"
            self.records[record["id"]] = record

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if not self.records and not self.spec_errors:
            return
        tr = terminalreporter
        tr.section("rnnspec")
        counts: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
        for record in self.records.values():
            counts[(record["title"], record["device"])][record["status"]] += 1
        for (title, device), counter in sorted(counts.items()):
            tr.write_line(f"{title:<32} {device:<4} " + ", ".join(f"{n} {s}" for s, n in sorted(counter.items())))
        for error in sorted(set(self.spec_errors)):
            tr.write_line(f"spec error: {error.splitlines()[0]}", red=True)
        self._deferred_summary(tr)
        self._baseline_summary(tr)
        reports = self.config.getoption("rnnspec_reports")
        if reports:
            tr.write_line(f"reports written to {reports}/ (contract.md, results.json)")
        else:
            tr.write_line("no reports written (pass --rnnspec-reports=DIR, or run `make spec`)")

    def _deferred_summary(self, tr: Any) -> None:
        """Says what the depth left out, so that a standard run is never read as exhaustive."""
        ran = [r for r in self.records.values() if r["status"] in RAN]
        deferred = [r for r in ran if r.get("deferred")]
        if deferred:
            checks = sum(len(r["deferred"]) for r in deferred)
            tr.write_line(
                f"depth {self.config.getoption('rnnspec_depth')}: {checks} checks of relations that make extra calls, "
                f"on {len(deferred)} of {len(ran)} cases, left to --rnnspec-depth=exhaustive "
                "(each file's standard: extra_calls says where they run)"
            )

    def _baseline_summary(self, tr: Any) -> None:
        path = self.config.getoption("rnnspec_baseline")
        if path:
            baseline = self.baseline
            compared = [r for r in self.records.values() if r.get("baseline") == "compared"]
            changed = sorted((r for r in compared if r.get("baseline_changes")), key=lambda r: r["id"])
            new = sum(1 for r in self.records.values() if r.get("baseline") == "new")
            here = {f"{r['case_key']} {r['device']}" for r in self.records.values()}
            gone = sum(1 for key in baseline.cases if key not in here)
            tr.write_line(
                f"baseline {path} ({baseline.recorded_with}): {len(compared)} cases compared, "
                f"{len(changed)} changed, {new} new, {gone} not run here",
                red=bool(changed),
            )
            depth = self.config.getoption("rnnspec_depth")
            if baseline.depth != depth:
                tr.write_line(
                    f"the baseline was recorded at depth {baseline.depth}, this run is at depth {depth}: "
                    "cases only one of them has count as new or not run here, and a relation only one "
                    "of them checks can change a status; record and compare at the same depth",
                    yellow=True,
                )
            for record in changed[:50]:
                tr.write_line(f"  {record['id']}: {'; '.join(record['baseline_changes'])}")
            if len(changed) > 50:
                tr.write_line(f"  ... and {len(changed) - 50} more (results.json, contract.md)")
        if self.config.getoption("rnnspec_record"):
            ran = sum(1 for r in self.records.values() if r["status"] in RAN)
            tr.write_line(f"baseline of {ran} cases recorded to {self.config.getoption('rnnspec_record')}")

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        target = self.config.getoption("rnnspec_reports")
        if hasattr(self.config, "workerinput"):
            if self.ran_cases:  # only then is Keras imported here
                self.config.workeroutput[RECORD_KEY] = self.environment()  # type: ignore[attr-defined]
            return
        record_to = self.config.getoption("rnnspec_record")
        if not (record_to and self.records) and not (target and (self.records or self.spec_errors)):
            return
        complete = exitstatus != pytest.ExitCode.INTERRUPTED and not session.shouldstop
        meta = self.meta(complete=bool(complete))
        if record_to and self.records:
            from rnnspec.baseline import write_baseline

            ran = [r for r in self.records.values() if r["status"] in RAN]
            write_baseline(_absolute(record_to), ran, meta)
        if not target or not (self.records or self.spec_errors):
            return
        from rnnspec.reports import write_contract, write_results

        directory = _absolute(target)
        records = [{k: v for k, v in r.items() if k != "tensors"} for r in self.records.values()]
        write_results(directory / "results.json", records, meta)
        write_contract(directory / "contract.md", records, meta)

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: Any) -> None:
        """The versions and GPU a worker ran with (see pytest_sessionfinish on the worker)."""
        environment = getattr(node, "workeroutput", {}).get(RECORD_KEY)
        if environment and self.worker_environment is None:
            self.worker_environment = environment

    def environment(self) -> dict[str, Any]:
        from rnnspec.devices import gpu_description
        from rnnspec.kerasapi import versions

        return {"versions": versions(), "gpu": gpu_description()}

    def meta(self, complete: bool) -> dict[str, Any]:
        environment = self.worker_environment or self.environment()
        return {
            "versions": environment["versions"],
            "gpu": environment["gpu"],
            "devices": list(self.selected_devices()),
            "depth": self.config.getoption("rnnspec_depth"),
            "complete": complete,
            "spec_errors": sorted(set(self.spec_errors)),
            **({"baseline": self.baseline.recorded_with} if self.baseline is not None else {}),
        }


def pytest_addhooks(pluginmanager: pytest.PytestPluginManager) -> None:
    pluginmanager.add_hookspecs(hookspecs)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """One worker per spec file (rnnspec/scheduling.py) when -n asks for xdist's default ``load``;
    any other ``--dist`` is honoured as given."""
    if config.getvalue("dist") != "load":
        return None
    from rnnspec.scheduling import SpecFileScheduling

    return SpecFileScheduling(config, log)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("rnnspec", "rnnspec: the Keras recurrent-layer contract")
    group.addoption(
        "--rnnspec-devices",
        default="cpu,gpu",
        metavar="LIST",
        help="devices to generate cases for, comma-separated (default: cpu,gpu)",
    )
    group.addoption(
        "--rnnspec-device-map",
        default=None,
        metavar="MAP",
        help="place a device name on another device, e.g. gpu=cpu:1 (to test the device axis on CPU)",
    )
    group.addoption(
        "--rnnspec-depth",
        default="standard",
        choices=DEPTHS,
        help="standard (default): each file's cross narrowed where its `standard:` says; "
        "exhaustive: every combination of every table (make spec, make test and tox use it)",
    )
    group.addoption(
        "--rnnspec-reports",
        default=None,
        metavar="DIR",
        help="write results.json and contract.md into DIR at the end of the run",
    )
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
    parser.addini(
        "rnnspec_paths",
        type="paths",
        default=[Path("spec")],
        help="folders whose *.yaml files are rnnspec tables (default: spec)",
    )


def _exit_without_final_collection() -> None:
    """At exit, Python's last garbage collections walk every object TensorFlow and Keras made,
    about 2 s per process on a 2-core machine, and the xdist controller waits for each worker's.
    Nothing runs after this: freezing the heap (``gc.freeze``) lets the process end at once."""
    gc.freeze()


atexit.register(_exit_without_final_collection)  # once per process: the module is imported once


def pytest_configure(config: pytest.Config) -> None:
    state = SessionState(config)
    if config.getoption("rnnspec_baseline") and not hasattr(config, "workerinput"):
        from rnnspec.baseline import BaselineError

        try:
            state.baseline  # noqa: B018 - read it now, so that a bad path stops the run before it starts
        except BaselineError as exc:
            raise pytest.UsageError(str(exc)) from None
    config.stash[STATE] = state
    config.pluginmanager.register(state, "rnnspec-session")
    for name, text in (
        ("rnnspec", "a case generated from a spec table"),
        ("cpu", "runs on the CPU"),
        ("gpu", "runs on a GPU (skipped without one)"),
    ):
        config.addinivalue_line("markers", f"{name}: {text}")


def _spec_roots(config: pytest.Config) -> list[Path]:
    roots = []
    for entry in config.getini("rnnspec_paths"):
        path = Path(entry)
        roots.append(path if path.is_absolute() else config.rootpath / path)
    return [r.resolve() for r in roots]


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    from rnnspec.inherit import is_table_file

    if not is_table_file(file_path):  # a suite or a fragment (``_*.yaml``) is read through its tables
        return None
    resolved = file_path.resolve()
    if any(resolved.is_relative_to(root) for root in _spec_roots(parent.config)):
        return SpecCollector.from_parent(parent, path=file_path)
    return None


class SpecCollector(pytest.File):
    """One spec file: its cases, or a single item that reports why the file is bad."""

    def collect(self) -> Iterator[pytest.Item]:
        from rnnspec.spec import collect_cases

        state = self.config.stash[STATE]
        try:
            cases = collect_cases(
                self.path, state.registry, state.selected_devices(), self.config.getoption("rnnspec_depth")
            )
        except (SpecErrors, SpecError) as exc:
            errors = exc.errors if isinstance(exc, SpecErrors) else [exc]
            item = SpecErrorItem.from_parent(self, name="spec-error", errors=errors)
            state.spec_error_items.append(item)
            yield item
            return
        for case in cases:
            yield CaseItem.from_parent(self, name=case.name, case=case)


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


class CaseFailure(Exception):
    """A case whose returns or relations differ from its table; carries the whole story."""


class CaseItem(pytest.Item):
    """One layer x flags x device combination from a table."""

    def __init__(self, *, case: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.case = case
        self.add_marker("rnnspec")
        self.add_marker(case.device)

    def _base_record(self) -> dict[str, Any]:
        from rnnspec.runner import expected_arity, expected_text
        from rnnspec.structure import format_structure

        case = self.case
        root = self.config.rootpath
        try:
            file = case.path.resolve().relative_to(root).as_posix()
        except ValueError:
            file = case.path.as_posix()
        return {
            "id": self.nodeid,
            "name": self.name,
            "case_key": case.case_key,
            "file": file,
            "line": case.line,
            "order": case.index,
            "title": case.title,
            "table": case.table,
            "flags": case.flags,
            "device": case.device,
            "layer": case.node["class"],
            "node": case.node,
            "build_text": case.build_text,
            "values": dict(case.values),
            "inputs": format_structure(case.inputs),
            "input_shape": [d.evaluate(case.sizes) for d in case.inputs.dims],
            "sizes": dict(case.sizes),
            "description": case.description,
            "returns": case.expectation.returns_text,
            "expected": expected_text(case),
            "expected_arity": expected_arity(case.expectation.returns),
            "relations": list(case.expectation.relations),
            "deferred": list(case.deferred),
            "explained": sorted(
                {f"{d.relation} does not hold: {d.reason}" for d in case.expectation.deviations}
                | {
                    f"raises {case.expectation.raises}: {n}" if case.expectation.raises else n
                    for n in case.expectation.notes
                }
                | ({case.not_applicable} if case.not_applicable else set())
            ),
        }

    def setup(self) -> None:
        # Recorded before the call, so that a case whose worker dies or whose run is
        # interrupted still appears in the reports, as unfinished.
        self.record = self._base_record()
        self.user_properties.append((RECORD_KEY, self.record))

    def runtest(self) -> None:
        from rnnspec.runner import run_case

        state = self.config.stash[STATE]
        state.ran_cases = True
        record = self.record
        if self.case.not_applicable:
            record["not_applicable"] = self.case.not_applicable
            pytest.skip(self.case.not_applicable)
        target = state.devices.get(self.case.device)
        if target is None:
            from rnnspec.kerasapi import backend_name

            reason = f"no {self.case.device.upper()} visible to the {backend_name()} backend on this machine"
            record["skip_reason"] = reason
            pytest.skip(reason)
        outcome = run_case(self.case, state.registry, target, state.memo)
        record.update(
            expected=outcome.expected_text,
            actual=outcome.actual_text,
            arity=outcome.arity,
            placed=outcome.placed,
            timings=outcome.timings,
            problems=outcome.problems,
            relation_failures=outcome.relation_failures,
            error=outcome.error,
            max_error=outcome.max_error,
            reference=outcome.reference,
            deviations=outcome.deviations,
            numbers=outcome.values,
        )
        xfail = self.case.xfail
        changes = self._against_baseline(state, outcome)
        if changes and outcome.ok and (xfail is None or not xfail.strict):
            raise CaseFailure(
                self._explain(outcome, f"returns something else than the baseline ({state.baseline.recorded_with})")
            )
        if outcome.ok:
            if xfail is not None and xfail.strict:
                raise CaseFailure(
                    self._explain(
                        outcome,
                        f"expected to fail ({xfail.reason}, "
                        f"{self.case.path.name}:{xfail.line}) but passed: "
                        "the deviation may be fixed; update the table",
                    )
                )
            return
        if xfail is not None:
            record["xfail_reason"] = xfail.reason
            pytest.xfail(f"{xfail.reason} [{'; '.join([*outcome.problems, *outcome.relation_failures])}]")
        raise CaseFailure(self._explain(outcome, "the layer does not return what the table says"))

    def _against_baseline(self, state: SessionState, outcome: Any) -> list[str]:
        """Keeps what a baseline needs in the record, and how this run differs from the baseline."""
        from rnnspec.baseline import case_key, changes, tensors

        record, xfail = self.record, self.case.xfail
        record["tolerance"] = self.case.tolerance
        if self.config.getoption("rnnspec_record"):
            record["tensors"] = tensors(outcome.arrays or [])
        if state.baseline is None:
            return []
        if outcome.ok:
            status = "failed" if xfail is not None and xfail.strict else "passed"
        else:
            status = "xfailed" if xfail is not None else "failed"
        before = state.baseline.cases.get(case_key(record))
        record["baseline"] = "compared" if before is not None else "new"
        found = changes(before, status, outcome.actual_text, outcome.arrays, self.case.tolerance)
        if found:
            record["baseline_changes"] = found
        return found

    def _explain(self, outcome: Any, headline: str) -> str:
        from rnnspec.runner import reproduction

        case = self.case
        lines = [
            f"{case.path}:{case.line}: {self.name}: {headline}",
            f"  rows:      {', '.join(f'{case.path.name}:{r}' for r in case.expectation.rows)}",
            f"  expected:  {outcome.expected_text}   # {case.expectation.returns_text}",
            f"  actual:    {outcome.actual_text or '(raised)'}",
        ]
        if outcome.error:
            lines.append(f"  raised:    {outcome.error}")
        lines += [f"  - {p}" for p in outcome.problems]
        lines += [f"  - against the baseline: {c}" for c in self.record.get("baseline_changes", [])]
        for name, problems in outcome.relation_failures.items():
            lines += [f"  relation {name} does not hold:"] + [f"    - {p}" for p in problems]
        registry = self.config.stash[STATE].registry
        lines += ["", "reproduce with:"] + ["    " + line for line in reproduction(case, registry).splitlines()]
        return "\n".join(lines)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, CaseFailure):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, self.case.line - 1, self.name


#: Statuses of cases that were built and called (a baseline keeps only those).
RAN = ("passed", "failed", "xfailed", "xpassed")


def _absolute(path: str) -> Path:
    out = Path(path)
    return out if out.is_absolute() else Path(os.getcwd()) / out


def _status(report: pytest.TestReport) -> str:
    if hasattr(report, "wasxfail"):
        return "xfailed" if report.skipped else "xpassed"
    return str(report.outcome)


def pytest_report_header(config: pytest.Config) -> list[str]:
    if config.pluginmanager.hasplugin("dsession"):  # the xdist controller runs no case
        from rnnspec.installed import installed_versions

        v = installed_versions()
        return [
            f"rnnspec: keras {v['keras']} ({v['backend']}), tensorflow {v['tensorflow']}, numpy {v['numpy']} "
            f"(installed); devices are resolved on each worker; depth {config.getoption('rnnspec_depth')}"
        ]
    from rnnspec.kerasapi import versions

    state = config.stash[STATE]
    v = versions()
    devices = ", ".join(f"{k}={v_ or 'absent'}" for k, v_ in state.devices.items())
    return [
        f"rnnspec: keras {v['keras']} ({v['backend']}), tensorflow {v['tensorflow']}, numpy {v['numpy']}; "
        f"devices: {devices}; depth {config.getoption('rnnspec_depth')}"
    ]
