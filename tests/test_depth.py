"""The default depth narrows what a file lists under ``standard``; exhaustive runs everything (issue 5).

The narrowing is data in each table file, so these tests check that it takes exactly the
cases it names away, keeps the names of the others, refuses what it cannot mean (with the
line), and that a run says which depth it ran.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import SpecProject, line_of, load_results
from rnnspec import is_table_file
from rnnspec.errors import SpecErrors
from rnnspec.registry import keras_layer_registry
from rnnspec.spec import expand, load_table

ROOT = Path(__file__).resolve().parents[1]

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
    spec = load_table(project.write("simple_rnn.yaml", text), keras_layer_registry())
    return {case.name for case in expand(spec, ("cpu",), depth)}


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
    spec = load_table(project.write("simple_rnn.yaml", NARROWED), keras_layer_registry())
    assert len(expand(spec, ("cpu",))) == 12
    with pytest.raises(ValueError, match="depth must be one of standard, exhaustive, not 'standrad'"):
        expand(spec, ("cpu",), "standrad")


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


#: A layer without dropout, whose rows say dropout_on_in_training: wherever it runs, the case fails.
NEVER_DROPS = """\
rnnspec: 1
title: SimpleRNN
inputs: (B, T, F)
sizes: {B: 2, T: 3, F: 2, units: 2}
build:
  class: SimpleRNN
  args: {units: $units, return_state: $return_state, return_sequences: $return_sequences}
defaults: {return_state: false, return_sequences: false}
cross:
  return_state: [false, true]
standard:
  extra_calls: {return_state: true}
tables:
  core: {}
  sequences: {return_sequences: [true]}
expect:
  - when: {return_state: false, return_sequences: false}
    returns: (B, units)
  - when: {return_state: false, return_sequences: true}
    returns: (B, T, units)
  - when: {return_state: true, return_sequences: false}
    returns: ((B, units), (B, units))
    relations: [output_is_h]
  - when: {return_state: true, return_sequences: true}
    returns: ((B, T, units), (B, units))
  - relations: [dropout_on_in_training, same_as_loop]
    deviations:
      - relation: reset_state_restarts
        reason: not stateful
  - dtype: float32
