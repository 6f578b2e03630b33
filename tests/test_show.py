"""``rnnspec show``: the seed's questions (SimpleRNN, LSTM, GRU x return_sequences x
return_state) answered from the tables, in a process that imports no Keras, and with
``--live`` against the installed Keras; unknown layers and arguments get a "did you mean".
Its speed is measured by benchmarks/show_time.py, not asserted here.
"""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from pathlib import Path

import pytest

from rnnspec.cli import main
from rnnspec.show import QueryError, answer, parse_query, render, returns_lines

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "spec"
#: What the seed asks, and what Keras 3 returns: the names and shapes (B=2, T=3, units=4).
STATES = {"SimpleRNN": ["h"], "GRU": ["h"], "LSTM": ["h", "c"]}
SEED = list(itertools.product(STATES, [False, True], [False, True]))


@pytest.fixture(autouse=True)
def own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Answers are cached in a folder of the test's own, never the user's."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache" / "rnnspec" / "show"


def expected_lines(layer: str, seq: bool, state: bool) -> list[tuple[str, tuple[int, ...]]]:
    output = (2, 3, 4) if seq else (2, 4)
    return [("output", output)] + ([(name, (2, 4)) for name in STATES[layer]] if state else [])


@pytest.mark.parametrize(("layer", "seq", "state"), SEED)
def test_the_seed_questions_from_the_tables(layer: str, seq: bool, state: bool) -> None:
    query = parse_query(f"{layer}(return_sequences={seq}, return_state={state})")
    found = answer(query, SPEC)
    lines = returns_lines(found)
    want = expected_lines(layer, seq, state)
    assert lines[0].startswith("returns a tuple of" if state else "returns one tensor, not a tuple")
    got = [
        (line.split()[0], tuple(json.loads(line.split("shape ")[1].split(")")[0].replace("(", "[") + "]")))
        for line in lines[1:]
    ]
    assert got == want
    assert all(line.rstrip().endswith("float32") for line in lines[1:])


def test_sizes_can_be_given() -> None:
    found = answer(parse_query("LSTM(return_state=True, units=8)"), SPEC, {"B": 16})
    assert "shape (16, 8)" in returns_lines(found)[3]


def test_the_answer_names_relations_deviations_and_other_releases() -> None:
    text = render(answer(parse_query("GRU(return_state=True)"), SPEC), None)
    assert "output_is_h: The first state is h" in text
    assert "on keras<3: Keras 2 returns the output and the states in a list" in text
    text = render(answer(parse_query("LSTM(return_state=True, mask='right', zero_output_for_mask=True)"), SPEC), None)
    assert "output_is_h does not hold: RNN documents zero_output_for_mask" in text


def test_the_matrix_says_where_the_answer_differs() -> None:
    text = render(answer(parse_query("GRU(return_state=True)"), SPEC), ROOT / "reports" / "compat")
    assert "returned [(2, 4)@float32, (2, 4)@float32]: tf212" in text  # Keras 2: a list


@pytest.mark.parametrize(
    ("call", "message"),
    [
        ("GRUU(return_state=True)", "did you mean 'GRU'?"),
        ("GRU(return_stat=True)", "did you mean 'return_state'?"),
        ("GRU(True)", "keyword arguments"),
        ("GRU(return_state=", "cannot read"),
        ("GRU(mask='middle')", "declares no combination mask=middle"),
    ],
)
def test_bad_questions_say_what_to_write(call: str, message: str) -> None:
    with pytest.raises(QueryError, match=message.replace("(", r"\(").replace("?", r"\?")):
        answer(parse_query(call), SPEC)


def test_the_command_imports_no_keras() -> None:
    code = (
        "import sys, json\n"
        "from rnnspec.cli import main\n"
        "code = main(['show', 'LSTM(return_sequences=True, return_state=True)', '--spec', 'spec'])\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('keras', 'tensorflow', 'tf_keras', 'jax', 'torch'))\n"
        "print(json.dumps({'code': code, 'heavy': heavy}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert "(output: (B, T, units), h: (B, units), c: (B, units))" in out.stdout
    assert json.loads(out.stdout.strip().splitlines()[-1]) == {"code": 0, "heavy": []}


def test_python_dash_m_rnnspec_is_the_command() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "rnnspec", "show", "GRU(return_stat=True)"], capture_output=True, text=True, cwd=ROOT
    )
    assert out.returncode == 2
    assert "did you mean 'return_state'?" in out.stderr


@pytest.mark.parametrize(("layer", "seq", "state"), SEED)
def test_live_agrees_with_keras(layer: str, seq: bool, state: bool, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("keras")
    code = main(["show", f"{layer}(return_sequences={seq}, return_state={state})", "--live", "--compat", "none"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "as the tables say" in out


def test_live_reports_a_difference(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """--live can fail: told that GRU returns three tensors, the live call disagrees."""
    pytest.importorskip("keras")
    import rnnspec.runner

    real = rnnspec.runner.compare

    def three(expected, actual, sizes, dtype, path="outputs"):  # type: ignore[no-untyped-def]
        from rnnspec.structure import parse_structure

        yield from real(parse_structure("(output: (B, units), h: (B, units), c: (B, units))"), actual, sizes, dtype)

    monkeypatch.setattr(rnnspec.runner, "compare", three)
    code = main(["show", "GRU(return_state=True)", "--live", "--compat", "none"])
    out = capsys.readouterr().out
    assert code == 1
    assert "FAIL outputs: expected 3 items, got 2" in out


def test_a_cached_answer_is_the_fresh_one_and_an_edit_is_a_new_key(
    own_cache: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import shutil

    spec = tmp_path / "spec"
    shutil.copytree(SPEC, spec)
    question = ["show", "GRU(return_state=True)", "--spec", str(spec), "--compat", "none"]
    assert main(question) == 0
    fresh = capsys.readouterr().out
    assert len(list(own_cache.iterdir())) == 1
    assert main(question) == 0
    assert capsys.readouterr().out == fresh
    gru = spec / "gru.yaml"
    gru.write_text(gru.read_text().replace("h: (B, units))", "state: (B, units))"))
    assert main(question) == 0
    assert "(output: (B, units), state: (B, units))" in capsys.readouterr().out
    assert len(list(own_cache.iterdir())) == 2
