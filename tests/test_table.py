"""A table is compiled once and whole: every declared combination is checked at every depth,
shared settings come from the suite and from fragments, and reading needs no Keras.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import SpecProject, line_of
from rnnspec import is_table_file
from rnnspec.errors import SpecError, SpecErrors
from rnnspec.registry import keras_layer_registry
from rnnspec.spec import expand, load_table

ROOT = Path(__file__).resolve().parents[1]

#: go_backwards is crossed with the core table only at the default depth; its rows give
#: go_backwards=true an answer for mask none only, so the mask table's backwards cases (which
#: only the exhaustive depth enumerates) have none.
GAP = """\
rnnspec: 1
title: SimpleRNN
inputs: (B, T, F)
sizes: {B: 2, T: 3, F: 2, units: 2}
build:
  class: SimpleRNN
  args: {units: $units, go_backwards: $go_backwards}
defaults: {go_backwards: false}
cross:
  go_backwards: [false, true]
standard:
  go_backwards: [core]
tables:
  core: {}
  mask: {mask: [right]}
expect:
  - when: {go_backwards: false}
    returns: (B, units)
  - when: {go_backwards: true, mask: none}
    returns: (B, units)
  - dtype: float32
"""


@pytest.mark.parametrize("depth", ["standard", "exhaustive"])
def test_a_row_missing_where_only_exhaustive_looks_fails_at_every_depth(project: SpecProject, depth: str) -> None:
    path = project.write("simple_rnn.yaml", GAP)
    with pytest.raises(SpecErrors) as raised:
        load_table(path, keras_layer_registry())
    (error,) = raised.value.errors
    assert "no row gives returns for the combination" in error.message
    assert "go_backwards=true" in error.message
    assert "mask=right" in error.message
    assert (error.path, error.line) == (path, line_of(GAP, "mask: {mask: [right]}"))
    # and through pytest, whatever the depth asked for: the file is one failing spec-error item
    result = project.run(f"--rnnspec-depth={depth}")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([f"*simple_rnn.yaml:{error.line}: no row gives returns*"])


def test_rows_contradicting_where_only_exhaustive_looks_fail_at_every_depth(project: SpecProject) -> None:
    text = GAP.replace(
        "  - dtype: float32\n",
        "  - when: {go_backwards: true, mask: right}\n    returns: (B, units)\n"
        "  - when: {mask: right, go_backwards: true}\n    returns: (B, T, units)\n  - dtype: float32\n",
    )
    path = project.write("simple_rnn.yaml", text)
    with pytest.raises(SpecErrors) as raised:
        load_table(path, keras_layer_registry())
    (error,) = raised.value.errors
    assert "rows contradict each other" in error.message
    assert error.line == line_of(text, "when: {mask: right, go_backwards: true}")
    # the default depth never runs that combination, and still fails on it
    result = project.run("--rnnspec-depth=standard")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([f"*simple_rnn.yaml:{error.line}: rows contradict each other*"])


def test_expanding_narrows_without_checking_again(project: SpecProject) -> None:
    text = GAP.replace("mask: none}", "mask: [none, right]}")
    table = load_table(project.write("simple_rnn.yaml", text), keras_layer_registry())
    standard = {c.name for c in expand(table, ("cpu",), "standard")}
    exhaustive = {c.name for c in expand(table, ("cpu",), "exhaustive")}
    assert exhaustive - standard == {"SimpleRNN[mask-backwards-mask=right-cpu]"}
    with pytest.raises(ValueError, match="depth must be one of"):
        expand(table, ("cpu",), "standrad")


# --- the suite and fragments -------------------------------------------------------------------

SUITE = """\
rnnspec: 1
tolerance:
  gpu: {float32: 2.0e-4}
expect:
  - versions: {keras: "<3"}
    returns_as: list
"""

FRAGMENT = """\
build:
  class: $layer
  args: {units: $units, return_state: $return_state}
defaults: {layer: SimpleRNN, return_state: false}
cross:
  return_state: [false, true]
expect:
  - when: {return_state: false}
    returns: (B, units)
  - dtype: float32
"""

CHILD = """\
title: Child
extends: _family.yaml
inputs: (B, T, F)
sizes: {B: 1, T: 3, F: 2, units: 2}
defaults: {layer: GRU}
tolerance:
  cpu: {float32: 1.0e-4}
expect:
  - when: {return_state: true}
    returns: ((B, units), (B, units))
    relations: [output_is_h]
