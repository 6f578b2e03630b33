"""The structure language of the tables: what a layer returns, written like Python.

``(B, units)`` is one tensor's shape; ``((B, T, units), (B, units))`` is a tuple of two
tensors; ``[...]`` is a list (Keras 2 returned lists where Keras 3 returns tuples, so the
container type is part of the contract). A shape may carry a dtype: ``(B, units)@float32``.
Dimensions are integer expressions over the case's symbols: ``(B, T - 2, 2 * units)``.
Any tensor or container may carry a name, ``(output: (B, units), h: (B, units), c: (B, units))``:
names are documentation (they appear in failures, reports and ``rnnspec show``) and take no
part in comparisons, so an unnamed structure stays valid and equal to its named twin.

Python's own parser reads these strings (``ast.parse``); nothing is ever evaluated by
Python: we walk the tree and accept only names, integers, + - * // and the two containers.
``name:`` prefixes are not Python, so the tokenizer finds them first and blanks them out
(same width, so every node keeps its column) before the parser sees the text.

Over 300 lines because it holds the language both ways, parsing and writing back, for the
tables' structures and for what a layer returned: the two must change together.
"""

from __future__ import annotations

import ast
import io
import tokenize
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Union

_BINOPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.FloorDiv: "//"}


class StructureSyntaxError(ValueError):
    """A structure string that is not a shape, a tuple or a list of them."""


@dataclass(frozen=True)
class Dim:
    """One dimension: an integer expression over symbols, kept as a small tree."""

    node: ast.expr
    text: str

    def symbols(self) -> set[str]:
        return {n.id for n in ast.walk(self.node) if isinstance(n, ast.Name)}

    def evaluate(self, sizes: Mapping[str, int]) -> int:
        return _eval_dim(self.node, sizes)


@dataclass(frozen=True)
class Shape:
    """One tensor: its dimensions and, if the table says so, its dtype."""

    dims: tuple[Dim, ...]
    dtype: str | None = None
    name: str | None = field(default=None, compare=False)  # documentation only


@dataclass(frozen=True)
class Container:
    """A tuple or a list of further structures."""

    kind: str  # "tuple" or "list"
    items: tuple[Structure, ...]
    name: str | None = field(default=None, compare=False)  # documentation only


Structure = Shape | Container


def _eval_dim(node: ast.expr, sizes: Mapping[str, int]) -> int:
    if isinstance(node, ast.Constant) and isinstance(node.value, int):
        return int(node.value)
    if isinstance(node, ast.Name):
        if node.id not in sizes:
            raise KeyError(node.id)
        return int(sizes[node.id])
    if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
        left, right = _eval_dim(node.left, sizes), _eval_dim(node.right, sizes)
        op = _BINOPS[type(node.op)]
        if op == "+":
            return left + right
        if op == "-":
            return left - right
        if op == "*":
            return left * right
        return left // right
    raise StructureSyntaxError(f"not a dimension: {ast.unparse(node)}")


def _is_dim(node: ast.expr) -> bool:
    if isinstance(node, ast.Constant):
        return isinstance(node.value, int) and not isinstance(node.value, bool)
    if isinstance(node, ast.Name):
        return True
    if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
        return _is_dim(node.left) and _is_dim(node.right)
    return False


def _to_structure(node: ast.expr, names: Mapping[tuple[int, int], str]) -> Structure:
    name = names.get((node.lineno, node.col_offset - (node.lineno == 1)))
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.MatMult):
        inner = _to_structure(node.left, {})
        if not isinstance(inner, Shape) or not isinstance(node.right, ast.Name):
            raise StructureSyntaxError("'@dtype' follows a shape, e.g. (B, units)@float32")
        return Shape(inner.dims, node.right.id, name)
    if isinstance(node, ast.List):
        return Container("list", tuple(_to_structure(e, names) for e in node.elts), name)
    if isinstance(node, ast.Tuple):
        if all(_is_dim(e) for e in node.elts):
            return Shape(tuple(Dim(e, ast.unparse(e)) for e in node.elts), None, name)
        if any(_is_dim(e) for e in node.elts):
            raise StructureSyntaxError(
                "a group mixes dimensions and nested structures; "
                "write a shape like (B, units) or a tuple of shapes like ((B, units), (B, units))"
            )
        return Container("tuple", tuple(_to_structure(e, names) for e in node.elts), name)
    raise StructureSyntaxError(
        f"expected a shape '(B, units)', a tuple '(..., ...)' or a list '[...]', got {ast.unparse(node)!r}"
    )


