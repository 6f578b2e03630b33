"""The compatibility matrix: condensing one run, rendering many, and the committed copy.

Every input here is made in the test, small (a handful of cases), and shaped like a real
results.json, so the tests run in well under a second and need no Keras run.
"""

from __future__ import annotations

import configparser
import copy
import difflib
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from rnnspec.compat import (
    FORMAT,
    MANIFEST,
    CompatError,
    condense,
    condense_file,
    dump_condensed,
    load_directory,
    load_matrix,
    read_entries,
    read_manifest,
    render_directory,
    render_matrix,
    short,
)
from rnnspec.compat import sections as compat_sections
from rnnspec.compat.__main__ import main
from rnnspec.compat.compare import structure_change
from rnnspec.compat.condensed import load_environment
from rnnspec.compat.heatmap import data_digest, dump_data, png_comment
from rnnspec.results import FORMAT as RESULTS_FORMAT
from rnnspec.status import NOT_APPLICABLE

ROOT = Path(__file__).resolve().parent.parent
COMMITTED_DIR = ROOT / "reports" / "compat"
COMMITTED_PAGE = ROOT / "reports" / "compat.md"
COMMITTED_PICTURE = ROOT / "reports" / "compat-heatmap.png"

TUPLE2 = "((2, 5, 4)@float32, (2, 4)@float32)"
LIST2 = "[(2, 5, 4)@float32, (2, 4)@float32]"


def record(flags: str, device: str = "cpu", *, order: int = 0, **fields: Any) -> dict[str, Any]:
    """One case record as the plugin writes it, timings and machine detail included."""
    actual = fields.pop("actual", TUPLE2)
    expected = fields.pop("expected", actual or TUPLE2)
    base: dict[str, Any] = {
        "id": f"spec/lstm.yaml::LSTM[{flags}-{device}]",
        "case_key": f"lstm.yaml::LSTM[{flags}]",
        "file": "spec/lstm.yaml",
        "title": "LSTM",
        "table": flags.split("-")[0],
        "flags": flags,
        "order": order,
        "device": device,
        "status": "passed",
        "expected": expected,
        "actual": actual,
        "arity": 2,
        "max_error": 7.363041387709046e-08,
        "reference": "checked",
        "relation_failures": {},
        "deviations": [],
        "problems": [],
        "error": None,
        "placed": "/job:localhost/replica:0/task:0/device:CPU:0",
        "duration": 0.6536181110004691,
        "timings": {"build": 0.29, "call": 0.30, "check": 0.001},
        "node": {"class": "LSTM", "args": {"units": 4}},
    }
    base.update(fields)
    return base


def results(cases: list[dict[str, Any]], **versions: Any) -> dict[str, Any]:
    meta_versions = {"tensorflow": "2.21.0", "keras": "3.15.1", "backend": "tensorflow", "numpy": "2.4.6"}
    meta_versions.update(python="3.11.7", python_minor="3.11", **versions)
    return {
        "meta": {
            "complete": True,
            "devices": ["cpu", "gpu"],
            "gpu": None,
            "spec_errors": [],
            "versions": meta_versions,
        },
        "cases": cases,
    }


def baseline() -> list[dict[str, Any]]:
    """Four points: a state-returning case, one with no state, a use_cudnn case, and a gpu skip."""
    return [
        record("core-seq-state", order=0),
        record("core-seq", order=1, actual="(2, 5, 4)@float32", arity=1),
        record("cudnn-seq-state-use_cudnn=false", order=2),
        record(
            "core-seq-state",
            "gpu",
            order=0,
            status="skipped",
            actual=None,
            arity=None,
            max_error=None,
            reference=None,
            skip_reason="no GPU visible to the tensorflow backend on this machine",
            timings={},
        ),
    ]


def write_env(directory: Path, name: str, data: dict[str, Any]) -> Path:
    """What a tox environment does: a results.json under build/, condensed into DIRECTORY."""
    source = directory.parent / "build" / name / "results.json"
    source.parent.mkdir(parents=True, exist_ok=True)
    source.write_text(json.dumps(data), encoding="utf-8")
    target, _ = condense_file(source, name, directory)
    return target


def write_manifest(directory: Path, *names: str) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / MANIFEST).write_text("# version order\n" + "\n".join(names) + "\n", encoding="utf-8")


