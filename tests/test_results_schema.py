"""results.json has a format tag and a JSON Schema that documents every key, checked here.

A real results.json, from a run of a small table whose cases end in every status a run
without a GPU can reach, must validate; records with a wrong type, an unknown status or an
undocumented key, and a file of another format, must not.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import PYTEST_INI
from rnnspec.results import FORMAT, SCHEMA_FILE, ResultsFormatError, check_format, schema, validate
from rnnspec.status import STATUSES

ROOT = Path(__file__).resolve().parent.parent

#: GRU on this Keras: a passing case, an expected failure (a row that says three tensors), and
#: use_cudnn declared available before Keras 3 only, so that its cases are not applicable here.
GRU_EVERY_STATUS = """\
rnnspec: 1
title: GRU
inputs: (B, T, F)
sizes: {B: 1, T: 3, F: 2, units: 2}
available:
  use_cudnn: {keras: "<3"}
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
    relations: [same_as_loop]
  - when: {return_state: true}
    returns: ((B, units), (B, units), (B, units))
  - dtype: float32
xfail:
  - when: {return_state: true}
    reason: the table is wrong on purpose
"""


@pytest.fixture(scope="module")
def real_results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """results.json of a run of GRU_EVERY_STATUS on cpu and gpu (skipped without one)."""
    root = tmp_path_factory.mktemp("results")  # one run for the module: pytester's fixture is per test
    (root / "spec").mkdir()
    (root / "spec" / "gru.yaml").write_text(GRU_EVERY_STATUS, encoding="utf-8")
    (root / "pytest.ini").write_text(PYTEST_INI, encoding="utf-8")
    args = ["-p", "rnnspec.plugin", "-p", "no:hypothesispytest", "-p", "no:benchmark", "-p", "no:cacheprovider"]
    result = subprocess.run(
        [sys.executable, "-m", "pytest", *args, "--rnnspec-devices=cpu,gpu", "--rnnspec-reports=out", "-q"],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    path = root / "out" / "results.json"
    assert path.is_file(), result.stdout[-3000:] + result.stderr[-3000:]
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def test_a_real_results_json_follows_the_schema(real_results: dict[str, Any]) -> None:
    assert real_results["meta"]["format"] == FORMAT
    statuses: dict[str, set[str]] = {r["device"]: set() for r in real_results["cases"]}
    for record in real_results["cases"]:
        statuses[record["device"]].add(record["status"])
    assert statuses["cpu"] == {"passed", "xfailed", "not_applicable"}
    assert statuses["gpu"] <= {"skipped", "passed", "xfailed", "not_applicable"}
    validate(real_results, "results.json")  # raises on any problem
    check_format(real_results, "results.json")


def _broken(data: dict[str, Any], change: str) -> dict[str, Any]:
    out = copy.deepcopy(data)
    case = out["cases"][0]
    if change == "wrong type":
        case["line"] = "12"
    elif change == "unknown status":
        case["status"] = "not applicable"
    elif change == "undocumented key":
        case["flavour"] = "vanilla"
    elif change == "missing key":
        del case["case_key"]
    elif change == "other format":
        out["meta"]["format"] = "rnnspec-results/2"
    elif change == "untagged":
        del out["meta"]["format"]
    return out


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("wrong type", r"cases/0/line: '12' is not of type 'integer'"),
        ("unknown status", r"cases/0/status: 'not applicable' is not one of \['passed'"),
        ("undocumented key", r"cases/0: Additional properties are not allowed \('flavour' was unexpected\)"),
        ("missing key", r"cases/0: 'case_key' is a required property"),
        ("other format", r"meta/format: 'rnnspec-results/1' was expected"),
        ("untagged", r"meta: 'format' is a required property"),
    ],
)
def test_the_schema_rejects(real_results: dict[str, Any], change: str, message: str) -> None:
    with pytest.raises(ResultsFormatError, match=r"^results\.json: " + message):
        validate(_broken(real_results, change), "results.json")


def test_the_run_records_the_digest_of_the_tables_it_read(real_results: dict[str, Any], tmp_path: Path) -> None:
    """The version matrix marks results made from other tables as stale by this digest: the
    same file under the same relative path elsewhere gives the same one, another table another."""
    from rnnspec.compat.digest import tables_digest

    (tmp_path / "spec").mkdir()
    (tmp_path / "spec" / "gru.yaml").write_text(GRU_EVERY_STATUS, encoding="utf-8")
    assert real_results["meta"]["tables_digest"] == tables_digest(tmp_path / "spec")
    (tmp_path / "spec" / "gru.yaml").write_text(GRU_EVERY_STATUS + "\n", encoding="utf-8")
    assert real_results["meta"]["tables_digest"] != tables_digest(tmp_path / "spec")


def test_readers_refuse_another_format_and_take_an_untagged_file(real_results: dict[str, Any]) -> None:
    with pytest.raises(ResultsFormatError, match="format 'rnnspec-results/2', but this rnnspec reads"):
        check_format(_broken(real_results, "other format"), "results.json")
    check_format(_broken(real_results, "untagged"), "results.json")  # written before the tag: format 1
    with pytest.raises(ResultsFormatError, match=r"not a results\.json"):
        check_format([], "results.json")


def _properties(node: Any, where: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(node, dict):
        for name, sub in (node.get("properties") or {}).items():
            yield f"{where}/{name}", sub
        for key, sub in node.items():
            yield from _properties(sub, f"{where}/{key}")
    elif isinstance(node, list):
        for index, sub in enumerate(node):
            yield from _properties(sub, f"{where}/{index}")


def test_every_property_is_described() -> None:
    found = list(_properties(schema()))
    assert len(found) > 50
    assert [where for where, sub in found if not str(sub.get("description", "")).strip()] == []
    assert schema()["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_the_schema_speaks_the_one_status_vocabulary() -> None:
    assert tuple(schema()["$defs"]["case"]["properties"]["status"]["enum"]) == STATUSES
    assert schema()["$defs"]["meta"]["properties"]["format"]["const"] == FORMAT


def test_the_schema_is_package_data() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert SCHEMA_FILE in config["tool"]["setuptools"]["package-data"]["rnnspec"]
    assert (ROOT / "rnnspec" / SCHEMA_FILE).is_file()


def test_the_contract_command_refuses_another_format(
    real_results: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from rnnspec.reports import main

    source = tmp_path / "results.json"
    source.write_text(json.dumps(_broken(real_results, "other format")), encoding="utf-8")
    assert main([str(source), str(tmp_path / "contract.md")]) == 2
    assert "format 'rnnspec-results/2', but this rnnspec reads 'rnnspec-results/1' only" in capsys.readouterr().err
    assert not (tmp_path / "contract.md").exists()
    source.write_text(json.dumps(real_results), encoding="utf-8")
    assert main([str(source), str(tmp_path / "contract.md")]) == 0
    assert "# What Keras recurrent layers return" in (tmp_path / "contract.md").read_text(encoding="utf-8")
