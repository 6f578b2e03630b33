"""The answer to "what does ``GRU(return_state=True)`` return?", from the tables, without Keras.

``rnnspec show`` (rnnspec/cli.py) reads a call written like Python, finds the table that
builds that layer, compiles it (rnnspec/table.py, against the installed versions read from
package metadata: rnnspec/installed.py) and finds the declared combination the arguments
name. The answer is assembled here as plain data and text: the returned structure with the
tensors' names, shapes for the sizes given and dtypes; the input mask; the relations in words
(each relation's docstring); the deviations, notes and expected failures with their reasons;
what the tables say of other releases (rnnspec/findings.py); and where the version matrix's
records (``reports/compat/*.json``) show a different answer. Nothing here imports Keras.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from rnnspec import DEVICES, is_table_file
from rnnspec.case import Case, SpecTable, value_text, values_text
from rnnspec.errors import did_you_mean as close_hint
from rnnspec.expand import expand, xfail_for
from rnnspec.findings import elsewhere
from rnnspec.installed import installed_versions
from rnnspec.relations import RELATIONS
from rnnspec.rules import matches
from rnnspec.structure import Shape, Structure, format_structure
from rnnspec.table import compile_table
from rnnspec.templates import build_text

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class QueryError(ValueError):
    """A question rnnspec cannot answer: a malformed call, an unknown layer or argument."""

    def __init__(self, message: str, hint: str = "") -> None:
        self.message, self.hint = message, hint
        super().__init__(message + (f"\n  hint: {hint}" if hint else ""))


@dataclass(frozen=True)
class Query:
    """``GRU(return_state=True)`` read: the layer's name and the arguments given."""

    layer: str
    args: Mapping[str, Any]
    text: str


def parse_query(text: str) -> Query:
    """Read ``Layer(arg=value, ...)`` (or ``Layer``); values are Python literals."""
    try:
        node = ast.parse(text.strip(), mode="eval").body
    except SyntaxError as exc:
        raise QueryError(f"cannot read {text!r}: {exc.msg}; write it like GRU(return_state=True)") from None
    call = node if isinstance(node, ast.Call) else None
    func = call.func if call else node
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None
    if name is None or (call is not None and call.args):
        raise QueryError(f"cannot read {text!r}: write the layer and keyword arguments, like GRU(return_state=True)")
    args: dict[str, Any] = {}
    for keyword in call.keywords if call else []:
        if keyword.arg is None:
            raise QueryError(f"cannot read {text!r}: **kwargs are not arguments")
        try:
            args[keyword.arg] = ast.literal_eval(keyword.value)
        except ValueError:
            raise QueryError(f"{keyword.arg}={ast.unparse(keyword.value)}: not a literal value") from None
    return Query(name, args, text.strip())


def did_you_mean(word: str, known: Sequence[str]) -> str:
    """The hint the tables give for an unknown name, with the known names when none is close."""
    return close_hint(word, known, f"known: {', '.join(sorted(known))}")


def _title_and_class(path: Path) -> tuple[str | None, str | None]:
    """A table's title and built class, read with libyaml alone: finding the table must not
    cost a compile of every file (the chosen one is compiled whole, with every check)."""
    try:
        doc = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)
    except (OSError, yaml.YAMLError):
        return None, None  # its errors are the run's; it answers nothing here
    if not isinstance(doc, Mapping):
        return None, None
    build = doc.get("build")
    klass = build.get("class") if isinstance(build, Mapping) else None
    return (str(doc["title"]) if "title" in doc else None), (klass if isinstance(klass, str) else None)


def find_table(directory: Path, layer: str) -> Path:
    """The table whose title is ``layer``, or else the first that builds that class."""
    titles: dict[str, Path] = {}
    classes: dict[str, Path] = {}
    for path in sorted(p for p in directory.iterdir() if is_table_file(p)):
        title, klass = _title_and_class(path)
        if title:
            titles.setdefault(title, path)
        if klass and not klass.startswith("$"):
            classes.setdefault(klass, path)
    found = titles.get(layer) or classes.get(layer)
    if found is None:
        raise QueryError(f"no table in {directory} builds {layer!r}", did_you_mean(layer, [*titles, *classes]))
    return found


@dataclass(frozen=True)
class Answer:
    """Everything ``rnnspec show`` prints for one question."""

    query: Query
    table: SpecTable
    case: Case
    others: tuple[str, ...]  # other declared combinations with the same values (other tables)
    sizes: Mapping[str, int]


def answer(query: Query, directory: Path, sizes: Mapping[str, int] | None = None) -> Answer:
    """Compile the table that builds ``query.layer`` and take the combination it names."""
    path = find_table(directory, query.layer)
    table = compile_table(path, installed_versions())
    chosen = {**dict(table.sizes), **(sizes or {})}
    wanted: dict[str, Any] = {}
    for arg, value in query.args.items():
        if arg in table.defaults:
            wanted[arg] = value
        elif arg in table.sizes:
            chosen[arg] = int(value)
        else:
            raise QueryError(
                f"{path.name}: {table.title} has no axis or size {arg!r}",
                did_you_mean(arg, [*table.defaults, *table.sizes]),
            )
    unknown = sorted(set(sizes or {}) - set(table.sizes))
    if unknown:
        raise QueryError(f"{path.name}: no size {unknown[0]!r}", did_you_mean(unknown[0], list(table.sizes)))
    values = {**table.defaults, **wanted}
    found = [c for c in table.combinations if matches(values, c.values)]
    if not found:
        declared = {axis: sorted({value_text(c.values[axis]) for c in table.combinations}) for axis in wanted}
        raise QueryError(
            f"{path.name} declares no combination {values_text(wanted)}",
            "; ".join(f"{axis}: {', '.join(v)}" for axis, v in declared.items()),
        )
    cases = {id(c.combination): c for c in expand(table, ("cpu",))}
    case = cases[id(found[0])]
    others = tuple(f"{table.title}[{c.table}]" for c in found[1:])
    return Answer(query, table, case, others, chosen)


