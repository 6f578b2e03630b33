"""contract.md shows each case's largest reference error as a power-of-ten bound that reads the
same on every run and every CPU: never finer than the floor of the dtype the case computes in."""

from __future__ import annotations

import pytest

from rnnspec.reports import error_bound


@pytest.mark.parametrize(
    ("error", "dtype", "shown"),
    [
        (None, "float32", "-"),
        (3e-8, "float32", "<1e-6"),
        (2e-6, "float32", "<1e-5"),
        (4e-3, "float16", "<1e-2"),
        # bfloat16: 4.4e-3 on one CPU, 2e-2 or 6e-4 on another, for the same case
        (6e-4, "bfloat16", "<1e-1"),
        (4.4e-3, "bfloat16", "<1e-1"),
        (2e-2, "bfloat16", "<1e-1"),
        (0.3, "bfloat16", "<1e0"),  # over the tolerance: shown as it is, the case fails anyway
    ],
)
def test_error_bounds_never_finer_than_the_dtype_floor(error: float | None, dtype: str, shown: str) -> None:
    assert error_bound(error, dtype) == shown
