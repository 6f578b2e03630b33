"""A compiled table's cases for one depth and set of devices: selection only, never an error.

Everything that can be wrong with a table was found when it was compiled (rnnspec/table.py);
here the default depth takes the combinations its ``standard`` narrowing keeps and defers the
relations that make extra calls except on the cases chosen for them (rnnspec/depth.py), and
each device gets its tolerance and expected failure.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rnnspec import DEVICES
from rnnspec.case import Case, Combination, SpecTable, XFail
from rnnspec.depth import check_depth, without_extra_calls
from rnnspec.rules import matches


def xfail_for(table: SpecTable, values: Mapping[str, Any], device: str) -> XFail | None:
    for line, entry in table.xfails:
        if entry.get("device", device) == device and matches(entry.get("when", {}), {**values, "device": device}):
            return XFail(entry["reason"], bool(entry.get("strict", True)), line)
    return None


def expand(table: SpecTable, devices: tuple[str, ...] = DEVICES, depth: str = "exhaustive") -> list[Case]:
    """Every combination the depth takes, on every device, in file order."""
    check_depth(depth)
    standard = depth == "standard"
    cases: list[Case] = []
    for combination in table.combinations:
        if standard and not combination.standard:
            continue
        for device in devices:
            cases.append(_case(table, combination, device, len(cases), defer=standard))
    return cases


def _case(table: SpecTable, combination: Combination, device: str, index: int, defer: bool) -> Case:
    xfail = xfail_for(table, combination.values, device)
    expectation = combination.expectation
    deferred: tuple[str, ...] = ()
    # An expected failure keeps every relation: it may be what fails there.
    if defer and xfail is None:
        expectation, deferred = without_extra_calls(expectation, keep=combination.extra_calls_here)
    return Case(
        spec=table,
        combination=combination,
        index=index,
        device=device,
        expectation=expectation,
        tolerance=table.tolerance_for(device, combination.expectation.dtype),
        xfail=xfail,
        deferred=deferred,
    )
