"""Installing rnnspec must not tax projects that have no spec tables: no Keras or TensorFlow
import and no rnnspec markers there (benchmarks/plugin_cost.py measures the time)."""

from __future__ import annotations

import pytest

from conftest import GOOD_LSTM

# Written by the throw-away project's conftest when pytest is done: was Keras imported?
_REPORT_MODULES = """\
import sys


def pytest_unconfigure(config):
    heavy = sorted(m for m in ("keras", "tensorflow", "rnnspec.spec", "rnnspec.registry") if m in sys.modules)
    (config.rootpath / "heavy.txt").write_text(",".join(heavy) or "none")
"""


@pytest.fixture
def plain(pytester: pytest.Pytester) -> pytest.Pytester:
    """A project with one ordinary test and no spec folder."""
    pytester.makepyfile(test_one="def test_one():\n    assert True\n")
    pytester.makeconftest(_REPORT_MODULES)
    return pytester


def _run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest_subprocess("-p", "rnnspec.plugin", "-p", "no:cacheprovider", *args, timeout=120)


def test_a_project_without_specs_imports_no_keras(plain: pytest.Pytester) -> None:
    result = _run(plain)
    result.assert_outcomes(passed=1)
    assert (plain.path / "heavy.txt").read_text() == "none"
    assert "rnnspec:" not in result.stdout.str()  # no header either


def test_a_project_without_specs_sees_no_rnnspec_markers(plain: pytest.Pytester) -> None:
    listed = _run(plain, "--markers").stdout.str()
    for marker in ("@pytest.mark.rnnspec:", "@pytest.mark.cpu:", "@pytest.mark.gpu:"):
        assert marker not in listed


def test_a_project_with_specs_gets_them(plain: pytest.Pytester) -> None:
    """The same checks see the plugin at work once there is a table (so they can fail)."""
    (plain.path / "spec").mkdir()
    (plain.path / "spec" / "lstm.yaml").write_text(GOOD_LSTM, encoding="utf-8")
    listed = _run(plain, "--markers").stdout.str()
    assert "@pytest.mark.rnnspec:" in listed
    assert "@pytest.mark.gpu:" in listed
    result = _run(plain, "--rnnspec-devices=cpu", "-k", "test_one or seq")
    result.assert_outcomes(passed=3, deselected=2)
    assert "keras" in (plain.path / "heavy.txt").read_text()
