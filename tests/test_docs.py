"""The user docs stay true: the generated key reference is current, and the pages hold together.

docs/spec-keys.md must be exactly what rnnspec.keys_doc renders from rnnspec/schema.yaml now,
and every key of the schema must say what it means (the page is made of those descriptions);
regenerate with ``python -m rnnspec.keys_doc docs/spec-keys.md`` (or ``make spec-keys``).
README.md, benchmarks/README.md and docs/*.md link only to what exists, carry no commit
hashes, load averages or issue numbers (a reader cannot see them), and the README stays short.
"""

from __future__ import annotations

import copy
import difflib
import re
import subprocess
import sys
from pathlib import Path

import pytest

from rnnspec import keys_doc

ROOT = Path(__file__).resolve().parent.parent
COMMITTED = ROOT / "docs" / "spec-keys.md"


def test_every_schema_property_has_a_description() -> None:
    assert keys_doc.missing_descriptions(keys_doc.load_schema()) == []


def test_committed_page_is_current() -> None:
    fresh = keys_doc.render()
    committed = COMMITTED.read_text(encoding="utf-8")
    diff = "".join(
        difflib.unified_diff(
            committed.splitlines(keepends=True), fresh.splitlines(keepends=True), "docs/spec-keys.md", "fresh render"
        )
    )
    assert committed == fresh, f"docs/spec-keys.md is stale: run `python -m rnnspec.keys_doc docs/spec-keys.md`\n{diff}"


def test_page_lists_every_top_level_key() -> None:
    page = COMMITTED.read_text(encoding="utf-8")
    for key in keys_doc.load_schema()["properties"]:
        assert f"| `{key}` |" in page


@pytest.mark.parametrize(
    "where",
    [
        ("properties", "seed"),  # a top-level key
        ("$defs", "row", "properties", "note"),  # a key inside a definition
        ("$defs", "row", "properties", "deviations", "items", "properties", "reason"),  # nested in a list
    ],
)
def test_a_missing_description_is_named_and_stops_the_render(where: tuple[str, ...]) -> None:
    schema = copy.deepcopy(keys_doc.load_schema())
    node = schema
    for step in where:
        node = node[step]
    del node["description"]
    name = ".".join(where)
    assert keys_doc.missing_descriptions(schema) == [name]
    with pytest.raises(ValueError, match=f"without a description: {name.replace('$', '[$]')}$"):
        keys_doc.render(schema)


def test_a_pure_reference_takes_its_definitions_description() -> None:
    schema = copy.deepcopy(keys_doc.load_schema())
    assert "description" not in schema["$defs"]["row"]["properties"]["when"]  # {$ref: when}
    assert keys_doc.missing_descriptions(schema) == []
    del schema["$defs"]["when"]["description"]
    assert keys_doc.missing_descriptions(schema) == [
        "$defs.row.properties.when",
        "$defs.xfail.properties.when",
    ]


def test_nested_keys_are_rendered_once_with_their_path() -> None:
    paths = [path for path, _kind, _required, _text in keys_doc.rows(keys_doc.load_schema())]
    assert len(paths) == len(set(paths))
    for path in ("build.class", "expect[].versions.keras", "expect[].deviations[].reason", "xfail[].strict"):
        assert path in paths
    assert "xfail[].versions.keras" not in paths  # said once, where versions is first used


def test_command_writes_the_page_without_importing_keras(tmp_path: Path) -> None:
    out = tmp_path / "keys.md"
    code = (
        "import sys, runpy; sys.argv = ['keys_doc', sys.argv[1]]\n"
        "try:\n    runpy.run_module('rnnspec.keys_doc', run_name='__main__')\n"
        "except SystemExit as exit:\n    assert exit.code == 0, exit.code\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in {'keras', 'tensorflow', 'jax', 'torch'})\n"
        "assert not heavy, heavy\n"
    )
    result = subprocess.run([sys.executable, "-c", code, str(out)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert out.read_text(encoding="utf-8") == COMMITTED.read_text(encoding="utf-8")


# --- the user docs: links that resolve, no lab-notebook residue ----------------------------

USER_DOCS = [ROOT / "README.md", ROOT / "benchmarks" / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)\s]+)\)")


def _doc_id(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


@pytest.mark.parametrize("doc", USER_DOCS, ids=_doc_id)
def test_relative_links_resolve(doc: Path) -> None:
    text = doc.read_text(encoding="utf-8")
    broken = []
    for target in LINK.findall(text):
        if "://" in target or target.startswith("mailto:"):
            continue
        file, _, anchor = target.partition("#")
        resolved = (doc.parent / file).resolve() if file else doc
        if not resolved.exists():
            broken.append(target)
        elif anchor and resolved.suffix == ".md":
            headings = {
                re.sub(r"[^a-z0-9 _-]", "", line.lstrip("#").strip().lower()).replace(" ", "-")
                for line in resolved.read_text(encoding="utf-8").splitlines()
                if line.startswith("#")
            }
            if anchor not in headings:
                broken.append(target)
    assert broken == [], f"{_doc_id(doc)}: links to nothing: {broken}"


# A commit hash (7+ hex characters with a digit and a letter), a load average, an issue number.
RESIDUE = re.compile(
    r"\b(?=[0-9a-f]*[0-9])(?=[0-9a-f]*[a-f])[0-9a-f]{7,40}\b|load average|\bissues? #?\d+|(?<![\w/])#\d+\b",
    re.IGNORECASE,
)


@pytest.mark.parametrize("doc", USER_DOCS, ids=_doc_id)
def test_no_commit_hashes_load_averages_or_issue_numbers(doc: Path) -> None:
    found = [
        f"{_doc_id(doc)}:{number}: {match.group(0)}"
        for number, line in enumerate(doc.read_text(encoding="utf-8").splitlines(), 1)
        for match in RESIDUE.finditer(line)
    ]
    assert found == []


def test_residue_pattern_finds_what_it_is_for() -> None:
    for text in ("measured at commit 23a7e6c", "load average 3.7-5.4", "see issue 13", "fixed in #20983"):
        assert RESIDUE.search(text), text
    for text in ("float32 1e-5", "H200", "(B, 1) step mask", "keras>=3.2", "`tf221`", "2026-11-29"):
        assert not RESIDUE.search(text), text


def test_readme_stays_short() -> None:
    lines = (ROOT / "README.md").read_text(encoding="utf-8").count("\n")
    assert lines <= 230, f"README.md has {lines} lines: move details to docs/ (about 200 is the aim)"
