"""Unit tests of the table language: structure strings (rnnspec/structure.py) and the YAML
loader that keeps line numbers and refuses anything but plain data (rnnspec/yamlload.py).

These are the two places where a table's text becomes meaning, so their error messages are
what a table author reads; the tests pin the sentences, not just the exception types.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from rnnspec.errors import SpecError
from rnnspec.structure import (
    Container,
    OtherValue,
    Shape,
    StructureSyntaxError,
    TensorInfo,
    compare,
    count_tensors,
    describe,
    format_actual,
    format_expected,
    format_structure,
    parse_structure,
    structure_symbols,
)
from rnnspec.yamlload import LineDict, LineList, load_spec_yaml

SIZES = {"B": 2, "T": 5, "F": 3, "units": 4}

# --- parsing and formatting -------------------------------------------------------------

ROUND_TRIPS = [
    "(B, units)",
    "(B, T, units)",
    "(B,)",
    "((B, units),)",
    "((B, T, units), (B, units), (B, units))",
    "[(B, units), (B, units)]",
    "[(B, T, units), [(B, units), (B, units)]]",
    "(B, units)@float16",
    "((B, units)@float32, (B, units))",
    "(B, T - 2, 2 * units)",
    "(B, units // 2 + 1)",
]


@pytest.mark.parametrize("text", ROUND_TRIPS)
def test_format_round_trips(text: str) -> None:
    """What the reports print is what the table said, so format(parse(t)) is t itself."""
    structure = parse_structure(text)
    assert format_structure(structure) == text
    assert format_structure(parse_structure(format_structure(structure))) == text


def test_parse_builds_shapes_and_containers() -> None:
    """Tuples of dimensions are shapes; tuples of shapes are tuples; brackets are lists."""
    shape = parse_structure("(B, units)@float16")
    assert isinstance(shape, Shape)
    assert [d.text for d in shape.dims] == ["B", "units"]
    assert shape.dtype == "float16"
    nested = parse_structure("[(B, units), ((B, T, units),)]")
    assert isinstance(nested, Container)
    assert nested.kind == "list"
    assert isinstance(nested.items[1], Container)
    assert nested.items[1].kind == "tuple"
    assert len(nested.items[1].items) == 1


def test_whitespace_and_trailing_comma_are_accepted() -> None:
    """YAML may leave spaces around a value; a trailing comma is Python's own spelling."""
    assert format_structure(parse_structure("  (B, units)  ")) == "(B, units)"
    assert format_structure(parse_structure("(B, units,)")) == "(B, units)"


def test_format_with_sizes_and_symbols() -> None:
    """Dimensions are integer expressions over the file's sizes, evaluated per case."""
    structure = parse_structure("((B, T - 2, 2 * units), [(B, units // 3)])")
    assert format_structure(structure, SIZES) == "((2, 3, 8), [(2, 1)])"
    assert structure_symbols(structure) == {"B", "T", "units"}
    assert format_expected(structure, SIZES, "float32") == "((2, 3, 8)@float32, [(2, 1)@float32])"


def test_unknown_symbol_fails_to_evaluate() -> None:
    """Evaluation never guesses a size (spec.py reports the symbol before this happens)."""
    shape = parse_structure("(B, unit)")
    assert isinstance(shape, Shape)
    with pytest.raises(KeyError, match="unit"):
        shape.dims[1].evaluate(SIZES)


MALFORMED = {
    "B": "'B' is a single dimension; a shape is written (B, units)",
    "units": "a single dimension",
    "(B, (B, units))": "a group mixes dimensions and nested structures",
    "(B,": "cannot parse '(B,'",
    "(B, units": "cannot parse",
    "(B, units) + 1": "expected a shape '(B, units)', a tuple '(..., ...)' or a list '[...]'",
    "__import__('os').system('true')": "expected a shape",
    "((B, units), (B, units))@float32": "'@dtype' follows a shape",
    "(B, units)@'float32'": "'@dtype' follows a shape",
    "{B: units}": "expected a shape",
}


