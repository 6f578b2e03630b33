"""The plugin as a user meets it: spec tables in, pytest items, failures and reports out.

Every test writes its own tiny tables into a throw-away project and runs pytest on it, so
each asserts what a person would see on the terminal or in reports/, not internals.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from conftest import (
    GOOD_LSTM,
    GOOD_LSTM_CPU_NAMES,
    SpecProject,
    line_of,
    load_results,
    one_case_spec,
    outcomes_of,
    records_by_name,
    reports_of,
)

# --- 1. a correct table passes, and pytest's selection works on its items --------------


def test_correct_table_passes_with_named_items(project: SpecProject) -> None:
    """Item names are the contract's vocabulary (``LSTM[core-seq-state-cpu]``); all pass."""
    project.write("lstm.yaml", GOOD_LSTM)
    result = project.run()
    assert outcomes_of(result) == dict.fromkeys(GOOD_LSTM_CPU_NAMES, "passed")
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(["*LSTM*cpu*4 passed*"])


def test_k_selects_by_flags(project: SpecProject) -> None:
    """``-k`` matches the flags in the id the way a user types them."""
    project.write("lstm.yaml", GOOD_LSTM)
    result = project.run("-k", "seq and not state")
    assert outcomes_of(result) == {"LSTM[core-seq-cpu]": "passed"}
    result.assert_outcomes(passed=1, deselected=3)


def test_m_selects_by_device(project: SpecProject) -> None:
    """``-m cpu`` keeps the CPU cases and deselects the GPU ones (marks are per device)."""
    project.write("lstm.yaml", GOOD_LSTM)
    result = project.run("-m", "cpu", devices="cpu,gpu")
    assert outcomes_of(result) == dict.fromkeys(GOOD_LSTM_CPU_NAMES, "passed")
    result.assert_outcomes(passed=4, deselected=4)
    result = project.run("-m", "gpu and rnnspec", "--collect-only", "-q", devices="cpu,gpu")
    collected = [line for line in result.outlines if "::" in line]
    assert collected == [f"spec/lstm.yaml::{n.replace('-cpu]', '-gpu]')}" for n in GOOD_LSTM_CPU_NAMES]


# --- 2. a wrong table fails with file:line, expected/actual and a reproduction ----------

_ONE_STATE_ARGS = "{units: $units, return_state: $return_state}"

WRONG_TABLES = {
    # GRU returns (output, h): two tensors, not LSTM's three (the seed notebook's mistake).
    "arity": (
        one_case_spec(
            title="GRU",
            layer="GRU",
            args=_ONE_STATE_ARGS,
            defaults="{return_state: true}",
            row="returns: ((B, units), (B, units), (B, units))\ndtype: float32",
        ),
        ["outputs: expected 3 items, got 2"],
    ),
    "shape": (
        one_case_spec(
            title="LSTM",
            layer="LSTM",
            args="{units: $units, return_sequences: $return_sequences}",
            defaults="{return_sequences: false}",
            row="returns: (B, T, units)\ndtype: float32",
        ),
        ["outputs: expected shape (1, 3, 2), got (1, 2)"],
    ),
    "dtype": (
        one_case_spec(
            title="LSTM",
            layer="LSTM",
            args="{units: $units}",
            defaults="{}",
            row="returns: (B, units)\ndtype: float16",
        ),
        ["outputs: expected dtype float16, got float32"],
    ),
    "container": (
        one_case_spec(
            title="LSTM",
            layer="LSTM",
            args=_ONE_STATE_ARGS,
            defaults="{return_state: true}",
            # quoted: unquoted, YAML would read [...] as its own list
            row="returns: '[(B, units), (B, units), (B, units)]'\ndtype: float32",
        ),
        ["outputs: expected a list, got a tuple"],
    ),
    # With a right-padded batch row and zero_output_for_mask, LSTM's returned output is
    # zeros while h is not (spec/lstm.yaml documents this as a deviation).
    "relation": (
        one_case_spec(
            title="LSTM",
            layer="LSTM",
            args="{units: $units, return_state: $return_state, zero_output_for_mask: $zero_output_for_mask}",
            defaults="{return_state: true, zero_output_for_mask: true, mask: right}",
            row="returns: ((B, units), (B, units), (B, units))\ndtype: float32\nrelations: [output_is_h]",
            sizes="{B: 2, T: 3, F: 2, units: 2}",
        ),
        ["relation output_is_h does not hold:", "last output vs returned h (states[0]): max |difference|"],
    ),
}


