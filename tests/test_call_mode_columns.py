"""contract.md's "call modes" and "mask returned" columns say what the case's relations checked.

The columns are read from a record's relations (held, deviating, left to the exhaustive
depth), so a case that names no call-mode relation shows the eager call alone, and a mask
relation left to the exhaustive depth still says what the row declares.
"""

from __future__ import annotations

from rnnspec.reports import call_modes, mask_returned


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