@pytest.mark.parametrize(("text", "message"), list(MALFORMED.items()))
def test_malformed_expressions_are_refused(text: str, message: str) -> None:
    """Each malformed string is a StructureSyntaxError that says what is wrong with it."""
    with pytest.raises(StructureSyntaxError) as excinfo:
        parse_structure(text)
    assert message in str(excinfo.value)


def test_non_string_is_refused() -> None:
    """YAML turns unquoted [..] into a list and 3 into an int; neither is a structure."""
    with pytest.raises(StructureSyntaxError, match="expected a string"):
        parse_structure(["(B", "units)"])  # type: ignore[arg-type]
    with pytest.raises(StructureSyntaxError, match="expected a string"):
        parse_structure(3)  # type: ignore[arg-type]


# --- comparing what a layer returned --------------------------------------------------


def tensor(*shape: int, dtype: str = "float32") -> TensorInfo:
    """A returned tensor as describe() reports it."""
    return TensorInfo(tuple(shape), dtype)


def differences(expected: str, actual: Any, dtype: str = "float32") -> list[str]:
    """compare()'s sentences for a structure string against an actual description."""
    return list(compare(parse_structure(expected), actual, SIZES, dtype))


def test_compare_equal_is_silent() -> None:
    """A match yields nothing: the runner treats any sentence as a failure."""
    actual = (tensor(2, 5, 4), tensor(2, 4), tensor(2, 4))
    assert differences("((B, T, units), (B, units), (B, units))", actual) == []
    assert differences("[(B, units)@float16]", [tensor(2, 4, dtype="float16")]) == []


@pytest.mark.parametrize(
    ("expected", "actual", "sentences"),
    [
        (
            "((B, units), (B, units), (B, units))",
            (tensor(2, 4), tensor(2, 4)),
            ["outputs: expected 3 items, got 2"],
        ),
        (
            "[(B, units), (B, units)]",
            (tensor(2, 4), tensor(2, 4)),
            ["outputs: expected a list, got a tuple"],
        ),
        (
            "((B, units), (B, units))",
            [tensor(2, 4), tensor(2, 4), tensor(2, 4)],
            ["outputs: expected a tuple, got a list", "outputs: expected 2 items, got 3"],
        ),
        (
            "((B, units), (B, units))",
            tensor(2, 4),
            ["outputs: expected a tuple of 2, got a tensor"],
        ),
        (
            "((B, units), (B, units))",
            OtherValue("dict"),
            ["outputs: expected a tuple of 2, got a dict"],
        ),
        (
            "(B, units)",
            (tensor(2, 4), tensor(2, 4)),
            ["outputs: expected a tensor, got a tuple of 2"],
        ),
        (
            "(B, T, units)",
            tensor(2, 4),
            ["outputs: expected shape (2, 5, 4), got (2, 4)"],
        ),
        (
            "(B, units)",
            tensor(2, 4, dtype="float32"),
            [],
        ),
        (
            "(B, units)@float16",
            tensor(2, 4, dtype="float32"),
            ["outputs: expected dtype float16, got float32"],
        ),
        (
            "((B, T, units), (B, units))",
            (tensor(2, 5, 4), tensor(2, 5, dtype="float16")),
            ["outputs[1]: expected shape (2, 4), got (2, 5)", "outputs[1]: expected dtype float32, got float16"],
        ),
        (
            "[(B, units), ((B, units), (B, units))]",
            [tensor(2, 4), (tensor(2, 4),)],
            ["outputs[1]: expected 2 items, got 1"],
        ),
    ],
)
def test_compare_sentences(expected: str, actual: Any, sentences: list[str]) -> None:
    """One sentence per difference, with the path to the offending tensor."""
    assert differences(expected, actual) == sentences