@pytest.mark.parametrize("kind", list(WRONG_TABLES))
def test_wrong_table_fails_with_the_story(project: SpecProject, kind: str) -> None:
    """A failure names the table's file:line, shows expected and actual side by side, says
    what differs in one sentence and ends with Python that reproduces it by hand."""
    text, sentences = WRONG_TABLES[kind]
    path = project.write(f"{kind}.yaml", text)
    result = project.run()
    reports = reports_of(result)
    assert len(reports) == 1, reports
    ((name, report),) = reports.items()
    assert name.endswith("[only-cpu]")
    assert report.failed
    message = report.longreprtext
    assert (
        f"{path.relative_to(project.root).as_posix()}:{line_of(text, 'only: {}')}: {name}: the layer does not return what the table says"
        in message
    )
    lines = message.splitlines()
    expected = next(i for i, line in enumerate(lines) if line.strip().startswith("expected:"))
    assert lines[expected + 1].strip().startswith("actual:"), "expected and actual are not side by side"
    assert lines[expected].index("expected:") == lines[expected + 1].index("actual:")
    for sentence in sentences:
        assert sentence in message
    assert "reproduce with:" in message
    snippet = textwrap.dedent(message.split("reproduce with:\n", 1)[1])
    compile(snippet, "<reproduction>", "exec")  # valid Python
    assert "keras.layers." in snippet
    assert result.ret == pytest.ExitCode.TESTS_FAILED


def test_relation_that_cannot_apply_fails_with_the_story(project: SpecProject) -> None:
    """A relation that needs a mask, named on an unmasked case, is a table mistake: it must
    still fail as 'relation ... does not hold' with file:line, not as a crash."""
    text = one_case_spec(
        title="LSTM",
        layer="LSTM",
        args="{units: $units, return_sequences: $return_sequences}",
        defaults="{return_sequences: true}",
        row="returns: (B, T, units)\ndtype: float32\nrelations: [masked_steps_zero]",
    )
    path = project.write("maskless.yaml", text)
    report = reports_of(project.run())["LSTM[only-cpu]"]
    assert report.failed
    assert (
        f"{path.relative_to(project.root).as_posix()}:{line_of(text, 'only: {}')}: LSTM[only-cpu]"
        in report.longreprtext
    )
    assert "relation masked_steps_zero does not hold" in report.longreprtext


# --- 3. GPU cases without a GPU ------------------------------------------------------------


def _tf_sees_gpu() -> bool:
    import tensorflow as tf

    return bool(tf.config.list_physical_devices("GPU"))


@pytest.mark.skipif(_tf_sees_gpu(), reason="TensorFlow sees a GPU here; the skip path needs a machine without")
def test_gpu_cases_skip_without_gpu(project: SpecProject) -> None:
    """GPU cases are still collected (the contract lists them) but skip, saying why."""
    project.write("lstm.yaml", GOOD_LSTM)
    result = project.run("-rs", devices="cpu,gpu")
    reports = reports_of(result)
    gpu = {name: r for name, r in reports.items() if name.endswith("-gpu]")}
    assert sorted(gpu) == sorted(n.replace("-cpu]", "-gpu]") for n in GOOD_LSTM_CPU_NAMES)
    for report in gpu.values():
        assert report.skipped
        assert isinstance(report.longrepr, tuple)
        assert "no GPU" in report.longrepr[2]
    result.assert_outcomes(passed=4, skipped=4)
    result.stdout.fnmatch_lines(["SKIPPED *no GPU*"])


# --- 4. ids are stable ---------------------------------------------------------------------


def _collected_ids(project: SpecProject) -> list[str]:
    result = project.run("--collect-only", "-q", devices="cpu,gpu")
    assert result.ret == pytest.ExitCode.OK
    return [line for line in result.outlines if "::" in line]


def test_ids_are_stable_across_runs(project: SpecProject) -> None:
    """Two collections give the same ids in the same order: reports and -k/--deselect rely
    on it (xdist also requires every worker to collect the same list)."""
    project.write("lstm.yaml", GOOD_LSTM)
    project.write("seed.yaml", (Path(__file__).parents[1] / "spec" / "seed.yaml").read_text(encoding="utf-8"))
    first = _collected_ids(project)
    second = _collected_ids(project)
    assert first == second
    assert len(first) == len(set(first)) == 8 + 24
    assert "spec/seed.yaml::Seed notebook[cases-layer=LSTM-seq-state-gpu]" in first