# --- the text ---------------------------------------------------------------------------


def _leaves(structure: Structure, where: str) -> list[tuple[str, Shape]]:
    if isinstance(structure, Shape):
        return [(where, structure)]
    return [leaf for i, item in enumerate(structure.items) for leaf in _leaves(item, f"{where}[{i}]")]


def _container(structure: Structure) -> str:
    if isinstance(structure, Shape):
        return "one tensor, not a tuple"
    n = len(_leaves(structure, ""))
    kind = "tuple" if structure.kind == "tuple" else "list"
    return f"a {kind} of {len(structure.items)}" + (f" ({n} tensors)" if n != len(structure.items) else "")


def _relation_words(name: str) -> str:
    doc = (RELATIONS[name].__doc__ or "").strip().split("\n\n")[0]
    return " ".join(doc.split())


def returns_lines(found: Answer) -> list[str]:
    """What comes back: container, then one line per tensor (name, path, shape, dtype)."""
    exp = found.case.expectation
    if exp.raises:
        return [f"raises {exp.raises}"]
    lines = [f"returns {_container(exp.returns)}: {format_structure(exp.returns)}"]
    for where, leaf in _leaves(exp.returns, "outputs"):
        shape = tuple(d.evaluate(found.sizes) for d in leaf.dims)
        lines.append(f"  {leaf.name or '(unnamed)':<16} {where:<12} shape {shape!s:<18} {leaf.dtype or exp.dtype}")
    return lines


def point_records(directory: Path, case_key: str, device: str = "cpu") -> list[tuple[str, Mapping[str, Any] | None]]:
    """Each recorded environment's record of one point, in manifest order, without parsing
    the 19 MB of records: a condensed file holds one point a line with sorted keys
    (rnnspec/compat/condensed.py, dump_condensed), so the point's line is found as text and
    only it is parsed; its status is spelled as the reader spells it (SPELLINGS)."""
    import json

    from rnnspec.compat.condensed import SPELLINGS
    from rnnspec.compat.environments import read_manifest

    needle = f'"case": {json.dumps(case_key)}, "device": {json.dumps(device)}'
    found: list[tuple[str, Mapping[str, Any] | None]] = []
    for name in read_manifest(directory):
        path = directory / f"{name}.json"
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8")
        spelling = re.search(r'"format": "([^"]+)"', text)
        spellings = SPELLINGS.get(spelling.group(1) if spelling else "", {})
        record: dict[str, Any] | None = None
        at = text.find(needle)
        if at >= 0:
            line = text[text.rfind("\n", 0, at) + 1 : text.find("\n", at)].strip().rstrip(",")
            record = json.loads(line)
            record["status"] = spellings.get(record["status"], record["status"])
        found.append((name, record))
    return found


def matrix_lines(found: Answer, directory: Path) -> list[str]:
    """Where the version matrix's records differ: environments grouped by what they recorded."""
    from rnnspec.compat.compare import outcome, returned

    groups: dict[str, list[str]] = {}
    records = point_records(directory, found.case.case_key)
    for name, record in records:
        said = outcome(record) + (f", returned {returned(record)}" if returned(record) else "")
        groups.setdefault(said, []).append(name)
    if len(groups) <= 1:
        return [f"  the same in all {len(records)} recorded environments: {next(iter(groups), 'none')}"]
    return [f"  {said}: {', '.join(names)}" for said, names in sorted(groups.items(), key=lambda g: -len(g[1]))]


def render(found: Answer, compat_dir: Path | None) -> str:
    """The whole answer as text that reads the same in a terminal and in a CI log."""
    table, case = found.table, found.case
    exp = case.expectation
    lines = [
        f"{found.query.text}: {case.name.rsplit('-', 1)[0]}] in {table.path.name}, line {case.line}",
        f"  builds {build_text(case.node)} (at the table's sizes)",
        f"  sizes {', '.join(f'{k}={v}' for k, v in found.sizes.items())} (change with --size NAME=N)",
        "",
        *returns_lines(found),
        f"input mask: {case.values.get('mask', 'none')}"
        + ("" if case.values.get("mask", "none") == "none" else " (padding masked, see rnnspec/masks.py)"),
    ]
    if exp.relations:
        lines += ["", "relations (checked numerically on every run):"]
        lines += [f"  {name}: {_relation_words(name)}" for name in exp.relations]
    if case.deferred:
        lines.append(f"  at --rnnspec-depth=exhaustive also: {', '.join(case.deferred)}")
    explained = [f"  {d.relation} does not hold: {' '.join(d.reason.split())}" for d in exp.deviations]
    explained += [f"  note: {' '.join(n.split())}" for n in exp.notes]
    for device in DEVICES:
        xfail = xfail_for(table, case.values, device)
        if xfail:
            explained.append(f"  expected to fail on {device}: {' '.join(xfail.reason.split())}")
    if explained:
        lines += ["", "deviations and notes (this stack):", *explained]
    other = elsewhere(table.path, installed_versions(), case.values)
    if other:
        lines += ["", "on other releases and backends (the tables' versions rows):", *(f"  {o}" for o in other)]
    if found.others:
        lines += ["", f"also declared in: {', '.join(found.others)}"]
    if compat_dir is not None:
        lines += ["", f"version matrix ({compat_dir}, {case.case_key}, cpu):", *matrix_lines(found, compat_dir)]
    return "\n".join(lines)
