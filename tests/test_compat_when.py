"""When did a point change? ``python -m rnnspec.compat when``, the steps behind it, the heat
map's data and the next release's section (rnnspec/compat/when.py, steps.py, heatmap.py,
sections.py), on small hand-made environments and on the committed ones.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_compat import COMMITTED_DIR, TUPLE2, baseline, keras2, record, results, write_env

from rnnspec.compat import MANIFEST, load_matrix
from rnnspec.compat.__main__ import main
from rnnspec.compat.page import PointIndex
from rnnspec.compat.report import render
from rnnspec.compat.steps import point_changes
from rnnspec.compat.when import changed_in, history, resolve

SERIES = "[Keras 3 minors]\nk30\nk31\nk32\nk33\n[backends]\njax after k33\n"


def matrix(tmp_path: Path) -> Path:
    """Five environments: core-seq-state changes at k32 (n/a before), core-seq never changes,
    cudnn is missing in k31, and jax (after k33) returns a list."""
    compat = tmp_path / "compat"
    compat.mkdir()
    (compat / MANIFEST).write_text(SERIES, encoding="utf-8")
    for name, keras in (("k30", "3.0.5"), ("k31", "3.1.1"), ("k32", "3.2.1"), ("k33", "3.3.3")):
        cases = baseline()
        if name in ("k30", "k31"):
            cases[0].update(status="not_applicable", actual=None, not_applicable="not applicable: needs keras>=3.2")
        if name == "k31":
            cases = [c for c in cases if "cudnn" not in c["flags"]]
        write_env(compat, name, results(cases, tensorflow="2.16.2", keras=keras))
    write_env(compat, "jax", results(keras2(baseline()), backend="jax", tensorflow=None, jax="0.12.1"))
    return compat


def test_when_names_the_environment_where_a_point_changed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    compat = matrix(tmp_path)
    assert main(["when", "LSTM[core-seq-state-cpu]", "--dir", str(compat)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "spec/lstm.yaml::LSTM[core-seq-state-cpu]  (case lstm.yaml::LSTM[core-seq-state], cpu)"
    assert lines[1] == "  k30  n/a (not applicable: needs keras>=3.2)"
    assert lines[3] == f"  k32  pass {TUPLE2}    <- changed from k31: n/a -> pass"
    assert lines[4] == f"  k33  pass {TUPLE2}"
    assert lines[5].startswith("  jax  pass [")
    assert "<- changed from k33: container (list <-> tuple)" in lines[5]
    assert lines[-1] == "changed in: k32 (from k31), jax (from k33)"


def test_a_point_that_never_changes_and_one_missing_in_some_environments(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    compat = matrix(tmp_path)
    assert main(["when", "lstm.yaml::LSTM[core-seq]", "--dir", str(compat)]) == 0
    out = capsys.readouterr().out
    assert out.count("pass (2, 5, 4)@float32") == 5
    assert "changed in: none" in out
    assert "gpu" not in out  # the case key names the devices the files hold: cpu only here
    m = load_matrix(compat)
    index = PointIndex(m.envs)
    [point] = resolve("cudnn", index)
    moments = history(point, m)
    assert [x.env for x in moments if x.record is None] == ["k31"]
    # same depth: a point absent from k31 is removed there and added back in k32
    assert [(x.env, [c.kind for c in x.changes or []]) for x in changed_in(moments)] == [
        ("k31", ["removed: only in the earlier environment"]),
        ("k32", ["added: only in the later environment"]),
        ("jax", ["container (list <-> tuple)"]),
    ]


def test_when_takes_every_spelling_of_a_case_and_says_what_it_did_not_find(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    compat = matrix(tmp_path)
    index = PointIndex(load_matrix(compat).envs)
    cpu = [("lstm.yaml::LSTM[core-seq-state]", "cpu")]
    both = [*cpu, ("lstm.yaml::LSTM[core-seq-state]", "gpu")]
    assert resolve("spec/lstm.yaml::LSTM[core-seq-state-cpu]", index) == cpu
    assert resolve("LSTM[core-seq-state-cpu]", index) == cpu
    assert resolve("lstm.yaml::LSTM[core-seq-state]", index) == both
    assert resolve("LSTM[core-seq-state]", index) == both
    assert resolve("seq-state-g", index) == [both[1]]  # a unique part of a test id
    assert main(["when", "LSTM[core-sq-state-cpu]", "--dir", str(compat)]) == 1
    assert "did you mean 'LSTM[core-seq-state-cpu]'?" in capsys.readouterr().err
    assert main(["when", "core", "--dir", str(compat)]) == 2  # core-seq and core-seq-state
    assert "'core' matches 2 cases" in capsys.readouterr().err
    assert main(["when", " ", "--dir", str(compat)]) == 2
    assert main(["when", "x", "--dir", str(tmp_path / "nowhere")]) == 2


def test_a_skipped_point_or_one_a_shallower_run_left_out_is_no_change() -> None:
    passed, skipped = record("core-seq"), record("core-seq", "gpu", status="skipped")
    assert point_changes(passed, skipped) is None
    assert point_changes({**passed, "status": "not_applicable"}, skipped) is None
    assert point_changes(passed, None, same_depth=False) is None
    assert [c.kind for c in point_changes(passed, None) or []] == ["removed: only in the earlier environment"]


def test_the_heat_map_data_counts_changed_points_per_table_against_the_base(tmp_path: Path) -> None:
    m = load_matrix(matrix(tmp_path))
    data = render(m, "sha256:" + "0" * 64).heatmap
    assert [c["env"] for c in data["columns"]] == ["k30", "k31", "k32", "k33", "jax"]
    assert [c["base"] for c in data["columns"]] == [None, "k30", "k31", "k32", "k33"]
    assert all(c["stale"] for c in data["columns"])  # none recorded a digest
    assert data["rows"] == [{"file": "spec/lstm.yaml", "title": "LSTM"}]
    # k31 lacks cudnn (removed), k32 adds it back and core-seq-state becomes applicable; the gpu
    # point is skipped everywhere but in k30/k31 (n/a), so it is never compared
    assert data["changed"] == [[None, 1, 2, 0, 2]]
    assert data["compared"] == [[None, 3, 3, 3, 3]]
    json.dumps(data)


def test_the_next_release_section_lists_every_difference_of_a_nightly(tmp_path: Path) -> None:
    compat = tmp_path / "compat"
    compat.mkdir()
    (compat / MANIFEST).write_text("[pinned]\ntf221\n[next]\nnightly after tf221\n", encoding="utf-8")
    write_env(compat, "tf221", results(baseline()))
    fixed = baseline()
    fixed[0].update(actual="raises TypeError", expected="raises TypeError")
    write_env(compat, "nightly", results(fixed, tensorflow="2.23.0.dev20261026", keras="3.16.0.dev2026102704"))
    page = render(load_matrix(compat), "sha256:" + "0" * 64).page
    next_release = page.split("## What the next release changes")[1].split("\n## ")[0]
    assert "### `nightly` against `tf221`" in next_release
    assert "Versions: keras 3.15.1 -> 3.16.0.dev2026102704; tensorflow 2.21.0 -> 2.23.0.dev20261026." in next_release
    assert (
        f"| `LSTM[core-seq-state]` | cpu | raises instead of returning | pass `{TUPLE2}` | pass `raises TypeError` |"
        in next_release
    )
    assert "1 of the 3 points both ran differ." in next_release
    assert "`nightly`" not in page.split("## What changed, and where")[1]  # not repeated among the releases
    (compat / "nightly.json").unlink()
    assert "next release" not in render(load_matrix(compat), "sha256:" + "0" * 64).page


def test_when_on_the_committed_matrix_finds_use_cudnn_arriving_with_keras_3_2() -> None:
    """use_cudnn exists from Keras 3.2: in the committed files (the Keras 3 series on TF 2.16.2,
    re-run with the current tables), a case that sets it is n/a on keras30 (3.0.5) and passes
    from keras32 (3.2.1) on."""
    m = load_matrix(COMMITTED_DIR)
    query = "LSTM[pairs-mask=holes-initial_state-unroll-stateful-use_bias=false-activation=hard_sigmoid-use_cudnn=false-recurrent_activation=hard_sigmoid-cpu]"
    [point] = resolve(query, PointIndex(m.envs))
    moments = {x.env: x for x in history(point, m)}
    assert moments["keras30"].record is not None
    assert moments["keras30"].record["status"] == "not_applicable"
    assert "use_cudnn exists with keras>=3.2" in moments["keras30"].record["reason"]
    changed = [(x.env, x.base, [c.detail for c in x.changes or []]) for x in changed_in(list(moments.values()))]
    assert changed[0] == ("keras32", "keras30", ["n/a -> pass"])


def test_when_on_the_committed_matrix_finds_the_releases_that_fixed_stateful_layers() -> None:
    """Two fixes with known releases, on one ConvLSTM2D case (stateful, mixed_float16): the
    first call raises ValueError up to 3.7 (keras#20605) and returns from keras38 (3.8.0); a call
    with another batch size raises ValueError from keras312 (3.12, keras#21183)."""
    m = load_matrix(COMMITTED_DIR)
    [point] = resolve(
        "ConvLSTM2D[pairs-mask=right-seq-stateful-dropout=0.5-dtype=mixed_float16-cpu]", PointIndex(m.envs)
    )
    changed = [(x.env, x.base, [c.detail for c in x.changes or []]) for x in changed_in(history(point, m))]
    assert changed == [
        ("keras38", "keras34", ["returns instead of raising"]),
        ("keras312", "keras311", ["stateful_other_batch_raises started holding"]),
    ]