def keras2(cases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The same cases as Keras 2 returns them: lists where Keras 3 returns tuples."""
    out = copy.deepcopy(cases)
    for case in out:
        for key in ("actual", "expected"):
            if case.get(key) == TUPLE2:
                case[key] = LIST2
    return out


# --- condense -------------------------------------------------------------------------------


def test_condense_drops_timings_and_machine_detail() -> None:
    doc = condense(results(baseline()), "tf221")
    assert doc["format"] == FORMAT
    assert doc["env"] == "tf221"
    assert doc["versions"]["tensorflow"] == "2.21.0"
    assert doc["titles"] == {"spec/lstm.yaml": "LSTM"}
    text = dump_condensed(doc)
    for gone in ("timings", "duration", "placed", "/job:localhost", "node", '"id"'):
        assert gone not in text
    first = doc["cases"][0]
    assert first == {
        "actual": TUPLE2,
        "arity": 2,
        "case": "lstm.yaml::LSTM[core-seq-state]",
        "device": "cpu",
        "file": "spec/lstm.yaml",
        "max_error": 7.4e-08,  # two significant digits: stable across processes
        "order": 0,
        "reference": "checked",
        "status": "passed",
    }
    skipped = next(c for c in doc["cases"] if c["device"] == "gpu")
    assert skipped["reason"] == "no GPU visible to the tensorflow backend on this machine"
    assert skipped["expected"] == TUPLE2  # kept where nothing came back to compare it with
    assert "actual" not in skipped


def test_condense_is_deterministic_whatever_the_record_order(tmp_path: Path) -> None:
    cases = baseline()
    shuffled = [cases[2], cases[3], cases[0], cases[1]]
    one = dump_condensed(condense(results(cases), "tf221"))
    two = dump_condensed(condense(results(shuffled), "tf221"))
    assert one == two
    json.loads(one)  # valid JSON, one case a line
    assert one.count("\n  {") == len(cases)
    source = tmp_path / "results.json"
    source.write_text(json.dumps(results(cases)), encoding="utf-8")
    assert main(["condense", str(source), "--env", "tf221", "--out", str(tmp_path / "compat")]) == 0
    written = (tmp_path / "compat" / "tf221.json").read_text(encoding="utf-8")
    assert written == one
    assert main(["condense", str(source), "--env", "tf221", "--out", str(tmp_path / "compat")]) == 0
    assert (tmp_path / "compat" / "tf221.json").read_text(encoding="utf-8") == written


def test_condense_keeps_failures_short_and_stable() -> None:
    failing = record(
        "core-seq-state",
        status="failed",
        actual=None,
        arity=None,
        max_error=None,
        reference=None,
        error="TypeError: cannot unpack <object at 0x7f3a2b1c9d40>\n  more traceback lines",
        problems=["reference: tensor 0 differs by 3.2e-02\nsecond line", "x" * 500],
        relation_failures={"output_is_h": ["output differs from h by 0.5", "another"]},
        deviations=["last_step_is_h"],
    )
    doc = condense(results([failing]), "tf221")
    case = doc["cases"][0]
    assert case["error"] == "TypeError: cannot unpack <object at 0x...>"
    assert case["problems"][0] == "reference: tensor 0 differs by 3.2e-02"
    assert len(case["problems"][1]) == 200
    assert case["relation_failures"] == {"output_is_h": "output differs from h by 0.5"}
    assert case["deviations"] == ["last_step_is_h"]
    assert case["expected"] == TUPLE2


def test_condense_keeps_the_one_spelling_of_not_applicable() -> None:
    case = record(
        "cudnn-seq-state-use_cudnn=false",
        actual=None,
        status="not_applicable",
        not_applicable="not applicable: use_cudnn: Keras 2.15 lacks it",
    )
    condensed = condense(results([case]), "tf215")["cases"][0]
    assert condensed["status"] == "not_applicable"
    assert "use_cudnn: Keras 2.15 lacks it" in condensed["reason"]


def test_a_skip_is_a_skip_whatever_its_reason_says() -> None:
    case = record("core-seq", actual=None, status="skipped", skip_reason="not applicable: no GPU here")
    condensed = condense(results([case]), "tf215")["cases"][0]
    assert condensed["status"] == "skipped"
    assert condensed["reason"] == "not applicable: no GPU here"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        # the spellings the matrix used to guess at are no status of results.json
        ({"status": "not applicable"}, "status 'not applicable' is not one of passed, failed, xfailed"),
        ({"status": "n/a"}, "status 'n/a' is not one of"),
        (
            {"status": "skipped", "not_applicable": True, "skip_reason": "use_cudnn: Keras 2.15 lacks it"},
            "a 'not_applicable' reason on a case of status 'skipped'",
        ),
    ],
)
def test_condense_refuses_other_spellings_of_a_status(fields: dict[str, Any], message: str) -> None:
    case = record("cudnn-seq-state-use_cudnn=false", actual=None, **fields)
    with pytest.raises(CompatError, match="case 0 .*" + re.escape(message)):
        condense(results([case]), "tf215")


@pytest.mark.parametrize("tag", [None, RESULTS_FORMAT])
def test_condense_reads_results_format_1_tagged_or_from_before_the_tag(tag: str | None) -> None:
    data = results(baseline())
    if tag is not None:
        data["meta"]["format"] = tag
    assert condense(data, "tf221")["cases"][0]["status"] == "passed"


def test_condense_refuses_an_unknown_results_format(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = results(baseline())
    data["meta"]["format"] = "rnnspec-results/2"
    source = tmp_path / "results.json"
    source.write_text(json.dumps(data), encoding="utf-8")
    assert main(["condense", str(source), "--env", "tf221", "--out", str(tmp_path / "compat")]) == 2
    err = capsys.readouterr().err
    assert f"{source}: results.json format 'rnnspec-results/2', but this rnnspec reads 'rnnspec-results/1' only" in err
    assert not (tmp_path / "compat" / "tf221.json").exists()


def test_short_masks_addresses_and_keeps_one_line() -> None:
    assert short("ValueError: bad <Layer at 0xdeadbeef01>\ntraceback") == "ValueError: bad <Layer at 0x...>"
    assert short("\n\n  spaced    out  \n") == "spaced out"
    assert short("") == ""


# --- render ---------------------------------------------------------------------------------


def page_of(compat: Path, spec: Path | None = None) -> str:
    """The page for COMPAT against the tables under SPEC (default: an empty folder beside it)."""
    if spec is None:
        spec = compat.parent / "spec"
        spec.mkdir(exist_ok=True)
    return render_directory(compat, spec)


def section(page: str, title: str) -> str:
    """The text of the page's section TITLE (a ### heading), up to the next heading."""
    return page.split(f"### {title}\n", 1)[1].split("\n#", 1)[0]


def test_render_shows_list_versus_tuple_failure_and_not_applicable(tmp_path: Path) -> None:
    compat = tmp_path / "compat"
    write_manifest(compat, "tf215", "tf216")
    old = keras2(baseline())
    old[0].update(status="failed", actual=None, arity=None, reference=None, error="TypeError: cannot unpack")
    old[2].update(status="not_applicable", actual=None, not_applicable="not applicable: no use_cudnn in Keras 2")
    write_env(compat, "tf215", results(old, tensorflow="2.15.1", keras="2.15.0", numpy="1.26.4"))
    write_env(compat, "tf216", results(baseline(), tensorflow="2.16.2", numpy="1.26.4"))
    page = page_of(compat)
    # The environments table counts passed/failed/not applicable/skipped and names each base.
    assert "| `tf215` | - | - | 2.15.1 | 2.15.0 | tensorflow | 1.26.4 | 3.11.7 | - | exhaustive | 1/**1**/1/1 |" in page
    assert "| `tf216` | - | `tf215` | 2.16.2 | 3.15.1 |" in page
    status = section(page, "Status")
    assert "| `tf216` | `tf215` | status: FAIL -> pass | 1 | LSTM 1 | `LSTM[core-seq-state]` cpu |" in status
    assert (
        "| `tf216` | `tf215` | status: n/a -> pass | 1 | LSTM 1 | `LSTM[cudnn-seq-state-use_cudnn=false]` cpu |"
        in status
    )
    raising = section(page, "Raising or returning")
    assert "| `tf216` | `tf215` | returns instead of raising | 1 | LSTM 1 | `LSTM[core-seq-state]` cpu |" in raising
    assert "core-seq]`" not in page  # the same in both: counted, not listed
    assert "gpu" not in status + raising  # a point skipped on both sides is no change


def test_render_names_container_and_structure_changes(tmp_path: Path) -> None:
    compat = tmp_path / "compat"
    write_manifest(compat, "keras2", "keras3")
    old = keras2(baseline())
    old[1].update(actual="(2, 5, 4)@float16", expected="(2, 5, 4)@float16")
    write_env(compat, "keras2", results(old, keras="2.15.0"))
    write_env(compat, "keras3", results(baseline()))
    structure = section(page_of(compat), "Returned structure, dtype, container")
    rows = [line for line in structure.splitlines() if line.startswith("| `keras3`")]
    assert rows == [
        "| `keras3` | `keras2` | dtype | 1 | LSTM 1 | `LSTM[core-seq]` cpu |",
        "| `keras3` | `keras2` | container (list <-> tuple) | 2 | LSTM 2 | "
        "`LSTM[core-seq-state]` cpu, `LSTM[cudnn-seq-state-use_cudnn=false]` cpu |",
    ]


def test_a_row_names_its_first_cases_and_counts_the_rest(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(compat_sections, "ROW_CASES", 1)
    compat = tmp_path / "compat"
    write_manifest(compat, "keras2", "keras3")
    write_env(compat, "keras2", results(keras2(baseline()), keras="2.15.0"))
    write_env(compat, "keras3", results(baseline()))
    structure = section(page_of(compat), "Returned structure, dtype, container")
    assert "| container (list <-> tuple) | 2 | LSTM 2 | `LSTM[core-seq-state]` cpu and 1 more |" in structure


def test_structure_change_kinds() -> None:
    assert structure_change(LIST2, TUPLE2) == "container (list <-> tuple)"
    assert structure_change("[(2, 4)@float32]", "((2, 4)@float32,)") == "container (list <-> tuple)"
    assert structure_change("(2, 4)@float32", "(2, 4)@float16") == "dtype"
    assert structure_change(LIST2, TUPLE2.replace("float32", "float16")) == "container and dtype"
    assert structure_change("(o, [h, c], [h])", "(o, (h, c), (h,))") == "container (list <-> tuple)"
    # Nesting: RNN([cells]) nests a one-state cell's h in a list in Keras 3, not in Keras 2.
    assert structure_change("((2, 4)@float32, (2, 4)@float32)", "((2, 4)@float32, [(2, 4)@float32])") == (
        "structure (shapes, nesting or count)"
    )
    assert structure_change("(o, [h, c], [h])", "(o, [h, c], h)") == "structure (shapes, nesting or count)"
    assert structure_change(TUPLE2, "raises ValueError") == "raises instead of returning"
    assert structure_change("raises ValueError", TUPLE2) == "returns instead of raising"
    assert structure_change("raises ValueError", "raised TypeError") == "raises another exception"


def test_render_relations_and_reference_error(tmp_path: Path) -> None:
    compat = tmp_path / "compat"
    write_manifest(compat, "tf221", "jax")
    write_env(compat, "tf221", results(baseline()))
    moved = baseline()
    moved[0].update(max_error=3.4e-3)  # more than 10x above the 1e-6 floor
    moved[1].update(max_error=5.0e-7)  # below the floor: not a move
    moved[2].update(status="failed", relation_failures={"same_as_cudnn_auto": ["differs by 1e-3"]})
    write_env(compat, "jax", results(moved, backend="jax", tensorflow=None, jax="0.10.2"))
    page = page_of(compat)
    assert "| `jax` | `tf221` | reference error moved more than 10x | 1 | LSTM 1 | `LSTM[core-seq-state]` cpu |" in page
    assert "| `jax` | `tf221` | relation same_as_cudnn_auto stopped holding | 1 | LSTM 1 |" in page
    assert "| `jax` | `tf221` | status: pass -> FAIL | 1 | LSTM 1 |" in page
    assert "`LSTM[core-seq]`" not in page
    assert "| `jax` | - | `tf221` | - | 3.15.1 | jax | 2.4.6 | 3.11.7 | jax 0.10.2 | exhaustive | 2/**1**/0/1 |" in page


def test_series_and_bases_follow_the_manifest_not_the_file_names(tmp_path: Path) -> None:
    compat = tmp_path / "compat"
    compat.mkdir()
    (compat / MANIFEST).write_text(
        "[TensorFlow]\ntf221\n[tf_keras]\nkeras2-tf221 after tf221\n[Keras 3]\nkeras30\nkeras34\n[backends]\n"
        "torch after tf221\n",
        encoding="utf-8",
    )
    write_env(compat, "keras34", results(baseline(), tensorflow="2.16.2", keras="3.4.1"))
    write_env(compat, "keras30", results(keras2(baseline()), tensorflow="2.16.2", keras="3.0.5"))
    write_env(compat, "tf221", results(baseline()))
    write_env(compat, "keras2-tf221", results(keras2(baseline()), keras="2.21.0"))
    page = page_of(compat)
    environments = page.split("## Environments")[1].split("## What changed")[0]
    assert environments.index("`tf221`") < environments.index("`keras2-tf221`") < environments.index("`keras30`")
    assert "| `keras2-tf221` | tf_keras | `tf221` |" in environments
    assert "| `keras30` | Keras 3 | - |" in environments  # first of its series: compared with none
    assert "Listed in `environments.txt` but not recorded yet: `torch`." in page
    rows = [line.split(" | ")[:2] for line in page.splitlines() if line.startswith("| `") and "container" in line]
    assert rows == [["| `keras2-tf221`", "`tf221`"], ["| `keras34`", "`keras30`"]]  # never keras2-tf221 -> keras30


def test_identical_environments_keep_the_page_short(tmp_path: Path) -> None:
    compat = tmp_path / "compat"
    write_manifest(compat, "tf216", "keras315")
    write_env(compat, "tf216", results(baseline(), tensorflow="2.16.2"))
    write_env(compat, "keras315", results(baseline(), tensorflow="2.16.2"))
    page = page_of(compat)
    assert "Nothing changed between any environment and the previous one of its series." in page
    assert "###" not in page


def test_render_is_byte_for_byte_deterministic(tmp_path: Path) -> None:
    pages = []
    for attempt, order in enumerate((("a", "b", "c"), ("c", "a", "b"))):
        compat = tmp_path / str(attempt) / "compat"
        write_manifest(compat, "a", "b", "c")
        data = {"a": results(keras2(baseline())), "b": results(baseline()), "c": results(baseline()[::-1])}
        for name in order:  # files written in another order: same page
            write_env(compat, name, data[name])
        pages.append(page_of(compat))
    assert pages[0] == pages[1]
    assert "tmp" not in pages[0]  # no path of the machine it ran on
    assert pages[0].endswith("\n")
    assert not pages[0].endswith("\n\n")


def test_render_command_writes_and_checks_the_page_and_the_picture(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    compat = tmp_path / "compat"
    write_manifest(compat, "a", "b")
    write_env(compat, "a", results(keras2(baseline())))
    write_env(compat, "b", results(baseline()))
    (tmp_path / "spec").mkdir()
    page = tmp_path / "out" / "compat.md"
    command = ["render", "--dir", str(compat), "--spec", str(tmp_path / "spec"), "--out", str(page)]
    assert main([*command, "--check"]) == 1
    assert main(command) == 0
    assert page.read_text(encoding="utf-8") == page_of(compat, tmp_path / "spec")
    picture, data = tmp_path / "out" / "compat-heatmap.png", tmp_path / "out" / "compat-heatmap.json"
    assert "![" in page.read_text(encoding="utf-8").split("## Environments")[0]  # the picture comes first
    assert png_comment(picture) == data_digest(data.read_text(encoding="utf-8"))
    first = picture.read_bytes()
    assert main(command) == 0
    assert picture.read_bytes() == first  # no date, no software tag: the same bytes on the same machine
    assert main([*command, "--check"]) == 0
    page.write_text(page.read_text(encoding="utf-8") + "edited by hand\n", encoding="utf-8")
    capsys.readouterr()
    assert main([*command, "--check"]) == 1
    assert "compat.md is stale" in capsys.readouterr().out
    assert main(command) == 0
    picture.write_bytes(b"\x89PNG\r\n\x1a\n")  # a picture not drawn from the data
    assert main([*command, "--check"]) == 1
    assert "was not drawn from" in capsys.readouterr().out
    assert main(command) == 0
    data.write_text(data.read_text(encoding="utf-8").replace('"b"', '"z"'), encoding="utf-8")
    assert main([*command, "--check"]) == 1
    assert "compat-heatmap.json is stale" in capsys.readouterr().out


# --- malformed inputs: every message names the file ------------------------------------------


def _condensed_bad(cases: object) -> str:
    """A condensed file for env 'bad' that is well formed except, perhaps, for its cases."""
    return json.dumps({"format": FORMAT, "env": "bad", "versions": {}, "titles": {}, "spec_errors": [], "cases": cases})


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "expected a JSON object"),
        (json.dumps({"format": "other/9", "env": "bad"}), "format is 'other/9'"),
        (json.dumps({"format": FORMAT, "env": "other"}), "says env 'other', but the file is named for 'bad'"),
        (_condensed_bad({}), "'cases' is missing or of the wrong type"),
        (
            _condensed_bad([{"case": "x", "device": "cpu", "file": "spec/x.yaml", "order": 0}]),
            "case 0: 'status' is missing or not text",
        ),
        (
            _condensed_bad(
                [{"case": "x", "device": "cpu", "file": "f", "order": 0, "status": "passed", "max_error": "big"}]
            ),
            "case 0: 'max_error' must be a number, not 'big'",
        ),
    ],
)
def test_malformed_condensed_file_is_named(tmp_path: Path, content: str, message: str) -> None:
    compat = tmp_path / "compat"
    write_manifest(compat, "good", "bad")
    write_env(compat, "good", results(baseline()))
    bad = compat / "bad.json"
    bad.write_text(content, encoding="utf-8")
    with pytest.raises(CompatError) as caught:
        render_directory(compat)
    assert str(bad) in str(caught.value)
    assert message in str(caught.value)


