"""The hunt: hypothesis draws combinations of a table's axis values and sizes, runs each as a
case would be run (structure, dtype, reference, relations), and shrinks a failure to the
smallest combination that still fails: the fewest axes away from their defaults (every axis's
default is its first value, and hypothesis shrinks ``sampled_from`` towards the first), then
the table's own sizes. What it found comes back as a ``Finding``: the YAML ``expect`` row that
would document it, with ``versions`` filled in from the installed stack, and the reproduction
snippet (rnnspec/reproduction.py).

Reproducible: ``seed`` fixes hypothesis's draws; ``database`` (pytest's cache folder, from the
plugin, rnnspec/plugins/explore.py) keeps what it found, replayed first on the next hunt.
Combinations the table already marks as expected failures (``xfail``) or that this release
cannot build are not drawn again (``assume``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, Phase, assume, given, settings
from hypothesis import strategies as st
from hypothesis.database import DirectoryBasedExampleDatabase

from rnnspec.case import Case, Combination, SpecTable, value_text
from rnnspec.depth import extra_call_names, table_axes
from rnnspec.designs import design_axes
from rnnspec.errors import SpecErrors
from rnnspec.expand import xfail_for
from rnnspec.kerasapi import versions
from rnnspec.registry import LayerRegistry
from rnnspec.reproduction import reproduction
from rnnspec.runner import Outcome, run_case
from rnnspec.spec import expectation_for
from rnnspec.templates import buildable_node

#: The sizes the hunt varies, each with the values it draws beside the table's own (not in a
#: table with literal input values). Not 1: the rows are written for batches with a padded row
#: and sequences that split in two halves (a first hunt drew T=1 and B=1 and found the relations
#: about padding, recurrent dropout and stateful halves vacuous or undefined there).
SIZE_VALUES = {"B": (3,), "T": (2, 4)}
#: A dtype problem of the runner (rnnspec/runner.py), with the dtype the layer returned.
_DTYPE = re.compile(r"expected dtype \w+, got (\w+)")
#: The versions a printed row names (the installed ones; backend as KERAS_BACKEND says).
ROW_VERSIONS = ("keras", "backend")


@dataclass(frozen=True)
class Finding:
    """The smallest failing combination a hunt found, and how to document and reproduce it."""

    path: Path
    values: Mapping[str, Any]  # the axes away from their defaults, and the sizes
    summary: str  # what failed, in one line
    row: str  # the YAML expect row that would document it
    snippet: str  # the reproduction

    def text(self) -> str:
        return (
            f"{self.path.name}: smallest failing combination: {self.summary}\n"
            f"document it (if Keras, not rnnspec, is at fault) with this row under expect:\n"
            f"{self.row}\nreproduce with:\n{self.snippet}"
        )


class _Failed(Exception):
    def __init__(self, case: Case, outcome: Outcome | None, message: str) -> None:
        super().__init__(message)
        self.case, self.outcome, self.message = case, outcome, message


def hunt_axes(table: SpecTable) -> dict[str, list[Any]]:
    """The axes a hunt draws from: the file's design axes, or every axis its tables vary."""
    if table.designs:
        return {axis: list(values) for axis, values in table.designs[0].axes.items()}
    return design_axes(table.defaults, [axes for _n, _l, axes in table_axes(table.document)], {})


def case_for(table: SpecTable, drawn: Mapping[str, Any], device: str) -> Case:
    """The case of any combination of axis values and sizes; raises SpecErrors when the rows
    do not answer for it."""
    sizes = {**table.sizes, **{k: v for k, v in drawn.items() if k in SIZE_VALUES}}
    values = {**table.defaults, **{k: v for k, v in drawn.items() if k not in SIZE_VALUES}}
    spec = replace(table, sizes=sizes)
    expectation = expectation_for(spec, values)
    node, not_applicable = buildable_node(table.template, values, sizes, table.defaults, table.missing_args)
    varied = tuple(a for a in drawn if a not in SIZE_VALUES)
    combination = Combination(
        "hunt",
        table.document.line,
        values,
        varied,
        expectation,
        False,
        frozenset(extra_call_names(expectation)),
        node,
        not_applicable,
    )  # the hunt checks every relation, those that make extra calls included
    return Case(
        spec=spec,
        combination=combination,
        index=0,
        device=device,
        expectation=expectation,
        tolerance=spec.tolerance_for(device, expectation.dtype),
        xfail=xfail_for(spec, values, device),
    )


def strategy(table: SpecTable) -> st.SearchStrategy[dict[str, Any]]:
    axes = {axis: st.sampled_from(values) for axis, values in hunt_axes(table).items()}
    for size, others in SIZE_VALUES.items():
        if size in table.sizes and table.input_values is None:
            own = table.sizes[size]
            axes[size] = st.sampled_from([own, *(v for v in others if v != own)])
    return st.fixed_dictionaries(axes)