# --- 5. bad files: an error at file:line each, the good file still runs ------------------

_BAD_YAML = GOOD_LSTM.replace("  - when: {return_state: true}\n", "  - when: {return_state: true]\n")
_UNKNOWN_LAYER = GOOD_LSTM.replace("  class: LSTM", "  class: LTSM")
_MISSPELLED_ARG = GOOD_LSTM.replace("    return_state: $return_state", "    retrun_state: $return_state")
_UNKNOWN_RELATION = GOOD_LSTM.replace("[output_is_h, h_then_c]", "[output_is_h, h_than_c]")
_UNKNOWN_SYMBOL = GOOD_LSTM.replace("    returns: (B, T, units)\n", "    returns: (B, T, unit)\n")


def _python_tag(marker: Path) -> str:
    return GOOD_LSTM.replace("title: LSTM", f'title: !!python/object/apply:os.system ["touch {marker}"]')


def test_bad_files_are_errors_at_their_lines(project: SpecProject) -> None:
    """Each bad file becomes one failed ``spec-error`` item naming file:line and what is
    wrong; the good file next to them still runs and passes."""
    marker = project.root / "python-tag-ran"
    bad = {
        "bad_yaml.yaml": (_BAD_YAML, "{return_state: true]", "YAML syntax error"),
        "unknown_layer.yaml": (_UNKNOWN_LAYER, "class: LTSM", "unknown layer 'LTSM'"),
        "misspelled_arg.yaml": (_MISSPELLED_ARG, "retrun_state", "LSTM has no argument 'retrun_state'"),
        "unknown_relation.yaml": (_UNKNOWN_RELATION, "h_than_c", "unknown relation 'h_than_c'"),
        "unknown_symbol.yaml": (_UNKNOWN_SYMBOL, "(B, T, unit)", "unknown symbol 'unit' in returns"),
        "python_tag.yaml": (_python_tag(marker), "!!python", "refused YAML tag"),
    }
    hints = {
        "unknown_layer.yaml": "did you mean 'LSTM'?",
        "misspelled_arg.yaml": "did you mean 'return_state'?",
        "unknown_relation.yaml": "did you mean 'h_then_c'?",
        "unknown_symbol.yaml": "did you mean 'units'?",
    }
    project.write("good.yaml", GOOD_LSTM)
    paths = {name: project.write(name, text) for name, (text, _, _) in bad.items()}
    result = project.run()

    assert not marker.exists(), "the !!python tag was executed"
    reports = reports_of(result, by_nodeid=True)
    assert {n: r.outcome for n, r in reports.items() if n.startswith("spec/good.yaml")} == {
        f"spec/good.yaml::{n}": "passed" for n in GOOD_LSTM_CPU_NAMES
    }
    problems = []
    for name, (text, needle, message) in bad.items():
        report = reports.get(f"spec/{name}::spec-error")
        if report is None or not report.failed:
            problems.append(f"{name}: no failed spec-error item ({report and report.outcome})")
            continue
        where = f"{paths[name]}:{line_of(text, needle)}: "
        for wanted in (where + message, hints.get(name, "")):
            if wanted not in report.longreprtext:
                problems.append(f"{name}: {wanted!r} not in\n{report.longreprtext}")
    assert not problems, "\n".join(problems)
    assert len(reports) == len(GOOD_LSTM_CPU_NAMES) + len(bad)
    assert result.ret == pytest.ExitCode.TESTS_FAILED


# --- 6. gaps and contradictions in a table -------------------------------------------------


def test_combination_without_expectation_is_named(project: SpecProject) -> None:
    """A declared combination that no row covers is an error, never a silently missing case."""
    text = GOOD_LSTM.replace(
        "  - when: {return_sequences: true, return_state: true}\n    returns: ((B, T, units), (B, units), (B, units))\n",
        "",
    )
    path = project.write("gap.yaml", text)
    result = project.run()
    report = reports_of(result)["spec-error"]
    assert report.failed
    assert f"{path}:{line_of(text, 'core: {}')}: no row gives returns for the combination" in report.longreprtext
    assert "return_sequences=true, return_state=true" in report.longreprtext
    result.assert_outcomes(failed=1)


