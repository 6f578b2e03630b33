"""How a case status reads in the generated pages: one word per status, and which ones alarm.

``rnnspec.status`` says what a case can end in; this says how contract.md and compat.md write
it, so that the two pages (and every table, cell and count in them) agree. A status that makes
a run fail is an alarm: the pages set it in bold, and ``python -m rnnspec.compat condense
--strict`` exits 1 on it. The words are kept apart from ``rnnspec.status`` because only the
pages need them.
"""

from __future__ import annotations

from typing import Final

from rnnspec.status import (
    ERROR,
    FAILED,
    NOT_APPLICABLE,
    PASSED,
    SKIPPED,
    UNFINISHED,
    XFAILED,
    XPASSED,
)

#: The word a page shows for each status.
WORDS: Final[dict[str, str]] = {
    PASSED: "pass",
    FAILED: "FAIL",
    ERROR: "ERROR",
    XFAILED: "xfail",
    XPASSED: "xpass",
    SKIPPED: "skip",
    NOT_APPLICABLE: "n/a",
    UNFINISHED: "not finished",
}

#: Statuses that make a run fail: a case that did not hold, crashed, passed against a strict
#: expectation of failure, or never finished.
FAILING: Final[frozenset[str]] = frozenset({FAILED, ERROR, XPASSED, UNFINISHED})


def word(status: str) -> str:
    """The plain word for STATUS; a status outside the vocabulary is shown as it is."""
    return WORDS.get(status, status)


def marked(status: str) -> str:
    """The word, in bold (Markdown) when the status is failing."""
    text = word(status)
    return f"**{text}**" if status in FAILING else text