def test_file_missing_from_the_manifest_is_named(tmp_path: Path) -> None:
    compat = tmp_path / "compat"
    write_manifest(compat, "a")
    write_env(compat, "a", results(baseline()))
    write_env(compat, "stray", results(baseline()))
    with pytest.raises(CompatError, match=r"stray\.json: environment 'stray' is not listed in .*environments\.txt"):
        load_directory(compat)


def test_manifest_problems_are_named(tmp_path: Path) -> None:
    compat = tmp_path / "compat"
    compat.mkdir()
    with pytest.raises(CompatError, match=r"environments\.txt: missing"):
        read_manifest(compat)
    (compat / MANIFEST).write_text("a\nb  # comment\n\na\n", encoding="utf-8")
    with pytest.raises(CompatError, match=r"environments\.txt:4: 'a' is listed twice"):
        read_manifest(compat)
    (compat / MANIFEST).write_text("a\nno spaces allowed\n", encoding="utf-8")
    with pytest.raises(CompatError, match=r"environments\.txt:2: 'no spaces allowed': expected a name, or 'name after"):
        read_manifest(compat)
    (compat / MANIFEST).write_text("a\nno/slash\n", encoding="utf-8")
    with pytest.raises(CompatError, match=r"environments\.txt:2: 'no/slash' is not an environment name"):
        read_manifest(compat)
    (compat / MANIFEST).write_text("a\nb after c\nc\n", encoding="utf-8")
    with pytest.raises(CompatError, match=r"environments\.txt:2: 'b' comes after 'c', which is not listed above it"):
        read_manifest(compat)