def test_contradicting_rows_name_both_lines(project: SpecProject) -> None:
    """Two rows that give one combination different returns: both lines are named."""
    text = GOOD_LSTM.replace(
        "  - dtype: float32\n",
        "  - when: {return_state: true, return_sequences: true}\n    returns: (B, units)\n  - dtype: float32\n",
    )
    path = project.write("contradiction.yaml", text)
    result = project.run()
    report = reports_of(result)["spec-error"]
    first = line_of(text, "- when: {return_sequences: true, return_state: true}")
    second = line_of(text, "- when: {return_state: true, return_sequences: true}")
    assert f"{path}:{second}: rows contradict each other: line {first} says" in report.longreprtext
    result.assert_outcomes(failed=1)


# --- 7. documented deviations --------------------------------------------------------------

# LSTM(return_sequences=False, return_state=True, zero_output_for_mask=True) on a right-padded
# batch returns zeros as output for the padded row while h is not zero (see spec/lstm.yaml);
# without a mask output_is_h holds, so the same deviation declared there is "gone".
DEVIATION_TABLE = """\
rnnspec: 1
title: LSTM
inputs: (B, T, F)
sizes: {B: 2, T: 3, F: 2, units: 2}
build:
  class: LSTM
  args: {units: $units, return_state: $return_state, zero_output_for_mask: $zero_output_for_mask}
defaults: {return_state: true, zero_output_for_mask: true, mask: right}
tables:
  occurs: {}
  gone: {mask: [none]}
expect:
  - returns: ((B, units), (B, units), (B, units))
    dtype: float32
  - when: {mask: [right, none]}
    deviations:
      - relation: output_is_h
        reason: the last output is zeros where the last step is masked
"""


def test_documented_deviation_that_occurs_passes(project: SpecProject) -> None:
    """A deviation that Keras still shows is the contract: the case passes."""
    project.write("deviation.yaml", DEVIATION_TABLE)
    outcomes = outcomes_of(project.run("-k", "occurs"))
    assert outcomes == {"LSTM[occurs-cpu]": "passed"}


def test_documented_deviation_gone_fails(project: SpecProject) -> None:
    """A deviation that no longer occurs fails, so that a Keras fix updates the table."""
    path = project.write("deviation.yaml", DEVIATION_TABLE)
    report = reports_of(project.run("-k", "gone"))["LSTM[gone-mask=none-cpu]"]
    assert report.failed
    assert "documented deviation gone: output_is_h now holds" in report.longreprtext
    assert f"deviation.yaml:{line_of(DEVIATION_TABLE, 'deviations:')}" in report.longreprtext
    assert (
        f"{path.relative_to(project.root).as_posix()}:{line_of(DEVIATION_TABLE, 'gone:')}: LSTM[gone-mask=none-cpu]"
        in report.longreprtext
    )


# --- 8. rows that say the call raises --------------------------------------------------

RAISES_TABLE = """\
rnnspec: 1
title: Bidirectional
inputs: (B, T, F)
sizes: {B: 1, T: 3, F: 2, units: 2}
build:
  class: Bidirectional
  layer:
    class: LSTM
    args: {units: $units, go_backwards: $go_backwards}
defaults: {go_backwards: false}
tables:
  backwards: {go_backwards: [true]}
  forwards: {go_backwards: [false]}
expect:
  - raises: ValueError
"""


def test_raises_row(project: SpecProject) -> None:
    """Keras rejects a wrapped go_backwards layer (passes); the forward layer does not raise,
    so the same row there fails and says so."""
    path = project.write("bidi.yaml", RAISES_TABLE)
    reports = reports_of(project.run())
    assert {n: r.outcome for n, r in reports.items()} == {
        "Bidirectional[backwards-backwards-cpu]": "passed",
        "Bidirectional[forwards-cpu]": "failed",
    }
    message = reports["Bidirectional[forwards-cpu]"].longreprtext
    assert (
        f"{path.relative_to(project.root).as_posix()}:{line_of(RAISES_TABLE, 'forwards:')}: Bidirectional[forwards-cpu]"
        in message
    )
    assert "expected the call to raise ValueError, but it returned" in message
    assert "raises ValueError" in message  # the expected: line


# --- 9. the device axis on a CPU split in two ------------------------------------------

SPLIT_CPU_CONFTEST = """\
import rnnspec.devices


def pytest_configure(config):
    rnnspec.devices.split_cpu_for_tests(2)
"""