"""


def test_standard_leaves_extra_call_relations_where_extra_calls_does_not_hold(project: SpecProject) -> None:
    spec = load_table(project.write("simple_rnn.yaml", NEVER_DROPS), keras_layer_registry())
    standard = {c.name: c for c in expand(spec, ("cpu",), "standard")}
    exhaustive = {c.name: c for c in expand(spec, ("cpu",), "exhaustive")}
    assert set(standard) == set(exhaustive)  # extra_calls takes relations away, never cases
    assert all(not c.deferred for c in exhaustive.values())
    plain = standard["SimpleRNN[core-cpu]"]
    assert plain.deferred == ("dropout_on_in_training", "reset_state_restarts")  # held, then deviating
    assert plain.expectation.relations == ("same_as_loop",)  # its twin is another case: it always runs
    assert plain.expectation.deviations == ()
    with_state = standard["SimpleRNN[core-state-cpu]"]
    assert with_state.deferred == ()
    assert with_state.expectation.relations == exhaustive["SimpleRNN[core-state-cpu]"].expectation.relations


def test_an_expected_failure_keeps_every_relation(project: SpecProject) -> None:
    text = NEVER_DROPS + "xfail:\n  - when: {return_state: false, return_sequences: true}\n    reason: a known bug\n"
    spec = load_table(project.write("simple_rnn.yaml", text), keras_layer_registry())
    cases = {c.name: c for c in expand(spec, ("cpu",), "standard")}
    assert cases["SimpleRNN[core-cpu]"].deferred
    assert cases["SimpleRNN[sequences-seq-cpu]"].deferred == ()  # the xfail may be about them


def test_deferred_relations_do_not_run_and_the_run_says_so(project: SpecProject) -> None:
    project.write("simple_rnn.yaml", NEVER_DROPS)
    standard = project.run("--rnnspec-reports=out")
    # Only the two cases with return_state: true run dropout_on_in_training, and it fails there.
    standard.assert_outcomes(passed=2, failed=2)
    out = standard.stdout.str()
    assert "relation dropout_on_in_training does not hold" in out
    assert (
        "depth standard: 4 checks of relations that make extra calls, on 2 of 4 cases, "
        "left to --rnnspec-depth=exhaustive" in out
    )
    records = {r["name"]: r for r in load_results(project.root / "out")["cases"]}
    assert records["SimpleRNN[core-cpu]"]["deferred"] == ["dropout_on_in_training", "reset_state_restarts"]
    assert records["SimpleRNN[core-cpu]"]["status"] == "passed"
    contract = (project.root / "out" / "contract.md").read_text(encoding="utf-8")
    assert "same_as_loop, dropout_on_in_training (exhaustive only), reset_state_restarts (exhaustive only)" in contract

    full = project.run("--rnnspec-depth=exhaustive")
    full.assert_outcomes(failed=4)
    assert "left to --rnnspec-depth=exhaustive" not in full.stdout.str()


@pytest.mark.parametrize(
    ("change", "message", "hint"),
    [
        ("extra_calls: {return_stat: true}", "extra_calls names 'return_stat', which is not an axis", "'return_state'"),
        ("extra_calls: {return_state: sometimes}", "extra_calls asks for return_state='sometimes'", "False, True"),
        # rows compare values with their types: 1 would never match true
        ("extra_calls: {return_state: 1}", "extra_calls asks for return_state=1", "False, True"),
    ],
)
def test_extra_calls_it_cannot_mean_names_its_line(project: SpecProject, change: str, message: str, hint: str) -> None:
    text = NEVER_DROPS.replace("extra_calls: {return_state: true}", change)
    with pytest.raises(SpecErrors) as raised:
        load_table(project.write("simple_rnn.yaml", text), keras_layer_registry())
    errors = [e for e in raised.value.errors if message in str(e)]
    assert errors, raised.value
    assert errors[0].line == line_of(text, change)
    assert hint in str(errors[0])


def test_extra_calls_that_no_case_of_a_table_meets_is_an_error(project: SpecProject) -> None:
    """extra_calls names values some case takes, but in the sequences table no case that names
    the relations has return_sequences false: they would never run there at the default depth.
    The file is wrong whatever depth a run asks for, so reading it fails (not only a standard run)."""
    text = NEVER_DROPS.replace("extra_calls: {return_state: true}", "extra_calls: {return_sequences: false}")
    with pytest.raises(SpecErrors) as raised:
        load_table(project.write("simple_rnn.yaml", text), keras_layer_registry())
    messages = [str(e) for e in raised.value.errors]
    assert len(messages) == 2, messages
    assert (
        "extra_calls leaves dropout_on_in_training to --rnnspec-depth=exhaustive on every case of table 'sequences'"
        in messages[0]
    )
    assert "reset_state_restarts" in messages[1]
    assert {e.line for e in raised.value.errors} == {line_of(text, "extra_calls: {return_sequences: false}")}


def test_every_shipped_spec_file_reads_at_both_depths() -> None:
    """The files under spec/ as they are: at the default depth every relation a table names
    still runs on one of its cases (else cases() raises), and nothing but relations is deferred."""
    registry = keras_layer_registry()
    for path in sorted(p for p in ROOT.joinpath("spec").glob("*.yaml") if is_table_file(p)):
        spec = load_table(path, registry)
        standard = expand(spec, ("cpu",), "standard")
        exhaustive = {c.name: c for c in expand(spec, ("cpu",), "exhaustive")}
        for case in standard:
            full = exhaustive[case.name].expectation
            kept = set(case.expectation.relations) | {d.relation for d in case.expectation.deviations}
            assert kept | set(case.deferred) == set(full.relations) | {d.relation for d in full.deviations}
            assert case.expectation.returns_text == full.returns_text


# --- extra_calls_per_file: each extra-call relation on N cases of the file -----------------

PER_FILE = NEVER_DROPS.replace(
    "  extra_calls: {return_state: true}\n", "  extra_calls_per_file: 1\n  extra_calls: {return_state: true}\n"
)


def _runs(cases: list) -> dict[str, list[str]]:
    """Which cases run each extra-call relation (not deferred), by relation."""
    out: dict[str, list[str]] = {}
    for case in cases:
        ran = set(case.expectation.relations) | {d.relation for d in case.expectation.deviations}
        for name in sorted(ran & {"dropout_on_in_training", "reset_state_restarts", "zero_initial_state_is_default"}):
            out.setdefault(name, []).append(case.name)
    return out


def test_a_per_file_budget_runs_each_relation_once_where_extra_calls_holds_first(project: SpecProject) -> None:
    spec = load_table(project.write("simple_rnn.yaml", PER_FILE), keras_layer_registry())
    standard = expand(spec, ("cpu",), "standard")
    # core-state is the first case with return_state: true; the other state case is left out
    assert _runs(standard) == {
        "dropout_on_in_training": ["SimpleRNN[core-state-cpu]"],
        "reset_state_restarts": ["SimpleRNN[core-state-cpu]"],
    }
    assert {c.name for c in standard if c.deferred} == {c.name for c in standard} - {"SimpleRNN[core-state-cpu]"}
    assert all(not c.deferred for c in expand(spec, ("cpu",), "exhaustive"))  # exhaustive runs them all


def test_a_per_file_budget_falls_back_to_the_first_case_that_names_the_relation(project: SpecProject) -> None:
    """A relation named only where extra_calls does not hold still runs once: without a budget
    that file is an error (test_extra_calls_that_no_case_of_a_table_meets_is_an_error)."""
    text = PER_FILE.replace("extra_calls: {return_state: true}", "extra_calls: {return_sequences: false}") + (
        "  - when: {return_sequences: true}\n    relations: [zero_initial_state_is_default]\n"
    )
    spec = load_table(project.write("simple_rnn.yaml", text), keras_layer_registry())
    runs = _runs(expand(spec, ("cpu",), "standard"))
    assert runs["dropout_on_in_training"] == ["SimpleRNN[core-cpu]"]  # the first with return_sequences false
    assert runs["zero_initial_state_is_default"] == ["SimpleRNN[sequences-seq-cpu]"]  # the first that names it


def test_a_bigger_budget_runs_more_cases(project: SpecProject) -> None:
    text = PER_FILE.replace("extra_calls_per_file: 1", "extra_calls_per_file: 3")
    spec = load_table(project.write("simple_rnn.yaml", text), keras_layer_registry())
    runs = _runs(expand(spec, ("cpu",), "standard"))
    # every case where extra_calls holds, up to 3; no fallback, since some case there names them
    assert runs["dropout_on_in_training"] == ["SimpleRNN[core-state-cpu]", "SimpleRNN[sequences-state-seq-cpu]"]


@pytest.mark.parametrize("value", ["0", "two", "true", "1.5"])
def test_a_budget_that_is_not_a_count_is_an_error_at_its_line(project: SpecProject, value: str) -> None:
    text = PER_FILE.replace("extra_calls_per_file: 1", f"extra_calls_per_file: {value}")
    with pytest.raises(SpecErrors) as raised:
        load_table(project.write("simple_rnn.yaml", text), keras_layer_registry())
    assert {e.line for e in raised.value.errors} == {line_of(text, f"extra_calls_per_file: {value}")}, raised.value


def test_every_shipped_file_runs_every_extra_call_relation_it_names_at_the_default_depth() -> None:
    """Issue 14: at the default depth every relation runs on every file that names it, at least once."""
    registry = keras_layer_registry()
    for path in sorted(p for p in ROOT.joinpath("spec").glob("*.yaml") if is_table_file(p)):
        standard = expand(load_table(path, registry), ("cpu",), "standard")
        deferred = {name for case in standard for name in case.deferred}
        ran = {name for case in standard for name in case.expectation.relations}
        ran |= {d.relation for case in standard for d in case.expectation.deviations}
        assert deferred <= ran, (path.name, sorted(deferred - ran))
