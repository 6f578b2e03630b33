"""The markers a case carries, so that users select cases by what they are, not by id text.

``-m "lstm and mask"`` selects LSTM cases with a mask; ``-m state`` the cases that return
their state. Marker expressions match names exactly, where ``-k`` matches substrings of the
id: ``-k state`` also matches ``stateful`` and ``initial_state``, and ``-k "mask=right"`` is
a syntax error (``=`` is not allowed in ``-k``/``-m`` expressions). Ids are kept as they are:
they are keys in baselines, results.json and the committed matrix records.

A case carries:

- its table family, the spec file's name without ``.yaml`` (``lstm``, ``gru``, ``conv_lstm2d``);
- per axis whose value is not its default, as its id spells it (``ID_NAMES``): a switched-on
  boolean by its short name (``seq``, ``state``, ``backwards``, ``stateful``,
  ``initial_state``); any other value as ``<axis>_<value>`` (``mask_right``,
  ``dtype_mixed_float16``), and the axis alone unless the value is none or false (``mask`` for
  any mask). Only what the id names: a marker is also a ``-k`` keyword, and a keyword the id
  lacks would change what existing ``-k`` expressions select (``-k "not merge_mode"`` would
  drop every case that has a ``merge_mode_concat`` keyword).

Nothing here imports Keras: it reads the compiled table only.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from rnnspec.case import ID_NAMES, value_text

_NOT_A_NAME = re.compile(r"[^0-9a-zA-Z_]+")


def marker_name(text: str) -> str:
    """TEXT as a marker name ``-m`` and ``-k`` accept: letters, digits and underscores."""
    return _NOT_A_NAME.sub("_", text).strip("_").lower()


def family(file_name: str) -> str:
    """``lstm.yaml`` -> ``lstm``: the table family a case belongs to."""
    return marker_name(file_name.rsplit(".", 1)[0])


def axis_markers(values: Mapping[str, Any], varied: tuple[str, ...], defaults: Mapping[str, Any]) -> Iterator[str]:
    """The markers of a combination's axis values: those its id names (``case_flags``), so
    that the keywords they add match no ``-k`` expression the id did not match already."""
    for axis in varied:
        value = values[axis]
        default = defaults.get(axis)
        if value == default and type(value) is type(default):
            continue  # the id leaves defaults out; so do the markers
        short = ID_NAMES.get(axis, axis)
        if value is True and default is False:
            yield marker_name(short)
            continue
        yield marker_name(f"{short}_{value_text(value)}")
        if value is not None and value is not False and value_text(value) != "none":
            yield marker_name(short)


def case_markers(
    file_name: str, values: Mapping[str, Any], varied: tuple[str, ...], defaults: Mapping[str, Any]
) -> list[str]:
    """Every marker of one case, without repeats, family first."""
    names = [family(file_name), *axis_markers(values, varied, defaults)]
    return list(dict.fromkeys(n for n in names if n))


def describe(name: str) -> str:
    """The line ``pytest --markers`` shows for a marker rnnspec registers."""
    return f"{name}: rnnspec cases of this table family or axis value (rnnspec/markers.py)"