"""


def test_a_table_inherits_the_suite_and_its_fragment(project: SpecProject) -> None:
    project.write("_suite.yaml", SUITE)
    project.write("_family.yaml", FRAGMENT)
    path = project.write("child.yaml", CHILD)
    keras3 = {"keras": "3.15.1", "backend": "tensorflow"}
    table = load_table(path, keras_layer_registry(), keras3)
    assert table.defaults["layer"] == "GRU"  # a mapping merged one level: the table's key wins
    assert table.defaults["return_state"] is False  # ... and the fragment's other keys stay
    assert table.tolerance_for("gpu", "float32") == 2.0e-4  # from the suite
    assert table.tolerance_for("cpu", "float32") == 1.0e-4  # the table's own
    assert [c.name for c in expand(table, ("cpu",))] == ["Child[cases-cpu]", "Child[cases-state-cpu]"]
    keras2 = load_table(path, keras_layer_registry(), {"keras": "2.15.0", "backend": "tensorflow"})
    # the suite's row is appended with the others, and applies on the releases it names
    assert [c.expectation.returns_text for c in expand(keras2, ("cpu",))] == ["(B, units)", "[(B, units), (B, units)]"]
    # the rows keep the file they were written in
    state = expand(table, ("cpu",))[1].expectation
    assert {Path(getattr(r, "path", "")).name for r in state.rows} == {"_family.yaml", "child.yaml"}


def test_an_error_in_a_fragment_names_the_fragment(project: SpecProject) -> None:
    project.write("_family.yaml", FRAGMENT + "  - when: {return_state: true}\n    relations: [output_is_hh]\n")
    path = project.write("child.yaml", CHILD)
    with pytest.raises(SpecErrors) as raised:
        load_table(path, keras_layer_registry())
    (error,) = raised.value.errors
    assert "unknown relation 'output_is_hh'" in error.message
    assert error.path.name == "_family.yaml"
    assert error.line == line_of(project.root.joinpath("spec", "_family.yaml").read_text(), "relations: [output_is_hh]")


@pytest.mark.parametrize(
    ("extends", "message"),
    [
        ("_nowhere.yaml", "extends names '_nowhere.yaml', which is not a fragment beside this table"),
        ("family.yaml", "a fragment is a file beside the table named _*.yaml"),
        ("../_family.yaml", "a fragment is a file beside the table named _*.yaml"),
        ("_suite.yaml", "which is not a fragment beside this table"),
    ],
)
def test_extends_must_name_a_fragment_beside_the_table(project: SpecProject, extends: str, message: str) -> None:
    project.write("_family.yaml", FRAGMENT)
    project.write("_suite.yaml", SUITE)
    text = CHILD.replace("extends: _family.yaml", f"extends: {extends}")
    path = project.write("child.yaml", text)
    with pytest.raises(SpecError) as raised:
        load_table(path, keras_layer_registry())
    assert message in str(raised.value)
    assert raised.value.line == line_of(text, "extends:")


def test_a_fragment_may_not_extend_another(project: SpecProject) -> None:
    project.write("_base.yaml", "sizes: {B: 1}\n")
    project.write("_family.yaml", "extends: _base.yaml\n" + FRAGMENT)
    with pytest.raises(SpecError, match="may not extend another fragment") as raised:
        load_table(project.write("child.yaml", CHILD), keras_layer_registry())
    assert raised.value.path.name == "_family.yaml"
    assert raised.value.line == 1


def test_suites_and_fragments_are_not_collected_as_tables(project: SpecProject) -> None:
    project.write("_suite.yaml", SUITE)
    project.write("_family.yaml", FRAGMENT)
    project.write("child.yaml", CHILD)
    result = project.run("--collect-only", "-q")
    assert "child.yaml::Child[cases-cpu]" in result.stdout.str()
    assert "_family.yaml" not in result.stdout.str()
    assert "_suite.yaml" not in result.stdout.str()
    assert not is_table_file(Path("spec/_suite.yaml"))
    assert is_table_file(Path("spec/lstm.yaml"))


@pytest.mark.parametrize(
    "setting",
    [
        "rnnspec: 1",
        "returns_as: list",
        "go_backwards: [core]\n",
        "extra_calls: {return_sequences: true, return_state: true}",
        "- when: {dtype: mixed_float16}",
        'use_cudnn: {keras: ">=3.2"}',
        "- when: {unroll: true, go_backwards: true, zero_output_for_mask: true, return_sequences: true, mask: left}",
        "before Keras 3.5.0 the ConvLSTM cell ignores dropout",
    ],
)
def test_each_shared_setting_of_the_shipped_tables_is_written_once(setting: str) -> None:
    """What several tables share lives in spec/_suite.yaml or in one fragment, once."""
    found = [p.name for p in sorted(ROOT.joinpath("spec").glob("*.yaml")) if setting in p.read_text(encoding="utf-8")]
    assert len(found) == 1, found


def test_reading_a_table_imports_no_keras() -> None:
    code = (
        "import sys, json\n"
        "from pathlib import Path\n"
        "from rnnspec.table import compile_table\n"
        "from rnnspec.expand import expand\n"
        "env = {'keras': '3.15.1', 'backend': 'tensorflow', 'numpy': '2.4.6', 'python': '3.11'}\n"
        f"table = compile_table(Path({str(ROOT / 'spec' / 'lstm.yaml')!r}), env)\n"
        "cases = expand(table, ('cpu', 'gpu'), 'exhaustive')\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('keras', 'tensorflow', 'tf_keras', 'jax', 'torch'))\n"
        "print(json.dumps({'cases': len(cases), 'heavy': heavy}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    found = json.loads(out.stdout.strip().splitlines()[-1])
    assert found["cases"] > 100
    assert found["heavy"] == []


def test_what_the_suite_says_of_an_axis_a_table_lacks_does_not_apply_to_it(project: SpecProject) -> None:
    """The suite narrows go_backwards and samples extra calls by return_state; a table without
    those axes is not narrowed and raises no error, while the same text in the table itself is one."""
    suite = (
        "standard:\n  go_backwards: [core]\n  extra_calls: {return_sequences: true, return_state: true}\n"
        "expect:\n  - when: {dtype: mixed_float16}\n    dtype: float16\n"
    )
    project.write("_suite.yaml", suite)
    # a table beside it has those axes (GAP crosses go_backwards, the family's return_state and dtype)
    project.write(
        "gap.yaml",
        GAP.replace("defaults: {go_backwards: false}", "defaults: {go_backwards: false, dtype: float32}")
        .replace(
            "args: {units: $units, go_backwards: $go_backwards}",
            "args: {units: $units, go_backwards: $go_backwards, dtype: $dtype}",
        )
        .replace("- when: {go_backwards: true, mask: none}", "- when: {go_backwards: true}")
        .replace("tables:\n  core: {}\n  mask: {mask: [right]}", "tables:\n  core: {}"),
    )
    project.write("_family.yaml", FRAGMENT)
    project.write("child.yaml", CHILD)
    table = FRAGMENT.replace("return_state", "return_sequences").replace(
        "- when: {return_sequences: false}\n    returns: (B, units)",
        "- when: {return_sequences: false}\n    returns: (B, units)\n  - when: {return_sequences: true}\n    returns: (B, T, units)",
    )
    text = "title: Plain\ninputs: (B, T, F)\nsizes: {B: 1, T: 3, F: 2, units: 2}\n" + table
    path = project.write("plain.yaml", text)
    loaded = load_table(path, keras_layer_registry())
    assert len(expand(loaded, ("cpu",), "standard")) == len(expand(loaded, ("cpu",), "exhaustive")) == 2
    own = text + "standard:\n  extra_calls: {return_state: true}\n"
    with pytest.raises(SpecErrors, match="extra_calls names 'return_state', which is not an axis"):
        load_table(project.write("plain.yaml", own), keras_layer_registry())


def test_a_failure_names_the_rows_in_the_files_they_are_written_in(project: SpecProject) -> None:
    wrong = FRAGMENT.replace("returns: (B, units)", "returns: (B, T, units)")
    project.write("_family.yaml", wrong)
    project.write("child.yaml", CHILD)
    result = project.run("-k", "cases-cpu and not state")
    result.assert_outcomes(failed=1)
    row = line_of(wrong, "- when: {return_state: false}")
    dtype = line_of(wrong, "- dtype: float32")
    cross = line_of(wrong, "cross:")  # the table (no tables: key) is declared at cross, in the fragment
    result.stdout.fnmatch_lines(
        [
            f"*spec/_family.yaml:{cross}: Child[[]cases-cpu[]]: the layer does not return what the table says",
            f"*rows:      _family.yaml:{row}, _family.yaml:{dtype}*",
        ]
    )


@pytest.mark.parametrize(
    ("written", "axis", "message"),
    [
        ("standard:\n  go_backward: [core]\n", "go_backward", "which is not a cross axis of any table beside it"),
        ("standard:\n  extra_calls: {return_stat: true}\n", "return_stat", "which is not an axis of any table"),
        ("expect:\n  - when: {dtpye: mixed_float16}\n    dtype: float16\n", "dtpye", "which is not an axis of any"),
    ],
)
def test_an_axis_the_suite_names_must_be_one_of_some_table(
    project: SpecProject, written: str, axis: str, message: str
) -> None:
    """What the suite says of an axis a table lacks does not apply to that table; an axis no
    table has is a misspelling, an error at the suite's line, not a rule that silently never applies."""
    project.write("_suite.yaml", written)
    project.write("_family.yaml", FRAGMENT)
    project.write("child.yaml", CHILD)
    with pytest.raises(SpecErrors) as raised:
        load_table(project.root / "spec" / "child.yaml", keras_layer_registry())
    (error,) = raised.value.errors
    assert f"the suite names {axis!r}, {message}" in error.message
    assert error.path.name == "_suite.yaml"
    assert error.line == next(i for i, text in enumerate(written.splitlines(), 1) if axis in text)


def test_a_table_adds_its_own_build_arguments_to_the_inherited_ones(project: SpecProject) -> None:
    project.write("_family.yaml", FRAGMENT)
    path = project.write("child.yaml", CHILD + "build:\n  args: {use_bias: false}\n")
    table = load_table(path, keras_layer_registry())
    assert dict(table.template["args"]) == {"units": "$units", "return_state": "$return_state", "use_bias": False}
    assert table.template["class"] == "$layer"
