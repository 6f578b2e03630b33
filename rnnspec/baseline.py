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
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from rnnspec.status import RAN

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


def write_baseline(path: Path, records: Sequence[Mapping[str, Any]], meta: Mapping[str, Any]) -> None:
    """One JSON document (gzip when the name ends in .gz), cases sorted by key."""
    cases = {case_key(r): entry(r) for r in records}
    data = {"rnnspec_baseline": FORMAT, "meta": dict(meta), "cases": dict(sorted(cases.items()))}
    path.parent.mkdir(parents=True, exist_ok=True)
    with _open(path, "w") as handle:
        json.dump(data, handle, sort_keys=True)


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
        v = self.meta.get("versions", {})
        return f"keras {v.get('keras')} ({v.get('backend')}), tensorflow {v.get('tensorflow')}, depth {self.depth}"

    @property
    def depth(self) -> str:
        """The depth of the recording run; records made before depths existed ran everything."""
        return str(self.meta.get("depth", "exhaustive"))


def changes(
    before: Mapping[str, Any] | None,
    status: str,
    actual: str | None,
    arrays: Sequence[np.ndarray] | None,
    tolerance: float,
) -> list[str]:
    """How this run of a case differs from its baseline entry, one sentence per change."""
    if before is None:
        return []  # a case the baseline does not know: new, reported but not a change
    out: list[str] = []
    if before.get("status") != status:
        out.append(f"status {before.get('status')} -> {status}")
    if before.get("actual") != actual:
        out.append(f"returns {before.get('actual') or '(raised)'} -> {actual or '(raised)'}")
    old = before.get("tensors")
    if old is None or arrays is None or before.get("actual") != actual:
        return out
    if len(old) != len(arrays):
        return [*out, f"{len(old)} tensors -> {len(arrays)}"]
    for index, (recorded, now) in enumerate(zip(old, arrays, strict=True)):
        then = np.asarray(recorded["values"], dtype=np.float64).reshape(recorded["shape"])
        if then.shape != now.shape:
            out.append(f"tensor {index}: shape {then.shape} -> {now.shape}")
            continue
        drift = float(np.max(np.abs(then - now))) if now.size else 0.0
        if not drift <= tolerance:
            out.append(f"tensor {index}: values moved by up to {drift:.3g} (tolerance {tolerance:.3g})")
    return out
