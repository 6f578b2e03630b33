"""The run's journal: ``DIR/journal.jsonl``, what a run found, one JSON line per event.

With ``--rnnspec-reports=DIR`` the controller appends each case's record to the journal as
its report arrives (one line, flushed at once), so that what ran survives anything short of
losing the disk: Ctrl-C once or twice, SIGTERM, SIGHUP, even SIGKILL of the controller.
results.json and contract.md are rendered from the journal at the end of the run
(``replay``); ``python -m rnnspec.reports rebuild DIR`` renders them from the journal of a
run that died before it could, marked incomplete with the reason.

Lines, each an object with ``kind``:

- ``start``: the run's ``meta`` as known when it starts (versions from package metadata);
- ``collected``: how many cases the run collected (the largest count seen wins);
- ``environment``: the versions and GPU of the process that ran the cases;
- ``spec_errors``: errors of spec tables that could not be read;
- ``case``: one case's record (``record.py``); a later line for the same id replaces it;
- ``end``: how the run ended (``completeness``), written last by a run that reached its end.

A line cut short by a kill is ignored (it is always the last). This module imports no
pytest and no Keras.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from rnnspec.status import UNFINISHED

JOURNAL = "journal.jsonl"

#: What ``rebuild`` says of a run whose journal has no ``end`` line.
CRASHED = "crashed"


class Journal:
    """The open journal of a running session (the controller's)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._handle: IO[str] | None = path.open("w", encoding="utf-8", newline="\n")

    def write(self, kind: str, **data: Any) -> None:
        """Append one line and flush it to the operating system (a kill keeps it)."""
        if self._handle is None:
            return
        self._handle.write(json.dumps({"kind": kind, **data}, sort_keys=True) + "\n")
        self._handle.flush()

    def case(self, record: Mapping[str, Any]) -> None:
        self.write("case", record={k: v for k, v in record.items() if k != "tensors"})

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None


@dataclass
class Replay:
    """What a journal holds: the run's meta, its cases (last line per id) and how it ended."""

    meta: dict[str, Any] = field(default_factory=dict)
    records: dict[str, dict[str, Any]] = field(default_factory=dict)
    collected: int | None = None
    spec_errors: list[str] = field(default_factory=list)
    end: dict[str, Any] | None = None
    damaged_lines: int = 0

    def with_result(self) -> int:
        return sum(1 for r in self.records.values() if r.get("status") != UNFINISHED)


def replay(path: Path) -> Replay:
    """Read a journal; raises OSError when it cannot be read, ValueError when it is not one."""
    out = Replay()
    with path.open(encoding="utf-8") as handle:
        lines = handle.read().splitlines()
    for number, line in enumerate(lines, 1):
        try:
            entry = json.loads(line)
        except ValueError:
            if number == len(lines):  # cut short by a kill: the last line only
                out.damaged_lines += 1
                continue
            raise ValueError(f"{path}:{number}: not a journal line") from None
        kind = entry.get("kind") if isinstance(entry, dict) else None
        if number == 1 and kind != "start":
            raise ValueError(f"{path}:1: not an rnnspec journal (no start line)")
        if kind == "start":
            out.meta = dict(entry["meta"])
        elif kind == "collected":
            out.collected = max(out.collected or 0, int(entry["count"]))
        elif kind == "environment":
            out.meta["versions"] = entry["versions"]
            out.meta["gpu"] = entry["gpu"]
        elif kind == "spec_errors":
            out.spec_errors += entry["errors"]
        elif kind == "case":
            out.records[entry["record"]["id"]] = entry["record"]
        elif kind == "end":
            out.end = dict(entry["completeness"])
    if not lines:
        raise ValueError(f"{path}: an empty journal")
    return out


def completeness(
    collected: int | None, records: Mapping[str, Mapping[str, Any]], stopped: str | None
) -> dict[str, Any]:
    """``meta.completeness``: complete only when nothing stopped the run and every collected
    case has a final status; otherwise which (``stopped``'s first word) and how many lack one."""
    with_result = sum(1 for r in records.values() if r.get("status") != UNFINISHED)
    known = None if collected is None else max(collected, len(records))  # None: stopped while collecting
    missing = None if known is None else known - with_result
    if stopped is None and missing:
        stopped = f"cases without result: {missing} of {known}"
    state = "complete" if stopped is None else stopped.split(" ", 1)[0].rstrip(":")
    return {
        "state": state if state in STATES else "incomplete",
        "reason": stopped,
        "collected": known,
        "with_result": with_result,
        "without_result": missing,
    }


#: The states ``completeness`` gives; the first word of the reason, else ``incomplete``.
STATES = ("complete", "interrupted", "cancelled", "stopped", CRASHED, "incomplete")


def incomplete_text(ending: Mapping[str, Any]) -> str:
    """What an incomplete run's ``meta.completeness`` says, in one line."""
    if ending["collected"] is None:
        return f"{ending['reason']}: stopped before the cases were collected, {ending['with_result']} have a result"
    return (
        f"{ending['reason']}: {ending['with_result']} of {ending['collected']} cases have a result, "
        f"{ending['without_result']} have none"
    )


def report_inputs(
    journal: Replay, meta: Mapping[str, Any], root: Path, stopped: str | None
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The records and ``meta`` results.json and contract.md are rendered from: the journal's
    cases, META with how the run ended (STOPPED: why, when the journal does not say) and each
    file's findings on other releases (read from the spec files under ROOT)."""
    from rnnspec.findings import elsewhere

    out = dict(meta)
    if isinstance(journal.meta.get("tables_digest"), str):  # taken when the run started
        out.setdefault("tables_digest", journal.meta["tables_digest"])
    out["spec_errors"] = sorted(set(out.get("spec_errors", [])) | set(journal.spec_errors))
    ending = journal.end or completeness(journal.collected, journal.records, stopped)
    out["completeness"] = ending
    out["complete"] = bool(out.get("complete", True)) and ending["state"] == "complete"
    files = sorted({record["file"] for record in journal.records.values()})
    found = {file: elsewhere(root / file, out["versions"]) for file in files if (root / file).is_file()}
    out["elsewhere"] = {file: texts for file, texts in found.items() if texts}
    out["coverage"] = coverage(root, journal.records.values())
    return list(journal.records.values()), out


def coverage(root: Path, records: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, list[int]]]:
    """Per file, the pairs and triples of axis values the cases that ran took (rnnspec/coverage.py)."""
    from rnnspec.coverage import file_coverage
    from rnnspec.status import RAN

    ran: dict[str, list[Any]] = {}
    for record in records:
        if record["status"] in RAN:
            ran.setdefault(record["file"], []).append(record["values"])
    found = {file: file_coverage(root / file, values) for file, values in sorted(ran.items())}
    return {file: counts for file, counts in found.items() if counts is not None}


def rebuild(directory: Path) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The reports of the run whose journal is DIRECTORY/journal.jsonl; a journal without an
    end line is of a run that died (killed, crashed) before writing them."""
    journal = replay(directory / JOURNAL)
    why = f"{CRASHED}: the run ended without writing its reports; rebuilt from {JOURNAL}"
    root = Path(journal.meta.pop("rootdir", "."))
    return report_inputs(journal, journal.meta, root, None if journal.end else why)