def _strip_names(text: str) -> tuple[str, dict[tuple[int, int], str]]:
    """The text with every ``name:`` blanked out, and each name keyed by the (line, column)
    of the structure it names."""
    try:
        tokens = [t for t in tokenize.generate_tokens(io.StringIO(text).readline) if t.type != tokenize.NL]
    except (tokenize.TokenError, SyntaxError) as exc:
        raise StructureSyntaxError(f"cannot parse {text!r}: {exc}") from None
    lines = text.splitlines() or [""]
    names: dict[tuple[int, int], str] = {}
    for first, second, third in zip(tokens, tokens[1:], tokens[2:], strict=False):
        if first.type == tokenize.NAME and second.string == ":" and third.string in ("(", "["):
            names[third.start] = first.string
            row, start = first.start
            end = second.end[1]
            line = lines[row - 1]
            lines[row - 1] = line[:start] + " " * (end - start) + line[end:]
    return "\n".join(lines), names


def structure_names(structure: Structure) -> list[str | None]:
    """The name of each tensor, in the order they come back (None where unnamed)."""
    if isinstance(structure, Shape):
        return [structure.name]
    return [name for item in structure.items for name in structure_names(item)]


def parse_structure(text: str) -> Structure:
    """Read a structure string from a table; raises StructureSyntaxError with the reason."""
    if not isinstance(text, str):
        raise StructureSyntaxError(f"expected a string like '(B, units)', got {text!r}")
    stripped, names = _strip_names(text.strip())
    try:
        # in brackets: a blanked leading name would otherwise be an indent (columns shift by one)
        tree = ast.parse("(" + stripped + ")", mode="eval")
    except SyntaxError as exc:
        raise StructureSyntaxError(f"cannot parse {text!r}: {exc.msg}") from None
    body = tree.body
    if isinstance(body, ast.Name) or _is_dim(body):
        raise StructureSyntaxError(f"{text!r} is a single dimension; a shape is written (B, units)")
    structure = _to_structure(body, names)
    used = _used_names(structure)
    if len(used) != len(names):
        raise StructureSyntaxError("a name must stand right before a shape, a tuple or a list: 'h: (B, units)'")
    duplicated = sorted({n for n in used if used.count(n) > 1})
    if duplicated:
        raise StructureSyntaxError(f"the name {duplicated[0]!r} is given twice")
    return structure


def _used_names(structure: Structure) -> list[str]:
    own = [structure.name] if structure.name else []
    if isinstance(structure, Shape):
        return own
    return own + [n for item in structure.items for n in _used_names(item)]


def structure_symbols(structure: Structure) -> set[str]:
    """Every symbol a structure uses, to check them against the file's sizes."""
    if isinstance(structure, Shape):
        return set().union(*(d.symbols() for d in structure.dims)) if structure.dims else set()
    return set().union(*(structure_symbols(s) for s in structure.items)) if structure.items else set()


def tuples_as_lists(structure: Structure) -> Structure:
    """The same structure with every tuple a list: how Keras 2 returns what Keras 3 returns as tuples."""
    if isinstance(structure, Shape):
        return structure
    return Container("list", tuple(tuples_as_lists(s) for s in structure.items), structure.name)


def format_structure(structure: Structure, sizes: Mapping[str, int] | None = None, names: bool = True) -> str:
    """Write a structure back, symbolically or (given sizes) with concrete numbers, with its
    names unless ``names`` is false."""
    label = f"{structure.name}: " if names and structure.name else ""
    if isinstance(structure, Shape):
        dims = [d.text for d in structure.dims] if sizes is None else [str(d.evaluate(sizes)) for d in structure.dims]
        body = "(" + ", ".join(dims) + ("," if len(dims) == 1 else "") + ")"
        return label + body + (f"@{structure.dtype}" if structure.dtype else "")
    inner = ", ".join(format_structure(s, sizes, names) for s in structure.items)
    if structure.kind == "list":
        return f"{label}[{inner}]"
    return f"{label}({inner}{',' if len(structure.items) == 1 else ''})"


# --- concrete structures, as a layer returned them ---------------------------------------


@dataclass(frozen=True)
class TensorInfo:
    """What we know of one returned tensor: shape and dtype name."""

    shape: tuple[int | None, ...]
    dtype: str


Actual = Union[TensorInfo, tuple["Actual", ...], list["Actual"], "OtherValue"]