def test_series_give_each_environment_its_base(tmp_path: Path) -> None:
    compat = tmp_path / "compat"
    compat.mkdir()
    (compat / MANIFEST).write_text(
        "a\nb\n[Keras 3 minors]  # a comment\nk0\nk1\nk2\n[backends]\njax after b\ntorch after b\n", encoding="utf-8"
    )
    entries = {e.name: (e.series, e.base) for e in read_entries(compat)}
    assert entries == {
        "a": ("", None),
        "b": ("", "a"),
        "k0": ("Keras 3 minors", None),
        "k1": ("Keras 3 minors", "k0"),
        "k2": ("Keras 3 minors", "k1"),
        "jax": ("backends", "b"),
        "torch": ("backends", "b"),
    }
    for name in ("a", "k0", "k2", "torch"):
        write_env(compat, name, results(baseline()))
    matrix = load_matrix(compat)
    base = {env.name: getattr(matrix.base_of(env.name), "name", None) for env in matrix.envs}
    # k1 has no results: k2 is compared with k0; b has none, and torch is not compared with a
    assert base == {"a": None, "k0": None, "k2": "k0", "torch": None}


def test_no_results_yet_is_an_error(tmp_path: Path) -> None:
    compat = tmp_path / "compat"
    write_manifest(compat, "a")
    with pytest.raises(CompatError, match="no environment has results yet"):
        render_directory(compat)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"cases": []}, "not a results.json"),
        ({"meta": {"versions": {}}, "cases": {}}, "'cases' must be a list"),
        ({"meta": {}, "cases": []}, "meta.versions is missing"),
        (
            {"meta": {"versions": {}}, "cases": [{"id": "spec/lstm.yaml::LSTM[x-cpu]", "case_key": "k"}]},
            "case 0 (spec/lstm.yaml::LSTM[x-cpu]): 'device' is missing or not text",
        ),
        ({"meta": {"versions": {}}, "cases": [record("a"), record("a")]}, "appears twice"),
        (
            {"meta": {"versions": {}, "depth": "deep"}, "cases": [record("a")]},
            "meta.depth is 'deep', expected one of standard, exhaustive",
        ),
    ],
)
def test_malformed_results_are_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], data: dict[str, Any], message: str
) -> None:
    source = tmp_path / "results.json"
    source.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(CompatError) as caught:
        condense_file(source, "tf221", tmp_path / "compat")
    assert str(source) in str(caught.value)
    assert message in str(caught.value)
    assert not (tmp_path / "compat" / "tf221.json").exists()
    assert main(["condense", str(source), "--env", "tf221", "--out", str(tmp_path / "compat")]) == 2
    assert f"rnnspec.compat: error: {source}" in capsys.readouterr().err


