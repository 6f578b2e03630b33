"""The committed reports/contract.md must be exactly what the specification renders now.

`make test` runs the specification first and points RNNSPEC_FRESH_REPORTS at its reports;
run alone, this test runs the specification itself in a subprocess. The contract is only
reproducible on the pinned stack, so on any other stack the test skips and says why.
"""

from __future__ import annotations

import difflib
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
COMMITTED = ROOT / "reports" / "contract.md"


def _pinned() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements" / "pinned.txt").read_text().splitlines():
        name, sep, version = line.partition("==")
        if sep:
            pins[name.strip().lower()] = version.strip()
    return pins


def _installed_differs() -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    for name in ("tensorflow-cpu", "keras", "numpy"):
        want = _pinned()[name]
        try:
            have = version(name)
        except PackageNotFoundError:
            have = "not installed"
        if have != want:
            return f"{name} {have} is installed, the contract is pinned to {want}"
    return None


def _fresh_contract(tmp_path: Path) -> Path:
    fresh = os.environ.get("RNNSPEC_FRESH_REPORTS")
    if fresh:
        return Path(fresh) / "contract.md"
    reports = tmp_path / "reports"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "spec",
            "-q",
            "-n",
            "2",
            "--rnnspec-depth=exhaustive",
            f"--rnnspec-reports={reports}",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return reports / "contract.md"


def test_committed_contract_is_current(tmp_path: Path) -> None:
    why = _installed_differs()
    if why:
        pytest.skip(f"contract.md is reproducible only on the pinned stack: {why}")
    fresh = _fresh_contract(tmp_path).read_text(encoding="utf-8")
    committed = COMMITTED.read_text(encoding="utf-8")
    if fresh != committed:
        diff = "".join(
            list(difflib.unified_diff(committed.splitlines(True), fresh.splitlines(True), "committed", "fresh"))[:80]
        )
        pytest.fail(f"reports/contract.md is stale; run `make spec` and commit it.\n{diff}")