def test_compare_uses_row_dtype_unless_the_shape_says_its_own() -> None:
    """``dtype:`` of a row applies to every tensor that does not carry ``@dtype``."""
    actual = (tensor(2, 4, dtype="float16"), tensor(2, 4, dtype="float32"))
    assert differences("((B, units), (B, units)@float32)", actual, dtype="float16") == []
    assert differences("((B, units), (B, units))", actual, dtype="float16") == [
        "outputs[1]: expected dtype float16, got float32"
    ]


def test_compare_names_other_values_plainly() -> None:
    """Where a tensor was expected and something else came back, the sentence names its type."""
    assert differences("(B, units)", OtherValue("NoneType")) == ["outputs: expected a tensor, got a NoneType"]


def test_describe_and_format_actual_match_format_expected() -> None:
    """Expected and actual are printed in one notation, so equal structures print equal."""
    returned = (np.zeros((2, 5, 4), "float32"), np.zeros((2, 4), "float32"))
    actual = describe(returned)
    assert actual == (tensor(2, 5, 4), tensor(2, 4))
    text = "((B, T, units), (B, units))"
    assert format_actual(actual) == format_expected(parse_structure(text), SIZES, "float32")
    assert format_actual(describe([np.zeros((2,), "float16")])) == "[(2,)@float16]"
    assert format_actual(describe({"a": 1})) == "<dict>"
    assert count_tensors(describe([np.zeros(1), (np.zeros(1), None)])) == 2


# --- the YAML loader ------------------------------------------------------------------


def load(tmp_path: Path, text: str) -> Any:
    """Write ``text`` to a file and load it as a spec."""
    path = tmp_path / "spec.yaml"
    path.write_text(text, encoding="utf-8")
    return load_spec_yaml(path)


def test_line_numbers_of_keys_and_items(tmp_path: Path) -> None:
    """Every key and list item knows its 1-based line, for errors that point at it."""
    doc = load(
        tmp_path,
        "title: T\n"  # 1
        "build:\n"  # 2
        "  class: LSTM\n"  # 3
        "  args:\n"  # 4
        "    units: 2\n"  # 5
        "expect:\n"  # 6
        "  - when: {a: 1}\n"  # 7
        "    returns: (B, units)\n"  # 8
        "\n"  # 9
        "  - dtype: float32\n",  # 10
    )
    assert isinstance(doc, LineDict)
    assert (doc.line_of("title"), doc.line_of("build"), doc.line_of("expect")) == (1, 2, 6)
    assert doc["build"].line_of("class") == 3
    assert doc["build"]["args"].line_of("units") == 5
    expect = doc["expect"]
    assert isinstance(expect, LineList)
    assert [expect.line_of(0), expect.line_of(1)] == [7, 10]
    assert expect[0].line_of("returns") == 8
    assert expect[0]["when"].line == 7
    assert doc.line_of("missing") == doc.line  # an absent key points at its mapping


def test_anchors_and_aliases_load(tmp_path: Path) -> None:
    """spec/lstm.yaml shares a deviation list through an anchor; aliases must load."""
    doc = load(tmp_path, "a: &shared [x, y]\nb: *shared\n")
    assert doc["a"] == doc["b"] == ["x", "y"]


@pytest.mark.parametrize(
    ("text", "line", "first"),
    [
        ("title: A\ninputs: (B, T, F)\ntitle: B\n", 3, 1),
        ("build:\n  class: LSTM\n  args:\n    units: 2\n    units: 3\n", 5, 4),
        ("expect:\n  - when: {a: 1, a: 2}\n", 2, 2),
    ],
)
def test_duplicate_keys_are_errors(tmp_path: Path, text: str, line: int, first: int) -> None:
    """YAML would keep the last value silently; a table must not lose a row that way."""
    with pytest.raises(SpecError) as excinfo:
        load(tmp_path, text)
    assert excinfo.value.line == line
    assert f"(first at line {first})" in excinfo.value.message
    assert excinfo.value.format().startswith(f"{tmp_path / 'spec.yaml'}:{line}: duplicate key")


