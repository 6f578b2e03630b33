"""reports/compat.md: what changed between the environments of the version matrix.

Reads the condensed per-environment files (``rnnspec.compat``) and writes one page: the
environments, a per-table summary, the contract points whose result is not the same
everywhere, and one section per pair of consecutive environments saying what changed
(status, returned structure, container, dtype, relations, reference error). Points that
agree everywhere are only counted, and long lists fold away (``<details>``), so the page
stays short when the environments agree and readable at 1,800 points x 11 environments.
The output depends only on the inputs, byte for byte: everything is sorted and nothing
reads the clock or the machine.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from rnnspec.compat import NOT_APPLICABLE, RENDER_COMMAND, CompatError, Environment, Point

#: Below this, float32 errors vary from process to process (as in contract.md's bounds), so
#: a reference error "moves" only when it moves above the floor.
ERROR_FLOOR = 1e-6
#: A reference error that grows or shrinks by more than this factor is listed as a change.
ERROR_JUMP = 10.0
#: A pair section lists at most this many changed points (the weightiest); the rest are counted.
PAIR_ROWS = 200

_EXCEPTION = re.compile(r"([A-Za-z_][\w.]*)(?::|$)")
_DTYPE = re.compile(r"@\w+")
_TRAILING_COMMA = re.compile(r",\s*\)")

# What a record's status means here: the word a cell shows, and the summary bucket.
_OUTCOME = {
    "passed": "pass",
    "xfailed": "xfail",
    "failed": "FAIL",
    "error": "FAIL",
    "xpassed": "xpass",
    "unfinished": "not finished",
    "skipped": "skip",
    NOT_APPLICABLE: "n/a",
}
_BUCKET = {"pass": 0, "xfail": 0, "n/a": 2, "skip": 3}  # anything else counts as failed (1)
_BARE = {"skip", "n/a", "not finished", "not run"}  # outcomes that return nothing to show


# --- compare --------------------------------------------------------------------------------


def outcome(record: Mapping[str, Any] | None) -> str:
    """The word a cell shows for a record's status: pass, FAIL, xfail, n/a, skip, not run..."""
    if record is None:
        return "not run"
    return _OUTCOME.get(str(record["status"]), str(record["status"]))


def returned(record: Mapping[str, Any] | None) -> str:
    """What the call returned, in the tables' notation, or the exception it raised unasked.

    Only the exception's type: its message changes wording between releases.
    """
    if record is None or outcome(record) in _BARE:
        return ""
    if record.get("actual"):
        return str(record["actual"])
    if record.get("error"):
        match = _EXCEPTION.match(str(record["error"]))
        return f"raised {match.group(1) if match else record['error']}"
    return ""


def _containers_as_tuples(text: str) -> str:
    return _TRAILING_COMMA.sub(")", text.replace("[", "(").replace("]", ")"))


def structure_change(before: str, after: str) -> str:
    """Name how two returned structures differ: the kinds an upgrade guard must tell apart."""
    raised = (before.startswith(("raises ", "raised ")), after.startswith(("raises ", "raised ")))
    if raised == (False, True):
        return "raises instead of returning"
    if raised == (True, False):
        return "returns instead of raising"
    if all(raised):
        return "raises another exception"
    if _containers_as_tuples(before) == _containers_as_tuples(after):
        return "container (list <-> tuple)"
    if _DTYPE.sub("", before) == _DTYPE.sub("", after):
        return "dtype"
    if _DTYPE.sub("", _containers_as_tuples(before)) == _DTYPE.sub("", _containers_as_tuples(after)):
        return "container and dtype"
    return "structure (shapes, nesting or count)"


def _broken(record: Mapping[str, Any]) -> set[str]:
    """Relations that did not hold: failures plus documented deviations (seen as expected)."""
    return set(record.get("relation_failures") or {}) | set(record.get("deviations") or [])


def _error(record: Mapping[str, Any]) -> float | None:
    value = record.get("max_error")
    if value is None or isinstance(value, bool):
        return None
    number = float(value)
    return math.inf if math.isnan(number) else number


def _moved(before: float, after: float) -> bool:
    low, high = sorted((max(before, ERROR_FLOOR), max(after, ERROR_FLOOR)))
    return high > low * ERROR_JUMP


@dataclass(frozen=True)
class Change:
    kind: str  # what the summary counts, e.g. "status: pass -> FAIL"
    detail: str  # what the point's row says, e.g. "reference error 1e-07 -> 3e-03"


