"""The mask kinds of rnnspec/masks.py: what each row of each kind looks like."""

from __future__ import annotations

import numpy as np
import pytest

from rnnspec.masks import MASK_VALUES, make_mask


def test_none_is_no_mask() -> None:
    assert make_mask("none", 2, 5) is None


@pytest.mark.parametrize(
    ("kind", "rows"),
    [
        ("right", [[1, 1, 1, 1, 1], [1, 1, 1, 0, 0], [1, 0, 0, 0, 0], [1, 0, 0, 0, 0]]),
        ("left", [[1, 1, 1, 1, 1], [0, 0, 1, 1, 1], [0, 0, 0, 0, 1], [0, 0, 0, 0, 1]]),
        ("holes", [[1, 1, 1, 1, 1], [1, 0, 1, 0, 1], [1, 0, 1, 0, 1], [1, 0, 1, 0, 1]]),
    ],
)
def test_rows_of_each_kind(kind: str, rows: list[list[int]]) -> None:
    mask = make_mask(kind, 4, 5)
    assert mask is not None
    assert mask.dtype == np.bool_
    assert mask.astype(int).tolist() == rows


@pytest.mark.parametrize("steps", [3, 4, 5, 6, 7])
def test_holes_lie_between_valid_steps(steps: int) -> None:
    """Every masked step of a holes mask has a valid step before and after it: no padding."""
    mask = make_mask("holes", 3, steps)
    assert mask is not None
    assert mask[0].all()
    assert mask[:, 0].all()
    assert mask[:, -1].all()
    assert not mask[1:].all(), "a holes mask with no hole"
    for b, t in zip(*np.nonzero(~mask), strict=True):
        assert mask[b, :t].any()
        assert mask[b, t + 1 :].any()


def test_holes_differ_from_padding() -> None:
    """No row of a holes mask is a prefix or a suffix of valid steps (what padding makes)."""
    mask = make_mask("holes", 2, 5)
    assert mask is not None
    for kind in ("right", "left"):
        padded = make_mask(kind, 2, 5)
        assert padded is not None
        assert not np.array_equal(mask[1], padded[1])


def test_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="not one of none, right, left, holes"):
        make_mask("middle", 2, 5)
    assert set(MASK_VALUES) == {"none", "right", "left", "holes"}