def test_merge_key_override_is_not_a_duplicate(tmp_path: Path) -> None:
    """``<<: *base`` then ``y: 3`` is YAML's way to reuse a mapping with one change."""
    doc = load(tmp_path, "base: &b {x: 1, y: 2}\nchild:\n  <<: *b\n  y: 3\n")
    assert doc["child"] == {"x": 1, "y": 3}


@pytest.mark.parametrize(
    "tag",
    [
        "!!python/object/apply:os.system",
        "!!python/object/new:os.system",
        "!!python/name:os.system",
        "!!python/module:os",
        "!custom",
    ],
)
def test_python_tags_are_refused_and_never_run(tmp_path: Path, tag: str) -> None:
    """A spec is plain data: no tag may build an object or call anything."""
    marker = tmp_path / "ran"
    with pytest.raises(SpecError) as excinfo:
        load(tmp_path, f'title: T\nbuild: {tag} ["touch {marker}"]\n')
    assert not marker.exists()
    assert excinfo.value.line == 2
    assert "refused YAML tag" in excinfo.value.message


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("a: 1\nb: [1, 2\nc: 3\n", 3),
        ("a: 1\n\tb: 2\n", 2),
        ("a: 1\nb: {x: 1]\n", 2),
    ],
)
def test_syntax_errors_name_the_line(tmp_path: Path, text: str, line: int) -> None:
    """A YAML syntax error is a SpecError at the line where the parser stopped."""
    with pytest.raises(SpecError) as excinfo:
        load(tmp_path, text)
    assert excinfo.value.line == line
    assert excinfo.value.message.startswith("YAML syntax error")


# --- named tensors ---------------------------------------------------------------------------


def test_named_tensors_parse_and_write_back() -> None:
    text = "(output: (B, T, units), h: (B, units), c: (B, units))"
    parsed = parse_structure(text)
    assert format_structure(parsed) == text
    assert [item.name for item in parsed.items] == ["output", "h", "c"]  # type: ignore[union-attr]
    nested = parse_structure("(output: (B, units), cell1: [h1: (B, units), c1: (B, units)], h2: (B, units2)@float16)")
    assert (
        format_structure(nested)
        == "(output: (B, units), cell1: [h1: (B, units), c1: (B, units)], h2: (B, units2)@float16)"
    )
    assert format_structure(nested, names=False) == "((B, units), [(B, units), (B, units)], (B, units2)@float16)"
    assert format_structure(parse_structure("output: (B, units)")) == "output: (B, units)"


def test_names_are_documentation_not_part_of_the_comparison() -> None:
    named = parse_structure("(output: (B, units), h: (B, units))")
    unnamed = parse_structure("((B, units), (B, units))")
    got = (TensorInfo((2, 4), "float32"), TensorInfo((2, 4), "float32"))
    assert list(compare(named, got, {"B": 2, "units": 4}, "float32")) == []
    assert list(compare(unnamed, got, {"B": 2, "units": 4}, "float32")) == []
    assert format_expected(named, {"B": 2, "units": 4}, "float32") == format_actual(got)


def test_a_failure_names_the_tensor() -> None:
    lstm = parse_structure("(output: (B, units), h: (B, units), c: (B, units))")
    got = (TensorInfo((2, 4), "float32"), TensorInfo((2, 4), "float32"), TensorInfo((2, 5), "float32"))
    assert list(compare(lstm, got, {"B": 2, "units": 4}, "float32")) == [
        "outputs[2] (c): expected shape (2, 4), got (2, 5)"
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("(h: (B, units), h: (B, units))", "the name 'h' is given twice"),
        ("(h: B, units)", "cannot parse"),
        ("(h:: (B, units),)", "cannot parse"),
    ],
)
def test_malformed_names_are_refused(text: str, message: str) -> None:
    with pytest.raises(StructureSyntaxError, match=message):
        parse_structure(text)
