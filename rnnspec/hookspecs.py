"""Hooks that a conftest.py or another plugin implements to extend rnnspec.

Named with the ``pytest_`` prefix because pytest only takes hook implementations so named.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:  # importing the registry imports Keras, which pytest -n's controller never needs
    from rnnspec.record import CaseRecord
    from rnnspec.registry import LayerRegistry


@pytest.hookspec
def pytest_rnnspec_register_layers(registry: LayerRegistry) -> None:
    """Register custom layers or cells (and optionally their NumPy reference).

    Call ``registry.register(MyCell)`` or ``registry.register(MyLayer, reference=fn)``;
    the class may then be named in spec files exactly like a keras.layers class.
    """


@pytest.hookspec
def pytest_rnnspec_terminal_summary(terminalreporter: pytest.TerminalReporter, records: list[CaseRecord]) -> None:
    """Write lines under the ``rnnspec`` section of the terminal summary.

    Called after the counts per title and device, only when the run has cases or spec
    errors. rnnspec's own features use it (depth, baseline, reports: in that order, by
    ``tryfirst``/``trylast``); ``records`` are the run's case records (rnnspec/record.py).
    """
