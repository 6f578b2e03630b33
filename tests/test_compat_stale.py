"""Results that cannot go stale silently: the table digest, the condensed files' record of it,
the page's marking and ``python -m rnnspec.compat stale`` (rnnspec/compat/digest.py, stale.py).

The committed results predate the digest, so today every committed environment is stale; no
test fails for that (the matrix is re-run on a schedule), but the page must say so, exactly
for the files whose digest is not the current tables'.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from test_compat import COMMITTED_DIR, COMMITTED_PAGE, ROOT, baseline, results, write_env, write_manifest

from rnnspec.compat import FORMAT, CompatError, load_environment, tables_digest
from rnnspec.compat.__main__ import main
from rnnspec.compat.digest import PREFIX
from rnnspec.compat.environments import load_directory
from rnnspec.compat.report import render_directory
from rnnspec.compat.stale import stale_environments


def tables(root: Path) -> Path:
    """A small folder of tables: a table, a fragment and a suite."""
    spec = root / "spec"
    spec.mkdir(parents=True)
    (spec / "lstm.yaml").write_text("rnnspec: 1\ntitle: LSTM\n", encoding="utf-8")
    (spec / "_recurrent.yaml").write_text("axes: {}\n", encoding="utf-8")
    (spec / "_suite.yaml").write_text("axes: {}\n", encoding="utf-8")
    return spec


def test_the_digest_covers_every_yaml_file_by_path_and_bytes(tmp_path: Path) -> None:
    spec = tables(tmp_path / "one")
    first = tables_digest(spec)
    assert first.startswith(PREFIX)
    assert len(first) == len(PREFIX) + 64
    assert tables_digest(tables(tmp_path / "two")) == first  # elsewhere on the machine: the same
    (spec / "notes.txt").write_text("not a table", encoding="utf-8")
    assert tables_digest(spec) == first
    for change in ("fragment", "suite", "rename", "add", "table"):
        copy = tmp_path / change / "spec"
        shutil.copytree(spec, copy)
        if change == "fragment":
            (copy / "_recurrent.yaml").write_text("axes: {x: [1]}\n", encoding="utf-8")
        elif change == "suite":
            (copy / "_suite.yaml").write_text("axes: {}\n\n", encoding="utf-8")
        elif change == "rename":
            (copy / "lstm.yaml").rename(copy / "lstm2.yaml")
        elif change == "add":
            (copy / "gru.yaml").write_text("", encoding="utf-8")
        else:
            (copy / "lstm.yaml").write_text("rnnspec: 1\ntitle: LSTM \n", encoding="utf-8")
        assert tables_digest(copy) != first, change


def test_condense_keeps_the_runs_digest_and_depth_and_the_reader_reads_every_format(tmp_path: Path) -> None:
    digest = tables_digest(tables(tmp_path))
    data = results(baseline())
    data["meta"].update(tables_digest=digest, depth="standard")
    compat = tmp_path / "compat"
    write_manifest(compat, "tf221")
    env = load_environment(write_env(compat, "tf221", data))
    assert (env.tables_digest, env.depth) == (digest, "standard")
    raw = json.loads((compat / "tf221.json").read_text(encoding="utf-8"))
    assert raw["format"] == FORMAT == "rnnspec-compat/3"
    for old in ("rnnspec-compat/1", "rnnspec-compat/2"):  # before the digest: unknown tables, exhaustive
        path = tmp_path / "e.json"
        path.write_text(json.dumps({**raw, "format": old, "env": "e"} | {"tables_digest": None}), encoding="utf-8")
        loaded = load_environment(path)
        assert loaded.tables_digest is None
    raw.update(env="e", tables_digest="md5:abc")
    path.write_text(json.dumps(raw), encoding="utf-8")
    with pytest.raises(CompatError, match=r"e\.json: 'tables_digest' must be null or text starting 'sha256:'"):
        load_environment(path)


def _matrix(tmp_path: Path) -> tuple[Path, Path]:
    """Three environments: one from the current tables, one from other tables, one from unknown."""
    spec = tables(tmp_path)
    compat = tmp_path / "compat"
    write_manifest(compat, "current", "other", "unknown")
    for name, digest in (("current", tables_digest(spec)), ("other", PREFIX + "0" * 64), ("unknown", None)):
        data = results(baseline())
        if digest:
            data["meta"]["tables_digest"] = digest
        write_env(compat, name, data)
    return compat, spec


def test_the_page_marks_stale_environments_loudly_and_current_ones_not(tmp_path: Path) -> None:
    compat, spec = _matrix(tmp_path)
    page = render_directory(compat, spec)
    banner = page.split("## Environments")[0]
    assert "**STALE RESULTS: 2 of 3 environments ran other tables than `spec/` holds now**" in banner
    assert "lists them: `other`, `unknown`." in banner
    assert "| `current` |" in page
    assert "| complete | current |" in page
    assert "| complete | **STALE**: made from other tables (digest 000000000000) |" in page
    assert "| complete | **STALE**: made from unknown tables (recorded before the table digest) |" in page


def test_changing_a_table_makes_its_results_stale(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    compat, spec = _matrix(tmp_path)
    command = ["stale", "--dir", str(compat), "--spec", str(spec)]
    assert main(command) == 1
    out = capsys.readouterr().out
    assert "other: made from other tables" in out
    assert "unknown: made from unknown tables" in out
    assert "current:" not in out
    (spec / "_suite.yaml").write_text("axes: {changed: [1]}\n", encoding="utf-8")
    assert main(command) == 1
    assert "current: made from other tables" in capsys.readouterr().out
    assert "STALE RESULTS: 3 of 3 environments" in render_directory(compat, spec)
    for name in ("other", "unknown"):
        (compat / f"{name}.json").unlink()
    data = results(baseline())
    data["meta"]["tables_digest"] = tables_digest(spec)  # the environment re-run with the new tables
    write_env(compat, "current", data)
    assert main(command) == 0
    assert "0 of 1 recorded environments are stale" in capsys.readouterr().out
    assert "All 1 environments ran the tables `spec/` holds now." in render_directory(compat, spec)


def test_the_committed_page_marks_exactly_the_committed_files_whose_digest_differs() -> None:
    envs, _ = load_directory(COMMITTED_DIR)
    current = tables_digest(ROOT / "spec")
    expected = [env.name for env in envs if env.tables_digest != current]
    assert list(stale_environments(envs, current)) == expected
    page = COMMITTED_PAGE.read_text(encoding="utf-8")
    marked = [line.split("`")[1] for line in page.splitlines() if line.startswith("| `") and "| **STALE**:" in line]
    assert marked == expected
    current_rows = [line.split("`")[1] for line in page.splitlines() if line.endswith("| complete | current |")]
    assert sorted(current_rows + marked) == sorted(env.name for env in envs)
    if expected:
        assert f"**STALE RESULTS: {len(expected)} of {len(envs)} environments" in page
