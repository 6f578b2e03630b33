"""Makes MinimalRNNCell nameable in spec files, with its NumPy reference.

Run the example with ``cd examples/custom_cell && pytest``.
"""

from __future__ import annotations

from minimal_rnn import MinimalRNNCell, minimal_rnn_reference

from rnnspec.registry import LayerRegistry


def pytest_rnnspec_register_layers(registry: LayerRegistry) -> None:
    registry.register(MinimalRNNCell, reference=minimal_rnn_reference)
