"""Shared fixtures of the self-tests: a throw-away pytest project holding small spec tables.

The tests drive rnnspec the way a user does, through pytest itself (``pytester``), on tables
small enough (units 2, B 1-2, T 3) that an in-process run takes well under a second once
Keras is imported.
"""

from __future__ import annotations

import json
import os
import textwrap
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

# Imported here, before pytester snapshots sys.modules, so that in-process runs reuse them
# instead of importing TensorFlow's lazily loaded parts again on every run.
import rnnspec.plugin
import rnnspec.reports
import rnnspec.runner
import rnnspec.spec  # noqa: F401

pytest_plugins = ["pytester"]

# Property-test profiles: "ci" is the default (reproducible: derandomized, few examples);
# "thorough" draws many more. Pick one with HYPOTHESIS_PROFILE=NAME (the pytest plugin is off).
settings.register_profile("ci", max_examples=12, derandomize=True, deadline=None, print_blob=True)
settings.register_profile("thorough", max_examples=300, deadline=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

#: The ini of every throw-away project: spec tables live under spec/, as in the real repository.
PYTEST_INI = """\
[pytest]
rnnspec_paths = spec
filterwarnings =
    ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning
"""

#: A correct LSTM table: 4 combinations of return_sequences x return_state, all tiny.
GOOD_LSTM = """\
rnnspec: 1
title: LSTM
inputs: (B, T, F)
sizes: {B: 1, T: 3, F: 2, units: 2}
build:
  class: LSTM
  args:
    units: $units
    return_sequences: $return_sequences
    return_state: $return_state
defaults:
  return_sequences: false
  return_state: false
cross:
  return_sequences: [false, true]
  return_state: [false, true]
tables:
  core: {}
expect:
  - when: {return_sequences: false, return_state: false}
    returns: (B, units)
  - when: {return_sequences: true, return_state: false}
    returns: (B, T, units)
  - when: {return_sequences: false, return_state: true}
    returns: ((B, units), (B, units), (B, units))
  - when: {return_sequences: true, return_state: true}
    returns: ((B, T, units), (B, units), (B, units))
  - when: {return_state: true}
    relations: [output_is_h, h_then_c]
  - dtype: float32
"""

#: The four item names GOOD_LSTM declares on the CPU, in file order.
GOOD_LSTM_CPU_NAMES = ["LSTM[core-cpu]", "LSTM[core-state-cpu]", "LSTM[core-seq-cpu]", "LSTM[core-seq-state-cpu]"]


def two_case_spec(title: str) -> str:
    """A correct two-case SimpleRNN table (return_state false/true), to run beside a table
    under test and show that its results stay complete."""
    return f"""\
rnnspec: 1
title: {title}
inputs: (B, T, F)
sizes: {{B: 1, T: 3, F: 2, units: 2}}
build:
  class: SimpleRNN
  args: {{units: $units, return_state: $return_state}}
defaults: {{return_state: false}}
cross: {{return_state: [false, true]}}
tables: {{core: {{}}}}
expect:
  - when: {{return_state: false}}
    returns: (B, units)
  - when: {{return_state: true}}
    returns: ((B, units), (B, units))
    relations: [output_is_h]
  - dtype: float32
"""


def one_case_spec(
    *,
    title: str,
    layer: str,
    args: str,
    defaults: str,
    row: str,
    sizes: str = "{B: 1, T: 3, F: 2, units: 2}",
) -> str:
    """A table with a single combination (its defaults), named ``<title>[only-cpu]``.

    ``args`` and ``defaults`` are YAML flow mappings; ``row`` is the body of the one
    expect row, as YAML lines without the leading dash.
    """
    body = textwrap.indent(textwrap.dedent(row).strip(), "    ")[4:]
    return (
        "rnnspec: 1\n"
        f"title: {title}\n"
        "inputs: (B, T, F)\n"
        f"sizes: {sizes}\n"
        "build:\n"
        f"  class: {layer}\n"
        f"  args: {args}\n"
        f"defaults: {defaults}\n"
        "tables:\n"
        "  only: {}\n"
        "expect:\n"
        f"  - {body}\n"
    )


def line_of(text: str, needle: str, nth: int = 1) -> int:
    """1-based line of the nth line containing ``needle``, so tests never hard-code lines."""
    hits = [number for number, line in enumerate(text.splitlines(), 1) if needle in line]
    assert len(hits) >= nth, f"{needle!r} occurs {len(hits)} times"
    return hits[nth - 1]


class SpecProject:
    """A pytester directory set up as an rnnspec project (pytest.ini, spec/)."""

    def __init__(self, pytester: pytest.Pytester) -> None:
        self.pytester = pytester
        self.root = pytester.path
        (self.root / "pytest.ini").write_text(PYTEST_INI, encoding="utf-8")
        (self.root / "spec").mkdir()

    def write(self, name: str, text: str) -> Path:
        """Write spec/<name> and return its absolute path."""
        path = self.root / "spec" / name
        path.write_text(text, encoding="utf-8")
        return path

    def args(self, *args: str, devices: str | None = "cpu") -> list[str]:
        """The command line: the plugin named explicitly, CPU cases only unless told.

        Hypothesis's and pytest-benchmark's plugins are left out: pytester drops the modules
        a run imports, so they would be imported (and assertion-rewritten) again every run.
        """
        out = ["-p", "rnnspec.plugin", "-p", "no:hypothesispytest", "-p", "no:benchmark", *args]
        if devices is not None:
            out.append(f"--rnnspec-devices={devices}")
        return out

    def run(self, *args: str, devices: str | None = "cpu") -> pytest.RunResult:
        """Run pytest in-process (Keras is imported once for the whole self-test session)."""
        return self.pytester.runpytest(*self.args(*args, devices=devices))

    def run_subprocess(self, *args: str, devices: str | None = "cpu", timeout: float = 120) -> pytest.RunResult:
        """Run pytest in a fresh interpreter (for what must happen before TensorFlow starts)."""
        return self.pytester.runpytest_subprocess(*self.args(*args, devices=devices), timeout=timeout)


@pytest.fixture
def project(pytester: pytest.Pytester) -> SpecProject:
    """An empty rnnspec project in a temporary directory."""
    return SpecProject(pytester)


def reports_of(result: pytest.RunResult, by_nodeid: bool = False) -> dict[str, pytest.TestReport]:
    """Each item's deciding report (failed setup, else call), keyed by the item's name
    (or node id, where several files have an item of the same name, e.g. ``spec-error``).

    Only for in-process runs, which keep pytest's report objects.
    """
    out: dict[str, pytest.TestReport] = {}
    for report in result.reprec.getreports("pytest_runtest_logreport"):  # type: ignore[attr-defined]
        name = report.nodeid if by_nodeid else report.nodeid.split("::")[-1]
        if report.when == "call" or (report.when == "setup" and not report.passed):
            out[name] = report
    return out


def outcomes_of(result: pytest.RunResult) -> dict[str, str]:
    """Item name -> passed/failed/skipped, from an in-process run."""
    return {name: report.outcome for name, report in reports_of(result).items()}


def load_results(directory: Path) -> dict[str, Any]:
    """reports/results.json of a run, parsed."""
    data: dict[str, Any] = json.loads((directory / "results.json").read_text(encoding="utf-8"))
    return data


def records_by_name(data: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """results.json's case records keyed by item name; fails on a duplicated case."""
    out: dict[str, dict[str, Any]] = {}
    for record in data["cases"]:
        assert record["name"] not in out, f"case {record['name']} recorded twice"
        out[record["name"]] = record
    return out
