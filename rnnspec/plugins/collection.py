"""Spec files become test items: where they are (``rnnspec_paths``), how much of each table a
run takes (``--rnnspec-depth``), and the markers the items carry.

A project without spec files (no ``rnnspec_paths`` folder holding a ``*.yaml``) is left
alone: it sees no rnnspec marker and imports no Keras, so installing rnnspec costs other
projects nothing but this module's import. Items get their ids the pytest way (a name and its
``[params]``, rnnspec/plugins/items.py), so ``--lf``, ``--ff`` and ``--sw`` find them again.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from rnnspec import DEPTHS, TABLE_SUFFIXES, is_table_file
from rnnspec.errors import SpecError, SpecErrors
from rnnspec.plugins.items import CaseItem, SpecErrorItem, markers_of
from rnnspec.plugins.session import state_of
from rnnspec.record import CaseRecord
from rnnspec.status import RAN

_ROOTS = pytest.StashKey[list[Path]]()

MARKERS = (
    ("rnnspec", "a case generated from a spec table"),
    ("cpu", "runs on the CPU"),
    ("gpu", "runs on a GPU (skipped without one)"),
)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("rnnspec", "rnnspec: the Keras recurrent-layer contract")
    group.addoption(
        "--rnnspec-depth",
        default="standard",
        choices=DEPTHS,
        help="standard (default): each file's cross narrowed where its `standard:` says; "
        "exhaustive: every combination of every table (make spec, make test and tox use it)",
    )
    parser.addini(
        "rnnspec_paths",
        type="paths",
        default=[Path("spec")],
        help="folders whose *.yaml files are rnnspec tables (default: spec)",
    )


def spec_roots(config: pytest.Config) -> list[Path]:
    """The ``rnnspec_paths`` folders, absolute and resolved."""
    roots = []
    for entry in config.getini("rnnspec_paths"):
        path = Path(entry)
        roots.append((path if path.is_absolute() else config.rootpath / path).resolve())
    return roots


def table_files(root: Path) -> Iterator[Path]:
    """The spec tables under ROOT (suites and ``_*.yaml`` fragments are not tables)."""
    if root.is_dir():
        yield from (p for s in TABLE_SUFFIXES for p in root.rglob(f"*{s}") if is_table_file(p))


def has_spec_files(roots: list[Path]) -> bool:
    """Is there at least one spec table under these folders?"""
    return any(next(table_files(root), None) for root in roots)


def pytest_configure(config: pytest.Config) -> None:
    roots = spec_roots(config)
    config.stash[_ROOTS] = roots
    state = state_of(config)
    state.active = has_spec_files(roots)
    if state.active:
        for name, text in MARKERS:
            config.addinivalue_line("markers", f"{name}: {text}")
        # the table families from the file names alone (so --markers lists them); the axis
        # values need the tables read, and are registered as each file is collected
        from rnnspec.markers import family

        register_markers(config, {family(p.name) for root in roots for p in table_files(root)})


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    # a suite or a fragment (``_*.yaml``) is read through the tables that inherit it
    if not is_table_file(file_path) or not state_of(parent.config).active:
        return None
    resolved = file_path.resolve()
    if any(resolved.is_relative_to(root) for root in parent.config.stash[_ROOTS]):
        return SpecCollector.from_parent(parent, path=file_path)
    return None


class SpecCollector(pytest.File):
    """One spec file: its cases, or a single item that reports why the file is bad."""

    def collect(self) -> Iterator[pytest.Item]:
        from rnnspec.spec import collect_cases

        state = state_of(self.config)
        try:
            cases = collect_cases(
                self.path, state.registry, state.selected_devices, self.config.getoption("rnnspec_depth")
            )
        except (SpecErrors, SpecError) as exc:
            errors = exc.errors if isinstance(exc, SpecErrors) else [exc]
            item = SpecErrorItem.from_parent(self, name="spec-error", errors=errors)
            state.spec_error_items.append(item)
            yield item
            return
        register_markers(self.config, {name for case in cases for name in markers_of(case)})
        for case in cases:
            yield CaseItem.for_case(self, case)


def register_markers(config: pytest.Config, names: set[str]) -> None:
    """Registers the table's family and axis-value markers (rnnspec/markers.py) before its
    items carry them, so that ``--strict-markers`` accepts them and ``--markers`` lists them."""
    from rnnspec.markers import describe

    known = {line.split(":", 1)[0].split("(", 1)[0].strip() for line in config.getini("markers")}
    for name in sorted(names - known):
        config.addinivalue_line("markers", describe(name))


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A bad spec file fails the run even when -k or -m deselected its error item."""
    selected = {id(item) for item in items}
    items.extend(item for item in state_of(config).spec_error_items if id(item) not in selected)


@pytest.hookimpl(tryfirst=True)
def pytest_rnnspec_terminal_summary(terminalreporter: Any, records: list[CaseRecord]) -> None:
    """Says what the depth left out, so that a standard run is never read as exhaustive."""
    ran = [r for r in records if r["status"] in RAN]
    deferred = [r for r in ran if r.get("deferred")]
    if deferred:
        checks = sum(len(r["deferred"]) for r in deferred)
        depth = terminalreporter.config.getoption("rnnspec_depth")
        terminalreporter.write_line(
            f"depth {depth}: {checks} checks of relations that make extra calls, "
            f"on {len(deferred)} of {len(ran)} cases, left to --rnnspec-depth=exhaustive "
            "(each file's standard: extra_calls_per_file and extra_calls say where they run)"
        )
