"""Every catalogued fault is caught: break Keras on purpose and the suite must report it.

Each fault of ``fault_catalogue.FAULTS`` is patched into Keras in this process (pytest's
``monkeypatch``, undone after the test) and its target is run twice, in-process: unbroken it
must pass (so no test passes vacuously), broken at least one case must fail, without raising
(the fault kept the call working), and every check the catalogue names in ``caught_by`` must
report it in results.json (``relation_failures`` for relations, ``problems`` for the
structure and dtype checks). Every relation in ``rnnspec.relations.RELATIONS`` must be named
by some fault: a relation that nothing breaks could be checking nothing.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from fault_catalogue import FAULTS, ON_REAL_TABLES, OTHER_CHECKS, Fault, Selection, Table, lstm

import rnnspec.behaviours  # noqa: F401 - registers the relations that need twin calls
from conftest import SpecProject, load_results, outcomes_of, records_by_name
from rnnspec.relations import RELATIONS

SPEC = Path(__file__).resolve().parents[2] / "spec"


def checks_of(record: dict[str, Any]) -> set[str]:
    """The checks that reported a case: its failed relations, ``matches_reference`` for a
    reference difference (checked on every case, named in a row or not), and 'structure' or
    'dtype' for the other problems (gone deviations aside)."""
    names = set(record["relation_failures"] or {})
    for problem in record["problems"] or []:
        if problem.startswith("reference:"):
            names.add("matches_reference")
        elif not problem.startswith("documented deviation gone"):
            names.add("dtype" if ": expected dtype " in problem else "structure")
    return names


def test_every_relation_has_a_fault() -> None:
    """A relation added to rnnspec/relations.py or behaviours.py needs a fault in the catalogue too."""
    named = {check for fault in FAULTS for check in fault.caught_by}
    assert named - OTHER_CHECKS == set(RELATIONS)
    assert len({fault.name for fault in FAULTS}) == len(FAULTS), "two faults share a name"


def _write_target(project: SpecProject, target: Table | Selection) -> list[str]:
    """Put the target into the project; returns the command-line arguments that select it."""
    if isinstance(target, Table):
        project.write("table.yaml", target.text)
        return []
    shutil.copytree(SPEC, project.root / "spec", dirs_exist_ok=True)
    # exhaustive: the selections name product tables, which the default depth (the covering
    # designs' pairs and a few products) no longer runs whole
    return [f"spec/{target.file}", "-k", target.k, "--rnnspec-depth=exhaustive"]


def _run(project: SpecProject, label: str, selection: list[str]) -> tuple[dict[str, str], list[dict[str, Any]]]:
    reports = project.root / f"reports-{label}"
    result = project.run(*selection, f"--rnnspec-reports={reports}")
    records = list(records_by_name(load_results(reports)).values())
    outcomes = outcomes_of(result)
    assert records, "the target selects no case"
    assert sorted(outcomes) == sorted(record["name"] for record in records), (outcomes, records)
    return outcomes, records


@pytest.mark.parametrize("fault", FAULTS, ids=lambda fault: fault.name)
def test_fault_is_caught(project: SpecProject, monkeypatch: pytest.MonkeyPatch, fault: Fault) -> None:
    """Unbroken, the target passes; with the fault, it fails and every named check reports it."""
    selection = _write_target(project, fault.target)

    outcomes, records = _run(project, "clean", selection)
    if isinstance(fault.target, Table):
        assert list(outcomes.values()) == ["passed"], (outcomes, records)
    assert set(outcomes.values()) == {"passed"}, (outcomes, records)
    for record in records:
        assert not record["relation_failures"], record
        assert not record["problems"], record

    fault.patch(monkeypatch)
    outcomes, records = _run(project, "broken", selection)
    if isinstance(fault.target, Table):  # one case, whose row names the relations
        assert list(outcomes.values()) == ["failed"], (outcomes, records)
        assert fault.caught_by - OTHER_CHECKS <= set(records[0]["relation_failures"]), records[0]
    assert "failed" in outcomes.values(), (outcomes, records)
    failed = [record for record in records if outcomes[record["name"]] == "failed"]
    for record in failed:
        assert record["error"] is None, record["error"]  # the fault kept the call working
    caught = set().union(*(checks_of(record) for record in failed))
    assert fault.caught_by <= caught, (sorted(caught), failed)
    if "matches_reference" in fault.caught_by:
        problems = [problem for record in failed for problem in record["problems"]]
        assert any(problem.startswith("reference:") for problem in problems), problems


def test_every_inline_target_has_a_real_one() -> None:
    inline = {fault.name for fault in FAULTS if isinstance(fault.target, Table)}
    assert set(ON_REAL_TABLES) == inline


@pytest.mark.parametrize("name", sorted(ON_REAL_TABLES))
def test_fault_is_caught_by_the_real_tables(project: SpecProject, monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """The same fault against the repository's own tables, every relation checked (exhaustive):
    unbroken the cases pass, broken at least one fails, and every named check reports it."""
    (fault,) = (fault for fault in FAULTS if fault.name == name)
    selection = [*_write_target(project, ON_REAL_TABLES[name]), "--rnnspec-depth=exhaustive"]
    outcomes, records = _run(project, "clean", selection)
    assert set(outcomes.values()) == {"passed"}, (outcomes, records)
    fault.patch(monkeypatch)
    outcomes, records = _run(project, "broken", selection)
    failed = [record for record in records if outcomes[record["name"]] == "failed"]
    assert failed, outcomes
    caught = set().union(*(checks_of(record) for record in failed))
    assert fault.caught_by <= caught, (sorted(caught), failed)


def test_padded_masks_miss_the_holes_fault(project: SpecProject, monkeypatch: pytest.MonkeyPatch) -> None:
    """Why spec/masks_with_holes.yaml exists: LSTM's right- and left-padded mask cases pass
    with a fault that only a mask with holes shows."""
    (fault,) = (fault for fault in FAULTS if fault.name == "lstm_fills_mask_holes")
    fault.patch(monkeypatch)
    selection = _write_target(
        project, Selection("lstm.yaml", "mask and not unroll and seq and not state and not pairs and not triples")
    )
    outcomes, _records = _run(project, "padded", selection)
    assert set(outcomes.values()) == {"passed"}, outcomes
    assert len(outcomes) >= 4, outcomes


def test_padding_relation_without_a_padded_row_fails(project: SpecProject) -> None:
    """With one row (B=1) the mask pads nothing: the relation says so instead of passing empty."""
    project.write("table.yaml", lstm("padding_equals_truncation", B=1, mask="right", return_state=True).text)
    outcomes, records = _run(project, "unpadded", [])
    assert list(outcomes.values()) == ["failed"], (outcomes, records)
    assert records[0]["relation_failures"]["padding_equals_truncation"] == [
        "no row of the mask is padded: the relation checked nothing"
    ]
