"""The one walk over a layer node: ``{class, args, layer?, backward_layer?, cell?}``.

A table's ``build`` is a tree: Bidirectional wraps a ``layer`` (and may take a
``backward_layer``), RNN takes a ``cell`` that is one cell or a list of cells. Every place
that resolves, builds, prints, hashes or searches such a tree walks it through here, so a new
kind of child is added once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any, TypeVar

#: The keys under which a node holds child nodes, in the order they are walked.
CHILD_KEYS = ("layer", "backward_layer", "cell")

T = TypeVar("T")


def children(node: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    """The node's direct children, in CHILD_KEYS order (a list of cells in list order)."""
    for key in CHILD_KEYS:
        child = node.get(key)
        if isinstance(child, list):
            yield from child
        elif child is not None:
            yield child


def walk(node: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    """The node and every node below it, outermost first (depth first, CHILD_KEYS order)."""
    yield node
    for child in children(node):
        yield from walk(child)


def fold(node: Mapping[str, Any], visit: Callable[[Mapping[str, Any], dict[str, Any]], T]) -> T:
    """Bottom-up: ``visit(node, kids)`` where ``kids`` maps each child key the node has to its
    folded child (a list for a list of cells), in CHILD_KEYS order."""
    kids: dict[str, Any] = {}
    for key in CHILD_KEYS:
        if key not in node:
            continue
        child = node[key]
        kids[key] = [fold(c, visit) for c in child] if isinstance(child, list) else fold(child, visit)
    return visit(node, kids)


def classes(node: Mapping[str, Any]) -> list[str]:
    """Class names in the tree, outermost first."""
    return [str(n["class"]) for n in walk(node)]
