"""No import cycle in the rnnspec package, read from the source with ``ast``.

A cycle makes the order of imports matter and hides which module depends on which (the
matrix's two modules used to import each other). Every ``import`` counts, at module level or
inside a function (a lazy import is still a dependency), except under ``if TYPE_CHECKING:``,
which never runs. The graph is built from whatever modules the package holds, so the test
guards modules added later too.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "rnnspec"

Edge = tuple[str, str, int]  # importer, imported, line


def modules(package: Path) -> dict[str, Path]:
    """Dotted name -> file, for every module of PACKAGE (a package is named by its __init__)."""
    out = {}
    for path in sorted(package.rglob("*.py")):
        parts = path.relative_to(package.parent).with_suffix("").parts
        out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return out


def _type_checking_only(tree: ast.AST) -> set[int]:
    """ids of the import nodes inside ``if TYPE_CHECKING:`` blocks."""
    skipped = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped |= {id(inner) for stmt in node.body for inner in ast.walk(stmt)}
    return skipped


def imports(name: str, path: Path, known: dict[str, Path]) -> Iterator[Edge]:
    """The modules of KNOWN that module NAME imports, each with the line of its import."""

    def deepest(dotted: str) -> str | None:
        while dotted and dotted not in known:
            dotted = dotted.rpartition(".")[0]
        return dotted or None

    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    skipped = _type_checking_only(tree)
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the module's package, up level - 1 packages
                package = name if path.name == "__init__.py" else name.rpartition(".")[0]
                for _ in range(node.level - 1):
                    package = package.rpartition(".")[0]
                base = f"{package}.{base}" if base else package
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base for alias in node.names]
        for target in targets:
            found = deepest(target)
            if found and found != name:
                yield name, found, node.lineno


def find_cycle(edges: list[Edge]) -> list[Edge] | None:
    """One cycle of the graph, as its edges, or None when the graph is acyclic."""
    graph: dict[str, list[Edge]] = {}
    for edge in sorted(edges):
        graph.setdefault(edge[0], []).append(edge)
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[Edge] = []

    def visit(node: str) -> list[Edge] | None:
        state[node] = 1
        for edge in graph.get(node, []):
            path.append(edge)
            if state.get(edge[1]) == 1:
                start = next(i for i, e in enumerate(path) if e[0] == edge[1])
                return path[start:]
            if edge[1] not in state:
                found = visit(edge[1])
                if found:
                    return found
            path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def package_edges(package: Path) -> list[Edge]:
    known = modules(package)
    return [edge for name, path in known.items() for edge in imports(name, path, known)]


def test_rnnspec_has_no_import_cycle() -> None:
    edges = package_edges(PACKAGE)
    assert len({e[0] for e in edges}) > 10, "the graph should cover the package's modules"
    cycle = find_cycle(edges)
    assert cycle is None, (
        "import cycle: " + " -> ".join(f"{a} (line {line})" for a, _, line in cycle) + (f" -> {cycle[0][0]}")
    )


def test_the_compat_package_is_a_package_of_small_modules() -> None:
    known = modules(PACKAGE)
    assert {"rnnspec.compat", "rnnspec.compat.__main__"} <= set(known)
    assert "rnnspec.compat_report" not in known


def _write(root: Path, files: dict[str, str]) -> Path:
    for relative, text in files.items():
        path = root / "pkg" / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root / "pkg"


def test_a_cycle_is_found_whatever_the_import_form(tmp_path: Path) -> None:
    """The check can fail: absolute, relative, lazy and from-package imports all count."""
    package = _write(
        tmp_path,
        {
            "__init__.py": "",
            "a.py": "from pkg.b import thing\n",
            "b.py": "def f():\n    from . import c\n",
            "sub/__init__.py": "",
            "c.py": "import pkg.sub.d\n",
            "sub/d.py": "from ..a import x\n",
        },
    )
    cycle = find_cycle(package_edges(package))
    assert cycle is not None
    assert [(a, b) for a, b, _ in cycle] == [
        ("pkg.a", "pkg.b"),
        ("pkg.b", "pkg.c"),
        ("pkg.c", "pkg.sub.d"),
        ("pkg.sub.d", "pkg.a"),
    ]


def test_type_checking_imports_and_outside_modules_do_not_count(tmp_path: Path) -> None:
    package = _write(
        tmp_path,
        {
            "__init__.py": "from pkg.a import x\n",
            "a.py": "import json\nfrom typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg.b import y\n",
            "b.py": "from pkg import a\n",
        },
    )
    edges = package_edges(package)
    assert sorted((a, b) for a, b, _ in edges) == [("pkg", "pkg.a"), ("pkg.b", "pkg.a")]
    assert find_cycle(edges) is None
