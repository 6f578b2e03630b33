"""The one vocabulary of case statuses, shared by results.json, the contract, the baseline and
the matrix.

A case ends in exactly one of these. ``not_applicable`` is a case this release cannot build
(an argument it lacks, declared with ``available:`` in the table): it is reported as its own
status, never as a plain skip, and never spelled another way.
"""

from __future__ import annotations

from typing import Final, Literal

Status = Literal[
    "passed",
    "failed",
    "xfailed",
    "xpassed",
    "skipped",
    "not_applicable",
    "error",
    "unfinished",
]

PASSED: Final = "passed"
FAILED: Final = "failed"
XFAILED: Final = "xfailed"
XPASSED: Final = "xpassed"
SKIPPED: Final = "skipped"
NOT_APPLICABLE: Final = "not_applicable"
ERROR: Final = "error"
UNFINISHED: Final = "unfinished"  # recorded before the call; replaced when the call's report arrives

STATUSES: Final[tuple[Status, ...]] = (
    PASSED,
    FAILED,
    XFAILED,
    XPASSED,
    SKIPPED,
    NOT_APPLICABLE,
    ERROR,
    UNFINISHED,
)

#: Statuses of cases that were built and called (a baseline keeps only those).
RAN: Final[tuple[Status, ...]] = (PASSED, FAILED, XFAILED, XPASSED)
