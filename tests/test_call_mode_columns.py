"""contract.md's "call modes" and "mask returned" columns say what the case's relations checked.

The columns are read from a record's relations (held, deviating, left to the exhaustive
depth), so a case that names no call-mode relation shows the eager call alone, and a mask
relation left to the exhaustive depth still says what the row declares. Where the call on
``keras.Input`` returns another structure than the eager call, the "shapes" column shows both.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from conftest import SpecProject
from rnnspec import SYMBOLIC_RETURNED
from rnnspec.reports import call_modes, mask_returned, symbolic_structure

ROOT = Path(__file__).resolve().parents[1]


def _record(
    relations: list[str], deviations: tuple[str, ...] = (), deferred: tuple[str, ...] = ()
) -> dict[str, object]:
    return {"relations": relations, "deviations": list(deviations), "deferred": list(deferred)}


def test_call_modes_lists_each_mode_checked() -> None:
    assert call_modes(_record([])) == "eager"
    record = _record(["symbolic_matches_returns", "saved_matches_eager"], ("model_matches_eager",))
    assert call_modes(record) == "eager, symbolic, model (deviation), saved"
    assert call_modes(_record([], deferred=("jit_compiled_matches_eager",))) == "eager, jit (exhaustive only)"


def test_mask_returned_follows_the_rows() -> None:
    assert mask_returned(_record(["sequence_carries_mask"])) == "the sequence(s); states none"
    assert mask_returned(_record([], deferred=("no_mask_returned",))) == "none"
    assert mask_returned(_record(["output_is_h"])) == "-"


def test_the_symbolic_structure_comes_from_the_relations_findings() -> None:
    found = f"{SYMBOLIC_RETURNED}((2, 4, 6)@float32) (batch 2)"
    deviating = {"deviation_findings": {"symbolic_matches_returns": ["x", found]}}
    failing = {"relation_failures": {"symbolic_matches_returns": [found]}}
    assert symbolic_structure([{}, deviating]) == "((2, 4, 6)@float32) (batch 2)"
    assert symbolic_structure([failing]) == "((2, 4, 6)@float32) (batch 2)"
    other = {"deviation_findings": {"model_matches_eager": [found]}}
    assert symbolic_structure([{}, other]) is None  # only the symbolic call's


def test_the_contract_shows_the_symbolic_structure_where_it_differs(project: SpecProject) -> None:
    """tensorflow/tensorflow#109637 (the backward_layer table, a documented deviation): the
    eager call returns (2, 4, 5), the call on keras.Input (2, 4, 4)."""
    shutil.copytree(ROOT / "spec", project.root / "spec", dirs_exist_ok=True)
    project.run("spec/bidirectional_backward_layer.yaml", "-k", "core-seq-cpu", "--rnnspec-reports=out")
    contract = (project.root / "out" / "contract.md").read_text(encoding="utf-8")
    rows = [line for line in contract.splitlines() if line.startswith("| seq |")]
    assert len(rows) == 1, rows
    assert "`((2, 4, 5)@float32, " in rows[0]
    assert "— symbolic: ((2, 4, 4)@float32, " in rows[0], rows[0]
    assert "symbolic:" not in contract.replace(rows[0], "")  # the other cases agree
