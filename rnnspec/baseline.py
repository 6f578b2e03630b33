"""Record what every case returned, and compare a later run with that record.

The upgrade workflow: ``pytest spec --rnnspec-record=old.json`` on the release you have,
``pytest spec --rnnspec-baseline=old.json`` on the one you move to. The tables say what
each release may return; the baseline says what *yours* returned, so the second run fails
on any change at all: structure (list or tuple, nesting, arity), dtype, the case's status,
or numbers that moved by more than the case's tolerance (the weights and inputs are seeded
from the file, so the numbers are comparable across releases and machines).

I weighed pytest-regressions (``num_regression``) and syrupy: both store one snapshot per
test *function* through a fixture, regenerate by re-running with a flag, and compare within
one environment. Here the cases are pytest items built from YAML (no fixtures), the baseline
is one file per environment that travels between virtualenvs, and the comparison needs
the table's own tolerance per case and a per-case account of what moved; pytest-regressions'
numeric comparison would also bring pandas. So this is a small JSON format of our own.
The values are kept whole (float32 precision), since a hash could only say *that* they moved.

Recording merges like those two do: ``--rnnspec-record=PATH`` onto an existing baseline
replaces the cases that ran and keeps the others, so a baseline recorded in two ``-k`` runs
holds both (``--rnnspec-record-fresh`` starts afresh). A merge refuses a file recorded with
other versions: one baseline stands for one release. Each change has a *kind*, the same kinds
the version matrix counts (rnnspec/compat/compare.py), so that an upgrade is summed up by kind
and table (rnnspec/upgrade.py) instead of case by case.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from rnnspec.compat.compare import Change, structure_change
from rnnspec.status import RAN
from rnnspec.status_text import word

#: The baseline file's format (key ``rnnspec_baseline``). Readers refuse any other.
FORMAT = 1


class BaselineError(Exception):
    """A baseline file that cannot be read; the message names the file."""


def case_key(record: Mapping[str, Any]) -> str:
    """How a case is found again in another run: file, case and device, no paths."""
    return f"{record['case_key']} {record['device']}"


def tensors(arrays: Sequence[np.ndarray]) -> list[dict[str, Any]]:
    """Every returned tensor's shape and values, at float32 precision."""
    return [{"shape": list(a.shape), "values": np.asarray(a, dtype=np.float32).ravel().tolist()} for a in arrays]


def entry(record: Mapping[str, Any]) -> dict[str, Any]:
    """What the baseline keeps of one case's record."""
    return {
        "status": record.get("status"),
        "actual": record.get("actual"),
        "arity": record.get("arity"),
        "tolerance": record.get("tolerance"),
        "tensors": record.get("tensors"),
    }


def _open(path: Path, mode: str) -> Any:
    if path.suffix == ".gz":
        return gzip.open(path, mode + "t", encoding="utf-8")
    return path.open(mode, encoding="utf-8")


#: The versions that make a baseline stand for one release: a merge needs them equal.
RELEASE_KEYS = ("keras", "backend", "tensorflow")


def release(meta: Mapping[str, Any]) -> dict[str, Any]:
    """What a recording ran with, as far as a merge must agree on it."""
    versions = meta.get("versions") or {}
    return {key: versions.get(key) for key in RELEASE_KEYS}


def write_baseline(
    path: Path, records: Sequence[Mapping[str, Any]], meta: Mapping[str, Any], fresh: bool = True
) -> int:
    """One JSON document (gzip when the name ends in .gz), cases sorted by key.

    Unless FRESH, the cases of an existing baseline at PATH that this run did not run are
    kept (a ``BaselineError`` if that file is unreadable or from another release). Returns how
    many cases were kept from it.
    """
    cases = {case_key(r): entry(r) for r in records}
    kept = 0
    if not fresh and path.exists():
        old = Baseline(path)
        if release(old.meta) != release(meta):
            raise BaselineError(
                f"{path}: recorded with {old.recorded_with}, this run has "
                + ", ".join(f"{k} {v}" for k, v in release(meta).items())
                + ": not merged "
                "(one baseline stands for one release); record to another file, or start afresh "
                "with --rnnspec-record-fresh"
            )
        for key, value in old.cases.items():
            if key not in cases:
                cases[key] = value
                kept += 1
    data = {"rnnspec_baseline": FORMAT, "meta": dict(meta), "cases": dict(sorted(cases.items()))}
    path.parent.mkdir(parents=True, exist_ok=True)
    with _open(path, "w") as handle:
        json.dump(data, handle, sort_keys=True)
    return kept


def ran_with(meta: Mapping[str, Any]) -> str:
    """``keras 3.15.1 (tensorflow), tensorflow 2.21.0, depth exhaustive``: a run's release."""
    v = meta.get("versions", {})
    depth = meta.get("depth", "exhaustive")  # records made before depths existed ran everything
    return f"keras {v.get('keras')} ({v.get('backend')}), tensorflow {v.get('tensorflow')}, depth {depth}"


