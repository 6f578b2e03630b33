"""Load spec YAML safely and remember where every mapping, key and item came from.

PyYAML's SafeLoader builds only plain data (no ``!!python/...`` tags), and we subclass it
to keep line numbers, so that every later error can name the line of the offending key.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from rnnspec.errors import SpecError


class Loc(int):
    """A line number (1-based) that also knows its file.

    A table inherits keys and rows from ``spec/_suite.yaml`` and from the fragment it
    ``extends:`` (rnnspec/inherit.py), so the line of a key may be in another file than the
    table's: every error built from a Loc names the file where the text is (SpecError reads
    ``.path``). It is an int everywhere else, and serialises as one.
    """

    path: Path | None

    def __new__(cls, line: int, path: Path | None = None) -> Loc:
        loc = super().__new__(cls, line)
        loc.path = path
        return loc

    def __reduce__(self) -> tuple[type[int], tuple[int]]:
        return int, (int(self),)  # pickled (xdist, caches) as the plain line number


class LineDict(dict[str, Any]):
    """A mapping that knows its own line and the line of each of its keys (1-based)."""

    line: int = 0
    key_lines: dict[str, int]

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class LineList(list[Any]):
    """A sequence that knows its own line and the line of each item (1-based)."""

    line: int = 0
    item_lines: list[int]

    def line_of(self, index: int) -> int:
        return self.item_lines[index] if index < len(self.item_lines) else self.line


_BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _LineLoader(_BaseLoader):  # type: ignore[valid-type,misc]
    """SafeLoader that returns LineDict/LineList and refuses duplicate keys.

    LibYAML's parser (CSafeLoader) where PyYAML was built with it: the same safe constructors,
    the same marks, parsed several times faster, which every xdist worker pays at collection.
    """

    def _loc(self, mark: yaml.Mark) -> Loc:
        return Loc(mark.line + 1, Path(self.name))

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> LineDict:
        mapping = LineDict()
        mapping.line = self._loc(node.start_mark)
        mapping.key_lines = {}
        own = sum(1 for key_node, _ in node.value if key_node.tag != "tag:yaml.org,2002:merge")
        self.flatten_mapping(node)  # merged (<<) pairs now come first; the mapping's own keys override them
        merged = len(node.value) - own
        own_keys: set[str] = set()
        for index, (key_node, value_node) in enumerate(node.value):
            key = self.construct_object(key_node, deep=True)
            if not isinstance(key, str):
                key = str(key)
            if index >= merged:
                if key in own_keys:
                    raise SpecError(
                        self.name,
                        key_node.start_mark.line + 1,
                        f"duplicate key {key!r} (first at line {mapping.key_lines[key]})",
                        "each key may appear once in a mapping; merge the two entries",
                    )
                own_keys.add(key)
            mapping[key] = self.construct_object(value_node, deep=True)
            mapping.key_lines[key] = self._loc(key_node.start_mark)
        return mapping

    def construct_sequence(self, node: yaml.SequenceNode, deep: bool = False) -> LineList:
        items = LineList(self.construct_object(child, deep=True) for child in node.value)
        items.line = self._loc(node.start_mark)
        items.item_lines = [self._loc(child.start_mark) for child in node.value]
        return items


_LineLoader.add_constructor("tag:yaml.org,2002:map", _LineLoader.construct_mapping)
_LineLoader.add_constructor("tag:yaml.org,2002:seq", _LineLoader.construct_sequence)


def load_spec_yaml(path: Path) -> Any:
    """Parse one spec file; any YAML problem becomes a SpecError naming file and line."""
    text = path.read_text(encoding="utf-8")
    loader = _LineLoader(text)
    loader.name = str(path)
    try:
        return loader.get_single_data()
    except yaml.constructor.ConstructorError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        tag = exc.problem or "unknown tag"
        raise SpecError(
            path,
            line,
            f"refused YAML tag: {tag}",
            "spec files hold plain data only (mappings, lists, strings, numbers, booleans); "
            "Python object tags are never loaded",
        ) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise SpecError(path, line, f"YAML syntax error: {exc.problem or exc}") from None
    except yaml.YAMLError as exc:
        raise SpecError(path, None, f"YAML error: {exc}") from None
    finally:
        loader.dispose()