def test_condense_strict_fails_after_writing(tmp_path: Path) -> None:
    cases = baseline()
    cases[0].update(status="failed")
    source = tmp_path / "results.json"
    source.write_text(json.dumps(results(cases)), encoding="utf-8")
    out = tmp_path / "compat"
    assert main(["condense", str(source), "--env", "tf221", "--out", str(out), "--strict"]) == 1
    assert (out / "tf221.json").is_file()
    assert main(["condense", str(source), "--env", "tf221", "--out", str(out)]) == 0
    assert main(["condense", str(tmp_path / "missing.json"), "--env", "tf221", "--out", str(out)]) == 2


# --- the committed matrix -------------------------------------------------------------------


def test_committed_matrix_is_current() -> None:
    if not any(COMMITTED_DIR.glob("*.json")):
        pytest.skip(
            "reports/compat/ has no environment results yet: run the matrix (e.g. `tox -m core`), "
            "then `python -m rnnspec.compat render`, and commit reports/compat/ and reports/compat.md"
        )
    rendered = render_matrix(COMMITTED_DIR, ROOT / "spec")
    data = dump_data(rendered.heatmap)
    for path, fresh in ((COMMITTED_PAGE, rendered.page), (COMMITTED_PICTURE.with_suffix(".json"), data)):
        committed = path.read_text(encoding="utf-8") if path.is_file() else ""
        if fresh != committed:
            diff = "".join(
                list(difflib.unified_diff(committed.splitlines(True), fresh.splitlines(True), "committed", "rendered"))[
                    :80
                ]
            )
            pytest.fail(f"{path.name} is stale; run `python -m rnnspec.compat render` and commit it.\n{diff}")
    # the picture's pixels depend on the machine's fonts; that it was drawn from this data does not
    assert png_comment(COMMITTED_PICTURE) == data_digest(data), "run `python -m rnnspec.compat render`"


