"""Rows and arguments that hold for some releases only, declared as data (issue 4).

load_table takes the environment to match against, so these tests check the Keras 2 and
Keras 3 readings of one table without installing either; the last one runs for real.
"""

from __future__ import annotations

import json

import pytest

from conftest import SpecProject, line_of
from rnnspec.errors import SpecErrors
from rnnspec.registry import keras_layer_registry
from rnnspec.spec import SpecTable, expand, expectation_for, load_table
from rnnspec.structure import Container
from rnnspec.versions import describe, holds

KERAS2 = {"keras": "2.15.0", "tensorflow": "2.15.1", "backend": "tensorflow", "numpy": "1.26.4"}
KERAS3 = {"keras": "3.15.1", "tensorflow": "2.21.0", "backend": "tensorflow", "numpy": "2.4.6"}
JAX = {"keras": "3.15.1", "tensorflow": None, "backend": "jax", "jax": "0.10.2"}

GRU_BY_RELEASE = """\
rnnspec: 1
title: GRU
inputs: (B, T, F)
sizes: {B: 1, T: 3, F: 2, units: 2}
available:
  use_cudnn: {keras: ">=3"}
build:
  class: GRU
  args: {units: $units, return_state: $return_state, use_cudnn: $use_cudnn}
defaults: {return_state: false, use_cudnn: auto}
cross: {return_state: [false, true]}
tables:
  core: {}
  generic: {use_cudnn: [false]}
expect:
  - when: {return_state: false}
    returns: (B, units)
  - when: {return_state: true}
    versions: {keras: ">=3"}
    returns: ((B, units), (B, units))
  - when: {return_state: true}
    versions: {keras: "<3"}
    returns: "[(B, units), (B, units)]"
    note: Keras 2 returns a list
  - dtype: float32
"""


def spec_for(project: SpecProject, environment: dict[str, str | None], text: str = GRU_BY_RELEASE) -> SpecTable:
    return load_table(project.write("gru.yaml", text), keras_layer_registry(), environment)


def test_rows_follow_the_release(project: SpecProject) -> None:
    old, new = spec_for(project, KERAS2), spec_for(project, KERAS3)
    old_state = expectation_for(old, {"return_state": True})
    new_state = expectation_for(new, {"return_state": True})
    assert isinstance(old_state.returns, Container)
    assert old_state.returns.kind == "list"
    assert isinstance(new_state.returns, Container)
    assert new_state.returns.kind == "tuple"
    assert old_state.notes == ("Keras 2 returns a list",)
    assert new_state.notes == ()
    assert expectation_for(old, {}).returns_text == expectation_for(new, {}).returns_text == "(B, units)"


def test_an_argument_a_release_lacks(project: SpecProject) -> None:
    """Keras 2 has no use_cudnn: the default builds without it, other values are n/a."""
    cases = {c.name: c for c in expand(spec_for(project, KERAS2), ("cpu",))}
    core, generic = cases["GRU[core-cpu]"], cases["GRU[generic-use_cudnn=false-cpu]"]
    assert "use_cudnn" not in core.node["args"]
    assert core.not_applicable is None
    assert generic.not_applicable == (
        "not applicable: use_cudnn=false: use_cudnn exists with keras>=3 (here keras 2.15.0)"
    )
    here = {c.name: c for c in expand(spec_for(project, KERAS3), ("cpu",))}
    assert here["GRU[generic-use_cudnn=false-cpu]"].node["args"]["use_cudnn"] is False
    assert all(c.not_applicable is None for c in here.values())


def test_conditions() -> None:
    assert holds({"keras": ">=3", "backend": "tensorflow"}, KERAS3)
    assert not holds({"keras": ">=3"}, KERAS2)
    assert holds({"backend": ["jax", "torch"]}, JAX)
    assert not holds({"backend": "jax"}, KERAS3)
    assert not holds({"tensorflow": ">=2"}, JAX)  # a package that is absent satisfies nothing
    assert holds({"keras": ">=3.0.0rc1"}, {"keras": "3.0.0rc2"})
    assert describe({"keras": "<3", "backend": ["jax", "torch"]}) == "keras<3, backend jax or torch"


def test_a_malformed_specifier_points_at_its_line(project: SpecProject) -> None:
    text = GRU_BY_RELEASE.replace('versions: {keras: "<3"}', 'versions: {keras: "three"}')
    with pytest.raises(SpecErrors) as info:
        spec_for(project, KERAS3, text)
    (error,) = info.value.errors
    assert error.line == line_of(text, "three")
    assert "'three' is not a version specifier" in str(error)


def test_a_malformed_specifier_in_an_xfail_points_at_its_line(project: SpecProject) -> None:
    """It used to escape as packaging's InvalidSpecifier when the cases were expanded."""
    text = GRU_BY_RELEASE.replace(
        "expect:\n", 'xfail:\n  - versions: {keras: "three"}\n    reason: known\nexpect:\n', 1
    )
    with pytest.raises(SpecErrors) as info:
        spec_for(project, KERAS3, text)
    (error,) = info.value.errors
    assert error.line == line_of(text, "three")
    assert "'three' is not a version specifier" in str(error)


def test_unknown_package_is_a_schema_error(project: SpecProject) -> None:
    text = GRU_BY_RELEASE.replace('versions: {keras: "<3"}', 'versions: {kears: "<3"}')
    with pytest.raises(SpecErrors) as info:
        spec_for(project, KERAS3, text)
    assert any(e.line == line_of(text, "kears") for e in info.value.errors), info.value.errors