class Baseline:
    """A recorded run: its versions and what each case returned."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            with _open(path, "r") as handle:
                data = json.load(handle)
        except FileNotFoundError:
            raise BaselineError(f"{path}: no such baseline; record one with --rnnspec-record={path}") from None
        except (OSError, ValueError, EOFError) as exc:
            raise BaselineError(f"{path}: not a readable baseline ({exc})") from None
        if not isinstance(data, dict) or "rnnspec_baseline" not in data or not isinstance(data.get("cases"), dict):
            raise BaselineError(f"{path}: not an rnnspec baseline (written by --rnnspec-record, format {FORMAT})")
        if data["rnnspec_baseline"] != FORMAT:
            raise BaselineError(
                f"{path}: a baseline of format {data['rnnspec_baseline']!r}, but this rnnspec reads format {FORMAT} "
                f"only; record it again with --rnnspec-record={path} on the release it stands for"
            )
        for key, entry in data["cases"].items():
            status = entry.get("status") if isinstance(entry, dict) else None
            if status not in RAN:  # only cases that ran are recorded, in the one status vocabulary
                raise BaselineError(
                    f"{path}: case {key!r}: status {status!r} is not one of {', '.join(RAN)} "
                    "(the statuses of cases that ran)"
                )
        self.meta: dict[str, Any] = data.get("meta", {})
        self.cases: dict[str, dict[str, Any]] = data["cases"]

    @property
    def recorded_with(self) -> str:
        return ran_with(self.meta)

    @property
    def depth(self) -> str:
        """The depth of the recording run; records made before depths existed ran everything."""
        return str(self.meta.get("depth", "exhaustive"))


#: The kind of change for numbers that moved beyond the case's tolerance.
VALUES_MOVED = "values moved beyond tolerance"


def largest_move(then: np.ndarray, now: np.ndarray) -> tuple[float, tuple[int, ...]]:
    """How far the values moved at most, and the index of the element that moved most (a NaN
    on one side only counts as an infinite move)."""
    if not now.size:
        return 0.0, ()
    moved = np.abs(then - now)
    moved = np.where(np.isnan(then) & np.isnan(now), 0.0, np.where(np.isnan(moved), np.inf, moved))
    flat = int(np.argmax(moved))
    return float(moved.flat[flat]), tuple(int(i) for i in np.unravel_index(flat, moved.shape))


def changes(
    before: Mapping[str, Any] | None,
    status: str,
    actual: str | None,
    arrays: Sequence[np.ndarray] | None,
    tolerance: float,
) -> list[Change]:
    """How this run of a case differs from its baseline entry: one change per difference, each
    with its kind (what the summary counts) and its detail (what the case's line says)."""
    if before is None:
        return []  # a case the baseline does not know: new, reported but not a change
    out: list[Change] = []
    if before.get("status") != status:
        was = str(before.get("status"))
        out.append(Change(f"status: {word(was)} -> {word(status)}", f"status {was} -> {status}"))
    if before.get("actual") != actual:
        old_text = before.get("actual") or "raised"
        new_text = actual or "raised"
        out.append(
            Change(
                structure_change(old_text, new_text),
                f"{_said(before.get('actual'))} -> {_said(actual)}",
            )
        )
    old = before.get("tensors")
    if old is None or arrays is None:
        return out
    # The values are compared whenever the tensors line up, also where only the container or
    # the dtype changed (Keras 2 -> 3 returns tuples for lists): did the numbers move too?
    structure = None if before.get("actual") != actual else structure_change("()", "(())")
    if len(old) != len(arrays):
        return out if structure is None else [*out, Change(structure, f"{len(old)} tensors -> {len(arrays)}")]
    for index, (recorded, given) in enumerate(zip(old, arrays, strict=True)):
        then = np.asarray(recorded["values"], dtype=np.float64).reshape(recorded["shape"])
        now = np.asarray(given, dtype=np.float64)
        if then.shape != now.shape:
            if structure is not None:
                out.append(Change(structure, f"tensor {index}: shape {then.shape} -> {now.shape}"))
            continue
        drift, where = largest_move(then, now)
        if not drift <= tolerance:
            out.append(
                Change(
                    VALUES_MOVED,
                    f"tensor {index}: values moved by up to {drift:.3g} at [{', '.join(map(str, where))}] "
                    f"({then[where]:.6g} -> {now[where]:.6g}; tolerance {tolerance:.3g})",
                )
            )
    return out


def _said(actual: str | None) -> str:
    """What a call did, in words: ``returns (2, 4)@float32`` or ``raises ValueError``."""
    if not actual:
        return "raised"
    return actual if actual.startswith("raises") else f"returns {actual}"
