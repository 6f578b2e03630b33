"""Checking your own cell: examples/custom_cell/ registers MinimalRNNCell with a NumPy
reference, and its table checks RNN(cell) over return_sequences x return_state x
go_backwards. The example runs as is; a wrong reference makes every case fail."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import SpecProject, load_results, outcomes_of, records_by_name, reports_of

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "custom_cell"

NAMES = [
    f"MinimalRNN[core{seq}{state}{backwards}-cpu]"
    for seq in ("", "-seq")
    for state in ("", "-state")
    for backwards in ("", "-backwards")
]

#: The example's cell with a reference that forgets the tanh.
WRONG_CONFTEST = """\
import numpy as np
from minimal_rnn import MinimalRNNCell


def linear_reference(node, weights, inputs, *, mask=None, initial_state=None):
    args = node["args"]
    kernel, recurrent = weights
    x = inputs[:, ::-1] if args["go_backwards"] else inputs
    h, outputs = np.zeros((x.shape[0], recurrent.shape[0])), []
    for t in range(x.shape[1]):
        h = x[:, t] @ kernel + h @ recurrent  # no tanh
        outputs.append(h)
    output = np.stack(outputs, axis=1) if args["return_sequences"] else h
    return (output, h) if args["return_state"] else output


def pytest_rnnspec_register_layers(registry):
    registry.register(MinimalRNNCell, reference=linear_reference)

"""


def copy_example(project: SpecProject) -> None:
    for name in ("conftest.py", "minimal_rnn.py"):
        shutil.copy(EXAMPLE / name, project.root / name)
    shutil.copy(EXAMPLE / "spec" / "minimal_rnn.yaml", project.root / "spec" / "minimal_rnn.yaml")


def test_custom_cell_example_passes(project: SpecProject) -> None:
    """Every combination passes, and each was compared with the cell's own reference."""
    copy_example(project)
    out = project.root / "reports"
    result = project.run(f"--rnnspec-reports={out}")
    assert outcomes_of(result) == dict.fromkeys(NAMES, "passed")
    assert result.ret == pytest.ExitCode.OK

    records = records_by_name(load_results(out))
    assert sorted(records) == sorted(NAMES)
    for name, record in records.items():
        assert record["reference"] == "checked", name
        assert 0.0 <= record["max_error"] < 1e-6, (name, record["max_error"])
        assert record["layer"] == "RNN"
    contract = (out / "contract.md").read_text(encoding="utf-8")
    assert "| MinimalRNN | `spec/minimal_rnn.yaml` | 8 | 8 pass |" in contract


def test_wrong_reference_fails_every_case(project: SpecProject) -> None:
    """A reference without the tanh disagrees with the cell: every case fails and says so."""
    copy_example(project)
    (project.root / "conftest.py").write_text(WRONG_CONFTEST, encoding="utf-8")
    result = project.run()
    reports = reports_of(result)
    assert {name: r.outcome for name, r in reports.items()} == dict.fromkeys(NAMES, "failed")
    for name, report in reports.items():
        assert "  - reference: tensor 0: max |layer - reference|" in report.longreprtext, name
        assert "> tolerance 1e-05" in report.longreprtext, name
    assert result.ret == pytest.ExitCode.TESTS_FAILED


@pytest.mark.parametrize("decorator", ["", "@pytest.hookimpl\n"], ids=["plain", "hookimpl"])
def test_register_hook_alone_is_called(project: SpecProject, decorator: str) -> None:
    """The documented hook alone (plain or marked with hookimpl) registers the cell."""
    copy_example(project)
    (project.root / "conftest.py").write_text(
        "import pytest\n"
        "from minimal_rnn import MinimalRNNCell, minimal_rnn_reference\n\n\n"
        f"{decorator}def pytest_rnnspec_register_layers(registry):\n"
        "    registry.register(MinimalRNNCell, reference=minimal_rnn_reference)\n",
        encoding="utf-8",
    )
    result = project.run()
    assert outcomes_of(result) == dict.fromkeys(NAMES, "passed")


NO_REFERENCE_CONFTEST = """\
from minimal_rnn import MinimalRNNCell


def pytest_rnnspec_register_layers(registry):
    registry.register(MinimalRNNCell)
"""

RAISING_CONFTEST = """\
from minimal_rnn import MinimalRNNCell


def broken_reference(node, weights, inputs, *, mask=None, initial_state=None):
    kernel, recurrent = weights
    return inputs.reshape(5, -1) @ kernel  # a wrong shape: NumPy raises ValueError


def pytest_rnnspec_register_layers(registry):
    registry.register(MinimalRNNCell, reference=broken_reference)
"""


def test_a_custom_cell_without_a_reference_is_numbers_unchecked(project: SpecProject) -> None:
    copy_example(project)
    (project.root / "conftest.py").write_text(NO_REFERENCE_CONFTEST, encoding="utf-8")
    result = project.run()
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(["*numbers unchecked: 8 passing cases had no reference*", "*8 numbers_unchecked*"])
    assert "passed" not in result.stdout.lines[-1]
    strict = project.run("--rnnspec-require-reference")
    assert strict.ret == pytest.ExitCode.TESTS_FAILED
    assert outcomes_of(strict) == dict.fromkeys(NAMES, "failed")
    report = next(iter(reports_of(strict).values()))
    assert "numbers unchecked (no reference:" in report.longreprtext


def test_an_error_in_a_users_reference_is_one_line_naming_it(project: SpecProject) -> None:
    copy_example(project)
    (project.root / "conftest.py").write_text(RAISING_CONFTEST, encoding="utf-8")
    result = project.run()
    assert outcomes_of(result) == dict.fromkeys(NAMES, "failed")
    for report in reports_of(result).values():
        text = report.longreprtext
        assert "the reference broken_reference (conftest.py:4) raised ValueError: " in text, text
        assert "at conftest.py:6" in text
        assert "Traceback" not in text
        assert "_pytest" not in text
        assert len(text.splitlines()) < 40