def hunt(
    table: SpecTable,
    registry: LayerRegistry,
    device: str,
    target: str,
    examples: int,
    seed: int | None = None,
    database: Path | None = None,
) -> Finding | None:
    """Draw up to ``examples`` combinations; the smallest failing one, or None."""

    def check(drawn: dict[str, Any]) -> None:
        try:
            case = case_for(table, drawn, device)
        except SpecErrors as exc:
            raise _Failed(case_for_unanswered(table, drawn, device), None, str(exc)) from None
        assume(case.xfail is None and case.not_applicable is None)
        outcome = run_case(case, registry, target)
        if not outcome.ok:
            raise _Failed(case, outcome, "; ".join(_complaints(outcome)))

    config = settings(
        settings.get_profile("default"),  # not a profile a test suite loaded (derandomize would ignore the seed)
        max_examples=examples,
        derandomize=False,
        deadline=None,
        database=DirectoryBasedExampleDatabase(database) if database is not None else None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],
        print_blob=False,
        report_multiple_bugs=False,
    )
    # hypothesis keys its database by the test's source, the same for every file: add the file
    check._hypothesis_internal_add_digest = f"{table.path.name}:{device}".encode()  # type: ignore[attr-defined]
    # hypothesis's @seed turns its database off; the seed given this way keeps it on, so that a
    # seeded hunt still replays what earlier hunts found (then draws as the seed says)
    check._hypothesis_internal_use_seed = seed  # type: ignore[attr-defined]
    test = config(given(strategy(table))(check))
    try:
        test()
    except _Failed as failed:
        return _finding(table, failed, registry)
    return None


def case_for_unanswered(table: SpecTable, drawn: Mapping[str, Any], device: str) -> Case:
    """A case whose rows do not answer (for its reproduction): the defaults' expectation."""
    case = case_for(table, {}, device)
    values = {**table.defaults, **{k: v for k, v in drawn.items() if k not in SIZE_VALUES}}
    node, _not_applicable = buildable_node(table.template, values, case.sizes, table.defaults, table.missing_args)
    return replace(case, combination=replace(case.combination, values=values, node=node))


def _complaints(outcome: Outcome) -> list[str]:
    out = [f"raised {outcome.error}"] if outcome.error else []
    out += outcome.problems
    out += [f"{name}: {'; '.join(messages)}" for name, messages in outcome.relation_failures.items()]
    return out


def _finding(table: SpecTable, failed: _Failed, registry: LayerRegistry) -> Finding:
    case = failed.case
    sizes = {k: v for k, v in case.sizes.items() if k in SIZE_VALUES and v != table.sizes.get(k)}
    changed = {
        axis: value
        for axis, value in case.values.items()
        if not (value == table.defaults.get(axis) and type(value) is type(table.defaults.get(axis)))
    }
    return Finding(
        path=table.path,
        values={**changed, **sizes},
        summary=f"{', '.join(f'{k}={value_text(v)}' for k, v in {**changed, **sizes}.items()) or 'defaults'}: "
        f"{failed.message}",
        row=expect_row(changed, failed.outcome, failed.message),
        snippet=reproduction(case, registry),
    )


def expect_row(when: Mapping[str, Any], outcome: Outcome | None, message: str) -> str:
    """The ``expect`` row that documents a failure on the installed stack, as YAML."""
    stack = versions()
    row: dict[str, Any] = {"when": dict(when), "versions": {}}
    for key in ROW_VERSIONS:
        if stack.get(key):
            row["versions"][key] = stack[key] if key == "backend" else f"=={stack[key]}"
    if outcome is None:
        row["note"] = f"no row answers here: {message}"
    elif outcome.error:
        row["raises"] = outcome.error.split(":", 1)[0].rsplit(".", 1)[-1]
        row["note"] = outcome.error
    else:
        deviations = [
            {"relation": name, "reason": "; ".join(messages)} for name, messages in outcome.relation_failures.items()
        ]
        if any(problem.startswith("reference") for problem in outcome.problems):
            deviations.insert(0, {"relation": "matches_reference", "reason": "; ".join(outcome.problems)})
        elif outcome.problems and all(_DTYPE.search(problem) for problem in outcome.problems):
            row["dtype"] = _DTYPE.search(outcome.problems[0]).group(1)  # type: ignore[union-attr]
        elif outcome.problems:
            row["returns"] = outcome.actual_text
            row["note"] = "; ".join(outcome.problems)
        if deviations:
            row["deviations"] = deviations
    text = yaml.safe_dump([row], sort_keys=False, default_flow_style=None, width=100)
    return "\n".join(f"  {line}" for line in text.splitlines())
