"""A table's ``build`` template, resolved for one combination: ``$name`` -> the case's value.

No Keras here: the result is a plain node (``{class, args, layer?, cell?}``) that the runner
builds (rnnspec/runner.py) and the NumPy reference reads (rnnspec/reference).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from rnnspec.case import value_text
from rnnspec.nodes import fold, walk

REF = re.compile(r"^\$([A-Za-z_][A-Za-z0-9_]*)$")


def resolve_node(template: Mapping[str, Any], values: Mapping[str, Any], sizes: Mapping[str, int]) -> dict[str, Any]:
    """The build template with every $name replaced by the case's axis value (or a size)."""

    def value(v: Any) -> Any:
        if isinstance(v, str) and (m := REF.match(v)):
            return values[m.group(1)] if m.group(1) in values else sizes[m.group(1)]
        return list(v) if isinstance(v, list) else v

    def visit(node: Mapping[str, Any], kids: dict[str, Any]) -> dict[str, Any]:
        return {
            "class": value(node["class"]),
            "args": {k: value(v) for k, v in node.get("args", {}).items()},
            **kids,
        }

    return fold(template, visit)


def buildable_node(
    template: Mapping[str, Any],
    values: Mapping[str, Any],
    sizes: Mapping[str, int],
    defaults: Mapping[str, Any],
    missing_args: Mapping[str, str],
) -> tuple[dict[str, Any], str | None]:
    """The resolved layer node as this release can build it, and why it cannot, if so.

    An argument the release lacks (``available`` in the file) is left out where the case
    gives it its default (the layer then behaves as that default says); any other value
    makes the combination not applicable here.
    """
    node = resolve_node(template, values, sizes)
    reasons: list[str] = []
    # The template and its resolution have the same shape: walked side by side.
    for written, resolved in zip(walk(template), walk(node), strict=True):
        for arg, reason in missing_args.items():
            if arg not in written.get("args", {}):
                continue
            ref = REF.match(str(written["args"][arg]))
            if ref is None or values.get(ref.group(1)) != defaults.get(ref.group(1)):
                reasons.append(f"{arg}={value_text(resolved['args'][arg])}: {reason}")
            resolved["args"].pop(arg)
    return node, ("not applicable: " + "; ".join(dict.fromkeys(reasons))) if reasons else None


def build_text(template: Mapping[str, Any]) -> str:
    """The build template as one line of pseudo-Python, with $axis references kept."""

    def visit(node: Mapping[str, Any], kids: dict[str, Any]) -> str:
        parts = [f"{k}={v}" for k, v in node.get("args", {}).items()]
        parts += [f"{key}=[{', '.join(kid)}]" if isinstance(kid, list) else f"{key}={kid}" for key, kid in kids.items()]
        return f"{node['class']}({', '.join(parts)})"

    return fold(template, visit)
