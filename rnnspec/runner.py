"""Run one case: build the layer on its device, call it, and check what it returned.

``run_case`` is the life of one case after collection; each step is its own module:
inputs and seeds (rnnspec/inputs.py), building and calling (rnnspec/building.py), the
NumPy reference comparison (rnnspec/refcheck.py), relations and their twins
(rnnspec/relations.py, rnnspec/behaviours.py, rnnspec/twins.py), and the "reproduce with"
snippet (rnnspec/reproduction.py). The names other modules and tools import from here are
re-exported (``__all__``).
"""

from __future__ import annotations

import time
import traceback
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from rnnspec import behaviours  # noqa: F401 - registers the relations that need twin calls
from rnnspec.building import build_layer, call_kwargs, call_layer, first_tensor, set_seeded_weights
from rnnspec.calls import CallMemo, call_key, is_stateful, layer_key
from rnnspec.devices import placed_on
from rnnspec.errors import located
from rnnspec.inputs import (
    CallInputs,
    file_seed,
    inputs_seed,
    make_inputs,
    reads_reversed,
    states_seed,
    weights_seed,
)
from rnnspec.kerasapi import to_numpy
from rnnspec.layerargs import built_args
from rnnspec.refcheck import ReferenceCheck, compare_with_reference, rounded_values
from rnnspec.registry import LayerRegistry
from rnnspec.relations import RelationContext, check_relations, flatten
from rnnspec.reproduction import reproduction
from rnnspec.spec import Case
from rnnspec.structure import Actual, Shape, Structure, compare, count_tensors, describe, format_actual, format_expected
from rnnspec.twins import Twin

__all__ = [
    "CallInputs",
    "Outcome",
    "ReferenceCheck",
    "Twin",
    "build_layer",
    "call_kwargs",
    "call_layer",
    "compare_with_reference",
    "expected_arity",
    "expected_text",
    "file_seed",
    "inputs_seed",
    "make_inputs",
    "reads_reversed",
    "reproduction",
    "run_case",
    "set_seeded_weights",
    "states_seed",
    "to_numpy",
    "weights_seed",
]


@dataclass
class Outcome:
    """What running a case found; the plugin turns it into a pytest outcome and a record."""

    problems: list[str]
    relation_failures: dict[str, list[str]]
    expected_text: str
    actual_text: str
    arity: int | None
    placed: str | None
    timings: dict[str, float]
    error: str | None = None
    deviations: list[str] = field(default_factory=list)
    deviation_findings: dict[str, list[str]] = field(default_factory=dict)  # what each documented deviation found
    max_error: float | None = None  # largest |layer - reference| over every returned tensor
    reference: str = "not run"
    values: dict[str, list[Any]] | None = None  # rounded actual and reference values, when the table asks
    arrays: list[np.ndarray] | None = None  # every returned tensor, float64, for baselines

    @property
    def ok(self) -> bool:
        return not self.problems and not self.relation_failures and self.error is None


def expected_text(case: Case) -> str:
    """The expected structure with sizes and dtypes filled in, as failures and reports show it."""
    exp = case.expectation
    return f"raises {exp.raises}" if exp.raises else format_expected(exp.returns, case.sizes, exp.dtype)


def expected_arity(structure: Structure) -> int:
    return 1 if isinstance(structure, Shape) else sum(expected_arity(s) for s in structure.items)


def run_case(case: Case, registry: LayerRegistry, device: str, memo: CallMemo | None = None) -> Outcome:
    """Build, call and check one case; never raises for faults of the code under test.

    ``memo`` is the session's store of layer calls (rnnspec/calls.py): this case's call goes
    in, and the relations' twin calls come out of it when another case already made them.
    """
    exp = case.expectation
    expected = expected_text(case)
    memo = memo if memo is not None else CallMemo()
    # ``bare``: the whole of call_layer, raising or not, as benchmarks/suite_overhead.py's bare
    # loop times it for each case (its same-run overhead divides by the sum of these).
    begin = time.perf_counter()
    try:
        layer, outputs, inputs, timings = call_layer(case, registry, device)
        timings["bare"] = time.perf_counter() - begin
    except Exception as exc:
        raised = {"bare": time.perf_counter() - begin}
        message = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        if exp.raises and exp.raises in {k.__name__ for k in type(exc).__mro__}:
            return Outcome([], {}, expected, f"raises {type(exc).__name__}", 0, None, raised)
        return Outcome([], {}, expected, "", None, None, raised, error=message)
    if exp.raises:
        return Outcome(
            [f"expected the call to raise {exp.raises}, but it returned"],
            {},
            expected,
            format_actual(describe(outputs)),
            count_tensors(describe(outputs)),
            None,
            timings,
        )
    start = time.perf_counter()
    actual: Actual = describe(outputs)
    problems = list(compare(exp.returns, actual, case.sizes, exp.dtype))
    structure_ok = not problems
    relation_failures: dict[str, list[str]] = {}
    deviations_seen: list[str] = []
    deviation_findings: dict[str, list[str]] = {}
    check = ReferenceCheck(not_checked="not compared: the structure differs")
    values = to_numpy(outputs)  # once: the reference, the relations, the memo and baselines read it
    if structure_ok:
        _remember(memo, case, device, layer, inputs, values)
        check = compare_with_reference(case, registry, inputs, values)
        if "matches_reference" not in {d.relation for d in exp.deviations}:
            problems += [f"reference: {p}" for p in check.problems]
    # Relations run even when the numbers are off: which of them break tells what went wrong.
    if structure_ok and (exp.relations or exp.deviations):
        twin = Twin(case, registry, device, inputs, layer, memo)
        context = RelationContext(
            values, built_args(case.node), case.sizes, case.tolerance, inputs.mask, twin, check.problems
        )
        relation_failures = check_relations(exp.relations, context)
        broken = check_relations(tuple(d.relation for d in exp.deviations), context)
        for deviation in exp.deviations:
            if deviation.relation in broken:
                deviations_seen.append(deviation.relation)
                deviation_findings[deviation.relation] = broken[deviation.relation]
            else:
                problems.append(
                    f"documented deviation gone: {deviation.relation} now holds "
                    f"({located(deviation.line, case.path)}: {deviation.reason}); update the table"
                )
    timings["check"] = time.perf_counter() - start
    return Outcome(
        problems,
        relation_failures,
        expected,
        format_actual(actual),
        count_tensors(actual),
        placed_on(first_tensor(outputs)),
        timings,
        deviations=deviations_seen,
        deviation_findings=deviation_findings,
        max_error=check.max_error,
        reference=check.not_checked or "checked",
        values=rounded_values(values, check) if case.show_values else None,
        arrays=flatten(values),
    )


def _remember(memo: CallMemo, case: Case, device: str, layer: Any, inputs: CallInputs, values: Any) -> None:
    """Offers this case's layer and result to later twin calls (deterministic calls only)."""
    if is_stateful(case.node):
        return
    key = layer_key(case.node, device, inputs.weights)
    memo.remember_layer(key, layer)
    memo.remember_result(call_key(key, inputs.x, inputs.mask, inputs.initial_state), values)
