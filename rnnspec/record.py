"""The case record: what one case was, what it expected and what it got, as one typed mapping.

One record per case travels from the worker that ran it to the controller (xdist's
``user_properties``, so it must stay plain JSON-able data: a ``TypedDict``, not a class), and
from there into results.json, contract.md, the baseline and the version matrix. Every key is
named here once; the two functions below are the only places that fill a record. The keys are
results.json's: renaming one changes the file format (its JSON Schema is written from them).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict

from rnnspec.status import Status

if TYPE_CHECKING:  # both import Keras (through the registry); the record needs only their values
    from rnnspec.runner import Outcome
    from rnnspec.spec import Case

#: The key of the record in an item's ``user_properties`` (and of a worker's environment in
#: ``workeroutput``).
RECORD_KEY = "rnnspec"


class CaseRecord(TypedDict, total=False):
    """One case. Keys up to ``explained`` are known before the call (``case_record``); the
    rest are added by the call (``add_outcome``), by the status it ends in, or by a baseline."""

    # --- what the case is (from the table, before anything runs)
    id: str  # pytest node id, e.g. "spec/lstm.yaml::LSTM[core-seq-cpu]"
    name: str  # item name: "LSTM[core-seq-cpu]"
    case_key: str  # the case without its device and paths, stable across versions and machines
    file: str  # spec file, relative to the rootdir (posix), or as given when outside it
    line: int  # line of the table (under ``tables:``) the case comes from ...
    table_file: str  # ... in this file: the spec file's own, or the fragment it extends
    order: int  # index of the case in its file, for sorting reports in file order
    title: str  # the file's ``title``
    table: str  # the table's name
    flags: str  # the part of the id naming the axis values ("seq-state")
    device: str  # "cpu" or "gpu", as in tables and ids
    layer: str  # class of the outermost layer
    node: dict[str, Any]  # the layer node built (class, args, nested layers)
    build_text: str  # the Python that builds the layer
    values: dict[str, Any]  # every axis value of the combination
    inputs: str  # the input structure, "(B, T, F)"
    input_shape: list[int]  # the input's concrete shape
    sizes: dict[str, int]  # the sizes of the symbols (B, T, units...)
    description: str  # the table's description
    returns: str  # the ``returns`` text of the row that gives them
    dtype: str  # the dtype every returned tensor has unless it says its own (``-`` when it raises)
    expected: str  # the expected structure with concrete shapes and dtypes (replaced by the call's text)
    expected_arity: int  # how many tensors the expected structure holds
    relations: list[str]  # relations checked on this case
    deferred: list[str]  # relations left to --rnnspec-depth=exhaustive
    explained: list[str]  # deviations, notes and reasons the table gives for this case
    # --- how it ended (controller, from the reports)
    status: Status  # rnnspec/status.py
    duration: float  # seconds of the call phase
    not_applicable: str  # why this release cannot build the case (status not_applicable)
    skip_reason: str  # why the case did not run here (no such device)
    xfail_reason: str  # the table's reason, when the case failed as its ``xfail`` expects
    # --- what the call found (add_outcome)
    actual: str | None  # the returned structure, or None when the call raised
    arity: int | None  # how many tensors came back
    placed: str | None  # where the returned tensor lives, as the backend names it
    timings: dict[str, float]  # seconds per phase of the run
    problems: list[str]  # how the returns differ from the table
    relation_failures: dict[str, list[str]]  # relation -> why it does not hold
    deviation_findings: dict[str, list[str]]  # documented deviation -> what it found
    error: str | None  # the exception the call raised, or why the case has no result
    max_error: float | None  # largest |layer - reference| over every returned tensor
    reference: str  # what the NumPy reference found ("not run" when it has none)
    deviations: list[str]  # documented deviations seen on this case
    numbers: dict[str, list[Any]] | None  # rounded actual and reference values, when the table asks
    tolerance: float  # the tolerance the values were compared with
    # --- against a baseline (rnnspec/baseline.py)
    tensors: list[dict[str, Any]]  # every returned tensor, for --rnnspec-record (never in results.json)
    baseline: str  # "compared" or "new"
    baseline_changes: list[str]  # how this run differs from the baseline
    baseline_change_kinds: list[str]  # each change's kind, as the upgrade summary counts them


def case_record(case: Case, nodeid: str, name: str, rootpath: Path) -> CaseRecord:
    """The record of a case before it runs (kept even if the run never ends)."""
    from rnnspec.runner import expected_arity, expected_text
    from rnnspec.structure import format_structure

    def relative(path: Path) -> str:
        try:
            return path.resolve().relative_to(rootpath).as_posix()
        except ValueError:
            return path.as_posix()

    file = relative(case.path)
    expectation = case.expectation
    return {
        "id": nodeid,
        "name": name,
        "case_key": case.case_key,
        "file": file,
        "line": case.line,
        "table_file": relative(case.table_path),
        "order": case.index,
        "title": case.title,
        "table": case.table,
        "flags": case.flags,
        "device": case.device,
        "layer": case.node["class"],
        "node": dict(case.node),
        "build_text": case.build_text,
        "values": dict(case.values),
        "inputs": format_structure(case.inputs),
        "input_shape": [d.evaluate(case.sizes) for d in case.inputs.dims],
        "sizes": dict(case.sizes),
        "description": case.description,
        "returns": expectation.returns_text,
        "dtype": expectation.dtype,
        "expected": expected_text(case),
        "expected_arity": expected_arity(expectation.returns),
        "relations": list(expectation.relations),
        "deferred": list(case.deferred),
        "explained": sorted(
            {f"{d.relation} does not hold: {d.reason}" for d in expectation.deviations}
            | {f"raises {expectation.raises}: {n}" if expectation.raises else n for n in expectation.notes}
            | ({case.not_applicable} if case.not_applicable else set())
        ),
    }


def add_outcome(record: CaseRecord, outcome: Outcome, tolerance: float) -> None:
    """What the call found (rnnspec/runner.py's Outcome), into the case's record."""
    record["expected"] = outcome.expected_text
    record["actual"] = outcome.actual_text
    record["arity"] = outcome.arity
    record["placed"] = outcome.placed
    record["timings"] = outcome.timings
    record["problems"] = outcome.problems
    record["relation_failures"] = outcome.relation_failures
    record["error"] = outcome.error
    record["max_error"] = outcome.max_error
    record["reference"] = outcome.reference
    record["deviations"] = outcome.deviations
    record["deviation_findings"] = outcome.deviation_findings
    record["numbers"] = outcome.values
    record["tolerance"] = tolerance