def test_not_applicable_cases_are_reported_as_such(project: SpecProject) -> None:
    """On the running Keras 3, a table that says use_cudnn exists only before Keras 3."""
    project.write("gru.yaml", GRU_BY_RELEASE.replace('use_cudnn: {keras: ">=3"}', 'use_cudnn: {keras: "<3"}'))
    out = project.root / "reports"
    result = project.run(f"--rnnspec-reports={out}")
    assert result.parseoutcomes() == {"passed": 2, "not_applicable": 2}  # a status of its own, not a skip
    records = json.loads((out / "results.json").read_text(encoding="utf-8"))["cases"]
    status = {r["name"]: r["status"] for r in records}
    assert status == {
        "GRU[core-cpu]": "passed",
        "GRU[core-state-cpu]": "passed",
        "GRU[generic-use_cudnn=false-cpu]": "not_applicable",
        "GRU[generic-state-use_cudnn=false-cpu]": "not_applicable",
    }
    assert "use_cudnn exists with keras<3" in (out / "contract.md").read_text(encoding="utf-8")


RELEASE_SPECIFIC = """\
rnnspec: 1
title: GRU
inputs: (B, T, F)
sizes: {B: 1, T: 3, F: 2, units: 2}
build:
  class: GRU
  args: {units: $units, return_state: $return_state, go_backwards: $go_backwards}
defaults: {return_state: false, go_backwards: false}
cross: {return_state: [false, true]}
tables:
  core: {}
  backwards: {go_backwards: [true]}
expect:
  - when: {return_state: false}
    returns: (B, units)
  - when: {return_state: true}
    returns: ((B, units), (B, units))
  - when: {go_backwards: true}
    versions: {keras: ">=3"}
    raises: ValueError
  - dtype: float32
  - versions: {keras: "<3"}
    returns_as: list
  - when: {return_state: true, go_backwards: true}
    versions: {keras: "<3"}
    returns: "[(B, units), [(B, units)]]"
  - when: {go_backwards: true}
    versions: {keras: "<3"}
    dtype: float16
    layer_defaults: {recurrent_activation: keras2_hard_sigmoid}
"""


def test_a_row_for_some_releases_wins_over_the_general_rows(project: SpecProject) -> None:
    """The general rows give way to a versioned row's outcome or dtype; returns_as lists tuples."""
    new = spec_for(project, KERAS3, RELEASE_SPECIFIC)
    assert expectation_for(new, {"go_backwards": True}).raises == "ValueError"  # beats (B, units)
    assert expectation_for(new, {"return_state": True}).returns_text == "((B, units), (B, units))"
    assert expectation_for(new, {"go_backwards": True}).layer_defaults == {}

    old = spec_for(project, KERAS2, RELEASE_SPECIFIC)
    backwards = expectation_for(old, {"go_backwards": True})
    assert (backwards.raises, backwards.returns_text, backwards.dtype) == (None, "(B, units)", "float16")
    assert backwards.layer_defaults == {"recurrent_activation": "keras2_hard_sigmoid"}
    assert expectation_for(old, {"return_state": True}).returns_text == "[(B, units), (B, units)]"
    both = expectation_for(old, {"return_state": True, "go_backwards": True})
    assert both.returns_text == "[(B, units), [(B, units)]]"
    assert expectation_for(old, {}).dtype == "float32"


def test_versioned_rows_that_contradict_each_other_are_an_error(project: SpecProject) -> None:
    text = RELEASE_SPECIFIC + '  - when: {go_backwards: true}\n    versions: {keras: "<3.5"}\n    returns: (B, 1)\n'
    spec_for(project, KERAS3, text)  # on Keras 3.15 the new row does not hold
    with pytest.raises(SpecErrors) as info:
        expand(spec_for(project, KERAS2, text), ("cpu",))
    assert any("rows contradict each other" in str(e) for e in info.value.errors), info.value.errors


LAYER_DEFAULTS = """\
rnnspec: 1
title: SimpleRNN
inputs: (B, T, F)
sizes: {B: 2, T: 3, F: 2, units: 3}
build:
  class: SimpleRNN
  args: {units: $units}
tables:
  core: {}
expect:
  - returns: (B, units)
    dtype: float32
  - versions: {keras: ">=3"}
    layer_defaults: {activation: relu}
"""


def test_layer_defaults_reach_the_reference(project: SpecProject) -> None:
    """A row saying this release defaults to relu makes the reference compute relu, so the
    tanh layer no longer matches it: the numbers are checked with the declared defaults."""
    project.write("simple_rnn.yaml", LAYER_DEFAULTS)
    result = project.run()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*reference: tensor 0: max |layer - reference|*"])
    project.write("simple_rnn.yaml", LAYER_DEFAULTS.replace("relu", "tanh"))
    project.run().assert_outcomes(passed=1)


def test_layer_defaults_the_reference_cannot_use_fail_the_case(project: SpecProject) -> None:
    """A misspelt argument would otherwise leave the case's numbers unchecked ("no reference")."""
    project.write("simple_rnn.yaml", LAYER_DEFAULTS.replace("activation: relu", "activaton: tanh"))
    result = project.run()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*the reference cannot compute with layer_defaults*activaton*"])


def test_an_unknown_activation_in_layer_defaults_points_at_its_line(project: SpecProject) -> None:
    """A typo there would otherwise leave the numbers unchecked ("no reference")."""
    text = RELEASE_SPECIFIC.replace("keras2_hard_sigmoid", "keras2_hard_sigmod")
    with pytest.raises(SpecErrors) as info:
        spec_for(project, KERAS3, text)
    (error,) = info.value.errors
    assert error.line == line_of(text, "keras2_hard_sigmod")
    assert "the reference knows no activation 'keras2_hard_sigmod'" in str(error)