@dataclass(frozen=True)
class OtherValue:
    """Something returned that is neither a tensor nor a tuple/list (e.g. a dict, None)."""

    type_name: str


def describe(value: Any) -> Actual:
    """Turn what a layer returned into a comparable description (containers kept exactly)."""
    if isinstance(value, tuple):
        return tuple(describe(v) for v in value)
    if isinstance(value, list):
        return [describe(v) for v in value]
    shape = getattr(value, "shape", None)
    dtype = getattr(value, "dtype", None)
    if shape is not None and dtype is not None:
        return TensorInfo(tuple(None if d is None else int(d) for d in shape), _dtype_name(dtype))
    return OtherValue(type(value).__name__)


def _dtype_name(dtype: Any) -> str:
    name = getattr(dtype, "name", None)
    if isinstance(name, str):
        return name
    text = str(dtype)
    return text.replace("torch.", "")


def format_actual(actual: Actual) -> str:
    """Write an actual structure in the table's own notation, for side-by-side display."""
    if isinstance(actual, TensorInfo):
        dims = ", ".join("None" if d is None else str(d) for d in actual.shape)
        if len(actual.shape) == 1:
            dims += ","
        return f"({dims})@{actual.dtype}"
    if isinstance(actual, OtherValue):
        return f"<{actual.type_name}>"
    inner = ", ".join(format_actual(a) for a in actual)
    if isinstance(actual, list):
        return f"[{inner}]"
    return f"({inner}{',' if len(actual) == 1 else ''})"


def format_expected(structure: Structure, sizes: Mapping[str, int], dtype: str, names: bool = False) -> str:
    """The expected structure with numbers and dtypes filled in, in the same notation; without
    names by default, as records compare it with what came back (format_actual)."""
    label = f"{structure.name}: " if names and structure.name else ""
    if isinstance(structure, Shape):
        dims = [str(d.evaluate(sizes)) for d in structure.dims]
        body = "(" + ", ".join(dims) + ("," if len(dims) == 1 else "") + ")"
        return f"{label}{body}@{structure.dtype or dtype}"
    inner = ", ".join(format_expected(s, sizes, dtype, names) for s in structure.items)
    if structure.kind == "list":
        return f"{label}[{inner}]"
    return f"{label}({inner}{',' if len(structure.items) == 1 else ''})"


def compare(
    expected: Structure, actual: Actual, sizes: Mapping[str, int], dtype: str, path: str = "outputs"
) -> Iterator[str]:
    """Yield one sentence per difference: arity, container type, shape, dtype; a named
    tensor is called by its name too, ``outputs[2] (c)``."""
    if expected.name:
        path = f"{path} ({expected.name})"
    if isinstance(expected, Container):
        if isinstance(actual, (TensorInfo, OtherValue)):
            kind = "a tensor" if isinstance(actual, TensorInfo) else f"a {actual.type_name}"
            yield f"{path}: expected a {expected.kind} of {len(expected.items)}, got {kind}"
            return
        actual_kind = "list" if isinstance(actual, list) else "tuple"
        if actual_kind != expected.kind:
            yield f"{path}: expected a {expected.kind}, got a {actual_kind}"
        if len(actual) != len(expected.items):
            yield f"{path}: expected {len(expected.items)} items, got {len(actual)}"
            return
        base = path.split(" (")[0]
        for index, (exp, act) in enumerate(zip(expected.items, actual, strict=True)):
            yield from compare(exp, act, sizes, dtype, f"{base}[{index}]")
        return
    if not isinstance(actual, TensorInfo):
        if isinstance(actual, (list, tuple)):
            got = f"a {'list' if isinstance(actual, list) else 'tuple'} of {len(actual)}"
        else:
            got = f"a {actual.type_name}"
        yield f"{path}: expected a tensor, got {got}"
        return
    want_shape = tuple(d.evaluate(sizes) for d in expected.dims)
    if actual.shape != want_shape:
        yield f"{path}: expected shape {want_shape}, got {actual.shape}"
    want_dtype = expected.dtype or dtype
    if actual.dtype != want_dtype:
        yield f"{path}: expected dtype {want_dtype}, got {actual.dtype}"


def count_tensors(actual: Actual) -> int:
    """How many tensors a returned structure holds (the 'arity' people unpack)."""
    if isinstance(actual, TensorInfo):
        return 1
    if isinstance(actual, OtherValue):
        return 0
    return sum(count_tensors(a) for a in actual)