def test_device_map_runs_gpu_cases_on_second_cpu(project: SpecProject) -> None:
    """With gpu mapped to cpu:1 the gpu cases run, and really run there (the placement of
    the returned tensor is recorded), which exercises the device axis without a GPU."""
    project.pytester.makeconftest(SPLIT_CPU_CONFTEST)
    project.write("lstm.yaml", GOOD_LSTM)
    reports = project.root / "reports"
    result = project.run_subprocess(
        f"--rnnspec-reports={reports}", "--rnnspec-device-map", "gpu=cpu:1", devices="cpu,gpu"
    )
    result.assert_outcomes(passed=8)
    records = records_by_name(load_results(reports))
    assert len(records) == 8
    for name, record in records.items():
        assert record["status"] == "passed", name
        want = "CPU:1" if name.endswith("-gpu]") else "CPU:0"
        assert record["placed"].endswith(want), (name, record["placed"])


@pytest.mark.parametrize(("backend", "cpu"), [("tensorflow", "cpu:0"), ("jax", "cpu:0"), ("torch", "cpu")])
def test_the_cpu_each_backend_is_given(monkeypatch: pytest.MonkeyPatch, backend: str, cpu: str) -> None:
    """Torch gets "cpu": under keras.device("cpu:0") Keras 3.15's torch backend turns each new
    variable into a plain tensor, re-wraps it as a trainable Parameter, and the integer
    seed-generator state fails every layer build (found by the version matrix)."""
    import rnnspec.devices as devices

    monkeypatch.setattr(devices, "backend_name", lambda: backend)
    monkeypatch.setattr(devices, "gpu_names", lambda: [])
    assert devices.resolve_devices({}) == {"cpu": cpu, "gpu": None}
    assert devices.resolve_devices({"cpu": "cpu:1"})["cpu"] == "cpu:1"


# --- 10. reports -----------------------------------------------------------------------


def test_reports_results_and_contract(project: SpecProject) -> None:
    """results.json has one record per case with what it expected and got; contract.md is
    reproduced byte for byte by a second run."""
    project.write("lstm.yaml", GOOD_LSTM)
    first, second = project.root / "r1", project.root / "r2"
    project.run(f"--rnnspec-reports={first}").assert_outcomes(passed=4)
    project.run(f"--rnnspec-reports={second}").assert_outcomes(passed=4)

    data = load_results(first)
    records = records_by_name(data)
    assert list(records) == GOOD_LSTM_CPU_NAMES
    table_line = line_of(GOOD_LSTM, "core: {}")
    for name, record in records.items():
        assert record["id"] == f"spec/lstm.yaml::{name}"
        assert (record["file"], record["line"], record["device"], record["status"]) == (
            "spec/lstm.yaml",
            table_line,
            "cpu",
            "passed",
        )
        assert record["expected"] == record["actual"]
    assert records["LSTM[core-seq-state-cpu]"]["expected"] == "((1, 3, 2)@float32, (1, 2)@float32, (1, 2)@float32)"
    versions = data["meta"]["versions"]
    assert {"keras", "numpy", "backend", "python"} <= set(versions)

    contract = (first / "contract.md").read_text(encoding="utf-8")
    assert (second / "contract.md").read_text(encoding="utf-8") == contract
    assert "| seq-state | `((B, T, units), (B, units), (B, units))`" in contract


def test_reports_identical_under_xdist(project: SpecProject) -> None:
    """Spread over two workers, every case is recorded exactly once and contract.md is the
    serial one byte for byte (records travel with the reports to the controller)."""
    project.write("lstm.yaml", GOOD_LSTM)
    project.write("gru.yaml", GOOD_LSTM.replace("LSTM", "GRU").replace(", (B, units))", ")").replace(", h_then_c", ""))
    serial, parallel = project.root / "serial", project.root / "parallel"
    project.run(f"--rnnspec-reports={serial}").assert_outcomes(passed=8)
    project.run("-n", "2", f"--rnnspec-reports={parallel}").assert_outcomes(passed=8)

    def comparable(directory: Path) -> dict[str, tuple[object, ...]]:
        return {
            name: (r["id"], r["status"], r["expected"], r["actual"], r["line"])
            for name, r in records_by_name(load_results(directory)).items()
        }

    assert comparable(parallel) == comparable(serial)
    assert len(comparable(serial)) == 8
    serial_contract = (serial / "contract.md").read_text(encoding="utf-8")
    parallel_contract = (parallel / "contract.md").read_text(encoding="utf-8")
    assert _without_error_bounds(parallel_contract) == _without_error_bounds(serial_contract)
    assert parallel_contract == serial_contract


def _without_error_bounds(contract: str) -> str:
    """contract.md with its reference-error bounds (``<1e-7``) blanked out."""
    return re.sub(r"<1e-?\d+", "<1e?", contract)