def changes(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> list[Change]:
    """Everything that differs for one contract point between two environments."""
    if before is None and after is None:
        return []
    if before is None:
        return [Change("added: only in the later environment", "added")]
    if after is None:
        return [Change("removed: only in the earlier environment", "removed")]
    found: list[Change] = []
    was, now = outcome(before), outcome(after)
    if was != now:
        found.append(Change(f"status: {was} -> {now}", f"{was} -> {now}"))
    old, new = returned(before), returned(after)
    if old and new and old != new:
        kind = structure_change(old, new)
        found.append(Change(kind, kind))
    if before.get("reference") == "checked" and after.get("reference") == "checked":
        was_broken, now_broken = _broken(before), _broken(after)
        for name in sorted(now_broken - was_broken):
            found.append(Change(f"relation {name} stopped holding", f"{name} stopped holding"))
        for name in sorted(was_broken - now_broken):
            found.append(Change(f"relation {name} started holding", f"{name} started holding"))
        old_error, new_error = _error(before), _error(after)
        if old_error is not None and new_error is not None and _moved(old_error, new_error):
            found.append(
                Change(
                    f"reference error moved more than {ERROR_JUMP:g}x",
                    f"reference error {old_error:.1e} -> {new_error:.1e}",
                )
            )
    return found


def _kind_rank(kind: str) -> tuple[int, str]:
    # Container changes last: a Keras 2 <-> 3 step has hundreds, and the matrix lists them all.
    order = ("status", "raises", "returns", "structure", "dtype", "relation", "reference", "container", "added")
    rank = next((i for i, prefix in enumerate(order) if kind.startswith(prefix)), len(order))
    return rank, kind


# --- render ---------------------------------------------------------------------------------


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _code(text: str) -> str:
    return f"`{_cell(text)}`" if text else ""


def _count(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


class _Index:
    """The union of every environment's contract points, in the tables' order."""

    def __init__(self, envs: Sequence[Environment]) -> None:
        self.envs = envs
        first: dict[Point, Mapping[str, Any]] = {}
        for env in envs:
            for point, record in env.cases.items():
                first.setdefault(point, record)
        self.first = first
        self.points = sorted(first, key=lambda p: (first[p]["file"], first[p]["order"], p[0], p[1]))
        self.titles: dict[str, str] = {}
        for env in envs:
            for file, title in env.titles.items():
                self.titles.setdefault(file, str(title))

    def file(self, point: Point) -> str:
        return str(self.first[point]["file"])

    def title(self, file: str) -> str:
        return self.titles.get(file, file)

    def label(self, point: Point) -> str:
        """The case key without its file, e.g. ``LSTM[mask-seq]``."""
        return point[0].split("::", 1)[-1]


def _versions_cells(versions: Mapping[str, Any]) -> list[str]:
    known = ("tensorflow", "keras", "backend", "numpy", "python", "python_minor")
    others = ", ".join(f"{k} {v}" for k, v in sorted(versions.items()) if k not in known and v is not None)
    return [str(versions.get(k) or "-") for k in known[:5]] + [others or "-"]


def _header(envs: Sequence[Environment], missing: Sequence[str], index: _Index) -> list[str]:
    out = [
        "# Compatibility matrix: the tables across TensorFlow, Keras and backends",
        "",
        f"<!-- Generated by `{RENDER_COMMAND}` from reports/compat/*.json. Do not edit by hand. -->",
        "",
        "Each environment of the version matrix (`tox.ini`) ran the tables under `spec/` and condensed",
        "its results into `reports/compat/<env>.json`; this page compares them. A *contract point* is",
        "one case of a table on one device. Environments appear in the order of",
        "`reports/compat/environments.txt` (version order), and *consecutive* below means consecutive",
        "in that list. After changing any of those files, regenerate this page with",
        "",
        f"    {RENDER_COMMAND}        # or: tox -e compat",
        "",
        "## Environments",
        "",
        "| env | TensorFlow | Keras | backend | NumPy | Python | also | contract points | run |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for env in envs:
        run = "complete" if env.complete else "**incomplete**"
        if env.spec_errors:
            run += f", **{_count(len(env.spec_errors), 'spec error')}**"
        cells = [f"`{env.name}`", *_versions_cells(env.versions), f"{len(env.cases):,}", run]
        out.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    if missing:
        out += ["", "Listed in `environments.txt` but not recorded yet: " + ", ".join(f"`{m}`" for m in missing) + "."]
    return out


def _summary(envs: Sequence[Environment], index: _Index) -> list[str]:
    out = [
        "",
        "## Summary",
        "",
        "Cases per table and device in each environment: passed / failed / not applicable / skipped.",
        "Passed includes the expected failures a table declares (`xfail`); failed includes errors,",
        "unexpected passes and unfinished cases; not applicable means the version lacks what the case",
        "needs; skipped is mostly `gpu` on a machine without one.",
        "",
        "| table | device | " + " | ".join(f"`{e.name}`" for e in envs) + " |",
        "|---|---|" + "---|" * len(envs),
    ]
    tallies: list[dict[tuple[str, str], list[int]]] = []
    for env in envs:
        tally: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
        for (_, device), record in env.cases.items():
            tally[(str(record["file"]), device)][_BUCKET.get(outcome(record), 1)] += 1
        tallies.append(tally)
    for row in sorted({(index.file(p), p[1]) for p in index.points}):
        cells = []
        for tally in tallies:
            counts = tally.get(row, [0, 0, 0, 0])
            if not any(counts):
                cells.append("not run")
                continue
            failed = f"**{counts[1]}**" if counts[1] else "0"
            cells.append(f"{counts[0]}/{failed}/{counts[2]}/{counts[3]}")
        out.append(f"| {_cell(index.title(row[0]))} | {row[1]} | " + " | ".join(cells) + " |")
    return out


def _letters(n: int) -> str:
    """A, B, ..., Z, AA, AB, ...: names for a row's distinct results."""
    name = ""
    n += 1
    while n:
        n, rest = divmod(n - 1, 26)
        name = chr(ord("A") + rest) + name
    return name


def _row(point: Point, envs: Sequence[Environment]) -> tuple[tuple[str, ...], str]:
    """One point's cells across the environments, and the legend that spells out its letters."""
    names: dict[str, str] = {}
    cells = []
    for env in envs:
        record = env.cases.get(point)
        word, text = outcome(record), returned(record)
        if text and text not in names:
            names[text] = _letters(len(names))
        shown = "**FAIL**" if word == "FAIL" else word
        cells.append(shown if not text else names[text] if word == "pass" else f"{shown} {names[text]}")
    legend = "; ".join(f"{name}: {_code(text)}" for text, name in names.items()) or "-"
    return tuple(cells), legend


def _differences(envs: Sequence[Environment], index: _Index) -> list[str]:
    differing: dict[str, list[Point]] = defaultdict(list)
    per_file: Counter[str] = Counter()
    skipped_everywhere = 0
    for point in index.points:
        per_file[index.file(point)] += 1
        results = {(outcome(e.cases.get(point)), returned(e.cases.get(point))) for e in envs}
        if len(results) > 1:
            differing[index.file(point)].append(point)
        elif results == {("skip", "")}:
            skipped_everywhere += 1
    total = len(index.points)
    n_differing = sum(len(v) for v in differing.values())
    out = [
        "",
        "## Contract points that differ between environments",
        "",
        f"{total - n_differing:,} of {total:,} contract points return the same structure with the same status in",
        f"all {len(envs)} environments ({skipped_everywhere:,} of them skipped everywhere, e.g. `gpu` without a GPU)"
        " and are not listed.",
    ]
    if not n_differing:
        return [*out, "", "No contract point differs."]
    out += [
        f"The other {n_differing:,} follow, per table. A cell names one of the point's distinct results (A, B, ...:",
        "what the call returned or raised, spelled out in the last column of the full list), after its status",
        "when that is not a pass; `n/a` is not applicable, `skip` skipped, `not run` absent from that",
        "environment's results. Each table first counts the points that change in the same pattern.",
    ]
    columns = " | ".join(f"`{e.name}`" for e in envs)
    for file in sorted(differing):
        rows = [(point, *_row(point, envs)) for point in differing[file]]
        patterns = Counter(cells for _, cells, _ in rows)
        out += [
            "",
            f"### {_cell(index.title(file))} (`{file}`): {len(rows):,} of {per_file[file]:,} points differ",
            "",
            f"| points | {columns} |",
            "|---|" + "---|" * len(envs),
        ]
        for cells, n in sorted(patterns.items(), key=lambda item: (-item[1], item[0])):
            out.append(f"| {n:,} | " + " | ".join(cells) + " |")
        out += [
            "",
            f"<details><summary>The {len(rows):,} points</summary>",
            "",
            f"| case | device | {columns} | results |",
            "|---|---|" + "---|" * len(envs) + "---|",
        ]
        for point, cells, legend in rows:
            out.append(f"| {_code(index.label(point))} | {point[1]} | " + " | ".join(cells) + f" | {legend} |")
        out += ["", "</details>"]
    return out


def _version_delta(before: Environment, after: Environment) -> str:
    keys = sorted((set(before.versions) | set(after.versions)) - {"python_minor"})
    moved = [
        f"{k} {before.versions.get(k) or '-'} -> {after.versions.get(k) or '-'}"
        for k in keys
        if before.versions.get(k) != after.versions.get(k)
    ]
    return "Versions: " + ("; ".join(moved) if moved else "the same") + "."


def _shown(record: Mapping[str, Any] | None) -> str:
    """A record in a pair section: its status, what it returned, the error's first line, and
    why it was not applicable or skipped (the argument a version lacks, say)."""
    word = outcome(record)
    parts = ["**FAIL**" if word == "FAIL" else word]
    if record is None:
        return word
    if word not in _BARE:
        if record.get("actual"):
            parts.append(_code(str(record["actual"])))
        if record.get("error"):
            parts.append(_code(str(record["error"])))
    elif record.get("reason"):
        parts.append(f"({_cell(str(record['reason']))})")
    return " ".join(parts)


def _pair(before: Environment, after: Environment, index: _Index) -> list[str]:
    out = ["", f"### `{before.name}` -> `{after.name}`", "", _version_delta(before, after), ""]
    found: list[tuple[Point, list[Change]]] = []
    for point in index.points:
        point_changes = changes(before.cases.get(point), after.cases.get(point))
        if point_changes:
            found.append((point, point_changes))
    both = len(set(before.cases) & set(after.cases))
    if not found:
        return [*out, f"Nothing changed in the {both:,} contract points both ran."]
    kinds: dict[str, Counter[str]] = defaultdict(Counter)
    for point, point_changes in found:
        for kind in sorted({c.kind for c in point_changes}):
            kinds[kind][index.title(index.file(point))] += 1
    out += [
        f"{len(found):,} of {len(index.points):,} contract points changed ({both:,} ran in both).",
        "",
        "| change | points | tables |",
        "|---|---|---|",
    ]
    for kind in sorted(kinds, key=_kind_rank):
        where = ", ".join(f"{_cell(title)} {n:,}" for title, n in sorted(kinds[kind].items()))
        out.append(f"| {_cell(kind)} | {sum(kinds[kind].values()):,} | {where} |")
    # The weightiest changes first (status, raising, structure ... reference error, container),
    # each group in the tables' order; past PAIR_ROWS the rest are only counted. A Keras 2 -> 3
    # step changes the container of ~800 points, which the matrix above lists anyway.
    found.sort(key=lambda item: min(_kind_rank(c.kind)[0] for c in item[1]))
    shown = found[:PAIR_ROWS]
    out += [
        "",
        f"<details><summary>The {len(found):,} changed points, weightiest change first</summary>",
        "",
        f"| case | device | what changed | `{before.name}` | `{after.name}` |",
        "|---|---|---|---|---|",
    ]
    for point, point_changes in shown:
        what = "; ".join(c.detail for c in point_changes)
        out.append(
            f"| {_code(index.label(point))} | {point[1]} | {_cell(what)} | "
            f"{_shown(before.cases.get(point))} | {_shown(after.cases.get(point))} |"
        )
    if len(found) > len(shown):
        rest = Counter(kind for _, point_changes in found[len(shown) :] for kind in {c.kind for c in point_changes})
        listed = ", ".join(f"{_cell(kind)} {n:,}" for kind, n in sorted(rest.items(), key=lambda kv: _kind_rank(kv[0])))
        out += [
            "",
            f"And {len(found) - len(shown):,} more points, counted above and not listed here ({listed}):",
            "the matrix above shows those whose result differs, `reports/compat/*.json` has every one.",
        ]
    return [*out, "", "</details>"]


def render(envs: Sequence[Environment], missing: Sequence[str] = ()) -> str:
    """reports/compat.md from the environments, in the order given. Byte-for-byte deterministic."""
    if not envs:
        raise CompatError("no environment has results yet: run the matrix (tox -m ...) first")
    index = _Index(envs)
    out = _header(envs, missing, index) + _summary(envs, index)
    if len(envs) == 1:
        out += ["", "Only one environment has results: nothing to compare yet."]
        return "\n".join(out) + "\n"
    out += _differences(envs, index)
    out += ["", "## Between consecutive environments"]
    for before, after in pairwise(envs):
        out += _pair(before, after, index)
    return "\n".join(out) + "\n"
