"""tools/nightly_bump.py moves the nightly pins of tox.ini, and only those (no network here:
the index's answer is given as pip prints it)."""

from __future__ import annotations

import configparser
import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("nightly_bump", ROOT / "tools" / "nightly_bump.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


bump_tool = _tool()

PIP_SAYS = {
    "tf-nightly": "tf-nightly (2.23.0.dev20261102)\nAvailable versions: 2.23.0.dev20261102, 2.23.0.dev20261026\n",
    "keras-nightly": "keras-nightly (3.16.0.dev2026110304)\nAvailable versions: 3.16.0.dev2026110304, 3.1.0\n",
}

TOX = """\
[testenv:keras315]
deps =
    keras==3.15.1
    tf-nightly-cpu==2.22.0.dev20260905
[testenv:nightly]
deps =
    tf-nightly==2.23.0.dev20261026
    keras-nightly==3.16.0.dev2026102704
[testenv:nightly-jax]
deps =
    keras-nightly==3.16.0.dev2026102704
"""


def test_the_nightly_pins_move_to_the_newest_builds_and_nothing_else(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tox = tmp_path / "tox.ini"
    tox.write_text(TOX, encoding="utf-8")
    assert bump_tool.main([str(tox), "--dry-run"], ask=PIP_SAYS.__getitem__) == 0
    assert tox.read_text(encoding="utf-8") == TOX
    assert bump_tool.main([str(tox)], ask=PIP_SAYS.__getitem__) == 0
    out = capsys.readouterr().out
    assert "tf-nightly 2.23.0.dev20261026 -> 2.23.0.dev20261102" in out
    assert "keras-nightly 3.16.0.dev2026102704 -> 3.16.0.dev2026110304" in out
    assert tox.read_text(encoding="utf-8") == TOX.replace("2.23.0.dev20261026", "2.23.0.dev20261102").replace(
        "3.16.0.dev2026102704", "3.16.0.dev2026110304"
    )  # keras==3.15.1 and tf-nightly-cpu stay as they were
    assert bump_tool.main([str(tox)], ask=PIP_SAYS.__getitem__) == 0
    assert "the nightly pins are the newest builds" in capsys.readouterr().out


def test_an_index_that_cannot_say_changes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tox = tmp_path / "tox.ini"
    tox.write_text(TOX, encoding="utf-8")
    assert bump_tool.main([str(tox)], ask=lambda package: "ERROR: no matching distribution\n") == 2
    assert "no 'Available versions' line" in capsys.readouterr().err
    assert tox.read_text(encoding="utf-8") == TOX
    tox.write_text("[testenv]\ndeps = keras==3.15.1\n", encoding="utf-8")
    assert bump_tool.main([str(tox)], ask=PIP_SAYS.__getitem__) == 2


def test_the_committed_nightly_environments_are_pinned_to_dated_builds() -> None:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(ROOT / "tox.ini", encoding="utf-8")
    for env, packages in (("nightly", ("tf-nightly", "keras-nightly")), ("nightly-jax", ("keras-nightly",))):
        deps = parser.get(f"testenv:{env}", "deps")
        for package in packages:
            [version] = bump_tool.pin_pattern(package).findall(deps)
            assert ".dev" in version, (env, package, version)
        assert "keras==" not in deps  # keras-nightly is the keras there
