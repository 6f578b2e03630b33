"""One word per status, for contract.md and compat.md alike (rnnspec/status_text.py)."""

from __future__ import annotations

from rnnspec.status import RAN, STATUSES
from rnnspec.status_text import FAILING, WORDS, marked, word


def test_every_status_has_one_word_and_no_other_key() -> None:
    assert set(WORDS) == set(STATUSES)
    assert len(set(WORDS.values())) == len(WORDS)  # no two statuses read alike
    assert FAILING.issubset(STATUSES)


def test_the_words_the_pages_show() -> None:
    assert {s: marked(s) for s in STATUSES} == {
        "passed": "pass",
        "failed": "**FAIL**",
        "xfailed": "xfail",
        "xpassed": "**xpass**",
        "skipped": "skip",
        "not_applicable": "n/a",
        "error": "**ERROR**",
        "unfinished": "**not finished**",
    }
    assert word("failed") == "FAIL"
    assert word("something new") == "something new"  # shown as it is, never dropped


def test_failing_statuses_are_those_that_fail_a_run() -> None:
    assert sorted(FAILING) == ["error", "failed", "unfinished", "xpassed"]
    assert set(RAN) - FAILING == {"passed", "xfailed"}