def test_the_committed_page_is_short_and_starts_with_the_picture() -> None:
    page = COMMITTED_PAGE.read_text(encoding="utf-8")
    assert len(page.encode("utf-8")) < 100_000
    assert f"]({COMMITTED_PICTURE.name})" in page.split("\n## ")[0]  # before the first section


def _tox_labels() -> dict[str, list[str]]:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(ROOT / "tox.ini", encoding="utf-8")
    labels: dict[str, list[str]] = {}
    for line in parser.get("tox", "labels", fallback="").splitlines():
        name, sep, envs = line.partition("=")
        if sep:
            labels[name.strip()] = [e.strip() for e in envs.split(",") if e.strip()]
    return labels


def test_manifest_lists_the_tox_matrix_in_order() -> None:
    """environments.txt gives the report's order; tox.ini's `matrix` and `nightly` labels list the same."""
    labels = _tox_labels()
    assert read_manifest(COMMITTED_DIR) == labels["matrix"] + labels["nightly"]


def test_matrix_base_agrees_with_the_pinned_stack() -> None:
    """The matrix environments test with the same pytest and plugin dependencies as `make test`."""

    def pins(name: str) -> dict[str, str]:
        lines = (ROOT / "requirements" / name).read_text(encoding="utf-8").splitlines()
        return {a.strip().lower(): b.strip() for a, _, b in (line.partition("==") for line in lines) if b}

    base, pinned = pins("matrix-base.txt"), pins("pinned.txt")
    assert {name: pinned.get(name) for name in base} == base


