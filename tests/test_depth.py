"""The default depth narrows what a file lists under ``standard``; exhaustive runs everything (issue 5).

The narrowing is data in each table file, so these tests check that it takes exactly the
cases it names away, keeps the names of the others, refuses what it cannot mean (with the
line), and that a run says which depth it ran.
"""

from __future__ import annotations

import pytest

from conftest import SpecProject, line_of, load_results
from rnnspec.errors import SpecErrors
from rnnspec.registry import keras_layer_registry
from rnnspec.spec import SpecFile

NARROWED = """\
rnnspec: 1
title: SimpleRNN
inputs: (B, T, F)
sizes: {B: 2, T: 3, F: 2, units: 2}
build:
  class: SimpleRNN
  args: {units: $units, return_state: $return_state, go_backwards: $go_backwards, unroll: $unroll}
defaults: {return_state: false, go_backwards: false, unroll: false}
cross:
  return_state: [false, true]
  go_backwards: [false, true]
standard:
  go_backwards: [core]
tables:
  core: {}
  unroll: {unroll: [true]}
  mask: {mask: [right], go_backwards: [false, true]}
expect:
  - when: {return_state: false}
    returns: (B, units)
  - when: {return_state: true}
    returns: ((B, units), (B, units))
  - dtype: float32
"""


def names(project: SpecProject, depth: str, text: str = NARROWED) -> set[str]:
    spec = SpecFile(project.write("simple_rnn.yaml", text), keras_layer_registry())
    return {case.name for case in spec.cases(("cpu",), depth)}


def test_standard_narrows_only_the_tables_it_does_not_name(project: SpecProject) -> None:
    standard, exhaustive = names(project, "standard"), names(project, "exhaustive")
    assert len(exhaustive) == 12  # 3 tables x return_state x go_backwards
    assert standard < exhaustive  # the same names: a case means the same thing at both depths
    dropped = exhaustive - standard
    assert dropped == {"SimpleRNN[unroll-backwards-unroll-cpu]", "SimpleRNN[unroll-state-backwards-unroll-cpu]"}
    # core is named; mask varies go_backwards itself, which a table's own axes always keep
    backwards = [n for n in standard if "backwards" in n]
    assert len(backwards) == 4
    assert {n.split("[")[1].split("-")[0] for n in backwards} == {"core", "mask"}


def test_the_api_default_is_exhaustive(project: SpecProject) -> None:
    spec = SpecFile(project.write("simple_rnn.yaml", NARROWED), keras_layer_registry())
    assert len(spec.cases(("cpu",))) == 12
    with pytest.raises(ValueError, match="depth must be one of standard, exhaustive, not 'standrad'"):
        spec.cases(("cpu",), "standrad")


@pytest.mark.parametrize(
    ("change", "needle", "message"),
    [
        (("go_backwards: [core]", "units: [core]"), "units: [core]", "not a cross axis"),
        (
            ("go_backwards: [core]", "go_backwards: [core, unrol]"),
            "go_backwards: [core, unrol]",
            "did you mean 'unroll'",
        ),
        (
            (
                "defaults: {return_state: false, go_backwards: false,",
                "defaults: {return_state: false, go_backwards: sometimes,",
            ),
            "go_backwards: [core]",
            "which cross does not list",
        ),
    ],
)
def test_a_standard_it_cannot_mean_names_its_line(
    project: SpecProject, change: tuple[str, str], needle: str, message: str
) -> None:
    text = NARROWED.replace(*change)
    with pytest.raises(SpecErrors) as raised:
        names(project, "standard", text)
    errors = [e for e in raised.value.errors if message in str(e)]
    assert errors, raised.value
    assert errors[0].line == line_of(text, needle)


def test_a_run_says_its_depth(project: SpecProject) -> None:
    project.write("simple_rnn.yaml", NARROWED)
    default = project.run("--rnnspec-reports=out")
    default.assert_outcomes(passed=10)
    assert "depth standard" in default.stdout.str()
    assert load_results(project.root / "out")["meta"]["depth"] == "standard"
    assert "at depth standard" in (project.root / "out" / "contract.md").read_text(encoding="utf-8")

    full = project.run("--rnnspec-depth=exhaustive", "--rnnspec-reports=out")
    full.assert_outcomes(passed=12)
    assert "depth exhaustive" in full.stdout.str()
    assert "at depth exhaustive (every combination" in (project.root / "out" / "contract.md").read_text(
        encoding="utf-8"
    )
