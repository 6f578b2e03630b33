"""Hooks that a conftest.py or another plugin implements to extend rnnspec.

Named with the ``pytest_`` prefix because pytest only takes hook implementations so named.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:  # importing the registry imports Keras, which pytest -n's controller never needs
    from rnnspec.registry import LayerRegistry


@pytest.hookspec
def pytest_rnnspec_register_layers(registry: LayerRegistry) -> None:
    """Register custom layers or cells (and optionally their NumPy reference).

    Call ``registry.register(MyCell)`` or ``registry.register(MyLayer, reference=fn)``;
    the class may then be named in spec files exactly like a keras.layers class.
    """