# --- the condensed format's versions --------------------------------------------------------


def _condensed(fmt: str, status: str) -> str:
    case = {"case": "x", "device": "cpu", "file": "spec/x.yaml", "order": 0, "status": status}
    return json.dumps({"format": fmt, "env": "e", "versions": {}, "titles": {}, "spec_errors": [], "cases": [case]})


def test_format_1_spells_not_applicable_with_a_space_and_is_read_as_the_vocabulary(tmp_path: Path) -> None:
    path = tmp_path / "e.json"
    path.write_text(_condensed("rnnspec-compat/1", "not applicable"), encoding="utf-8")
    assert load_environment(path).cases[("x", "cpu")]["status"] == NOT_APPLICABLE
    path.write_text(_condensed(FORMAT, NOT_APPLICABLE), encoding="utf-8")
    assert load_environment(path).cases[("x", "cpu")]["status"] == NOT_APPLICABLE


@pytest.mark.parametrize(
    ("fmt", "status"),
    [
        ("rnnspec-compat/2", "not applicable"),  # version 1's spelling is version 1's only
        ("rnnspec-compat/1", "n/a"),
        ("rnnspec-compat/1", "not_applicable"),  # version 1 never wrote it: not a version 1 file
        ("rnnspec-compat/2", "pass"),
    ],
)
def test_a_status_outside_the_format_is_refused(tmp_path: Path, fmt: str, status: str) -> None:
    path = tmp_path / "e.json"
    path.write_text(_condensed(fmt, status), encoding="utf-8")
    with pytest.raises(CompatError, match=rf"e\.json: case 0: status '{status}' is not one of .*\(format {fmt}\)"):
        load_environment(path)


def test_condense_writes_the_current_format() -> None:
    assert FORMAT == "rnnspec-compat/3"
    doc = condense(results(baseline()), "tf221")
    assert doc["format"] == FORMAT
    assert (doc["depth"], doc["tables_digest"]) == ("exhaustive", None)  # a run before the digest: unknown tables
    assert {case["status"] for case in doc["cases"]} <= {"passed", "skipped"}


def test_the_committed_version_1_files_read_as_the_one_vocabulary() -> None:
    if not (COMMITTED_DIR / "tf215.json").is_file():
        pytest.skip("reports/compat/tf215.json is not committed")
    assert json.loads((COMMITTED_DIR / "tf215.json").read_text(encoding="utf-8"))["format"] == "rnnspec-compat/1"
    statuses = {record["status"] for record in load_environment(COMMITTED_DIR / "tf215.json").cases.values()}
    assert NOT_APPLICABLE in statuses
    assert "not applicable" not in statuses


def test_the_command_runs_as_a_module() -> None:
    """`python -m rnnspec.compat` (tox, the Makefile, CI) runs the package's __main__."""
    result = subprocess.run(
        [sys.executable, "-m", "rnnspec.compat", "render", "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "Warning" not in result.stderr
    result = subprocess.run(
        [sys.executable, "-m", "rnnspec.compat", "render", "--dir", "nowhere"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "rnnspec.compat: error: nowhere/environments.txt: missing" in result.stderr


def test_the_command_needs_the_standard_library_only() -> None:
    """`condense`, `stale` and `when` need nothing installed: the command imports the standard
    library only; `render` imports matplotlib (and its NumPy) when it draws (`tox -e compat`
    installs it)."""
    code = (
        "import sys, rnnspec.compat.__main__; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & "
        "{'numpy', 'yaml', 'jsonschema', 'pytest', 'keras', 'matplotlib'}))"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
