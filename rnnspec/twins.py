"""Twins: copies of a case's layer with the same seeded weights, for relations between calls.

A twin is the case's resolved node with some of the layer's arguments changed
(:func:`rnnspec.layerargs.with_args`: by argument, wherever the node takes it, never by axis
name), built with the case's weights and called on the case's inputs or others. Calls of
stateless layers outside training go through the session's memo (rnnspec/calls.py): a twin
that is another case of the same file costs nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from rnnspec.building import build_layer, call_kwargs
from rnnspec.calls import CallMemo, call_key, is_stateful, layer_key
from rnnspec.devices import on_device
from rnnspec.inputs import CallInputs
from rnnspec.kerasapi import to_numpy
from rnnspec.layerargs import with_args
from rnnspec.registry import LayerRegistry

if TYPE_CHECKING:
    from rnnspec.spec import Case


class Twin:
    """Copies of the case's layer with the same seeded weights, for relations between calls."""

    def __init__(
        self,
        case: Case,
        registry: LayerRegistry,
        device: str,
        inputs: CallInputs,
        layer: Any = None,
        memo: CallMemo | None = None,
    ) -> None:
        self.case, self.registry, self.device, self.inputs = case, registry, device, inputs
        self.layer = layer  # the case's own layer, already called once
        self.memo = memo if memo is not None else CallMemo()

    def node(self, overrides: Mapping[str, Any]) -> dict[str, Any]:
        """The case's resolved node with the layer's arguments ``overrides`` changed."""
        return with_args(self.case.node, overrides, self.case.missing_args)

    def build(
        self,
        overrides: Mapping[str, Any],
        node: Mapping[str, Any] | None = None,
        weights: list[np.ndarray] | None = None,
        shape: tuple[int, ...] | None = None,
    ) -> Any:
        """A freshly built twin, never shared: for relations about state kept between calls."""
        node = node if node is not None else self.node(overrides)
        with on_device(self.device):
            layer = build_layer(node, self.registry)
            layer.build(shape or self.inputs.x.shape)
            layer.set_weights(self.inputs.weights if weights is None else weights)
        return layer

    def call_layer(
        self,
        layer: Any,
        x: np.ndarray,
        mask: np.ndarray | None = None,
        initial_state: Any = None,
        training: bool = False,
    ) -> Any:
        kwargs = {"training": training, **call_kwargs(mask, initial_state)}
        with on_device(self.device):
            return to_numpy(layer(x, **kwargs))

    def run(
        self,
        node: Mapping[str, Any],
        x: np.ndarray,
        mask: np.ndarray | None,
        initial_state: Any,
        training: bool = False,
        weights: list[np.ndarray] | None = None,
    ) -> Any:
        """``node`` built with ``weights`` and called: shared through the memo where that is sound."""
        weights = self.inputs.weights if weights is None else weights
        if is_stateful(node):
            return self.call_layer(self.build({}, node, weights, x.shape), x, mask, initial_state, training)
        key = layer_key(node, self.device, weights)
        layer = self.memo.layer(key, lambda: self.build({}, node, weights, x.shape))
        if training:
            return self.call_layer(layer, x, mask, initial_state, training=True)
        return self.memo.result(
            call_key(key, x, mask, initial_state), lambda: self.call_layer(layer, x, mask, initial_state)
        )

    _KEEP: Any = object()

    def call(
        self,
        overrides: Mapping[str, Any],
        x: np.ndarray | None = None,
        mask: Any = _KEEP,
        initial_state: Any = _KEEP,
        training: bool = False,
        batch_row: int | None = None,
    ) -> Any:
        """A twin with some of the layer's arguments changed, called on the case's inputs or others."""
        x = self.inputs.x if x is None else x
        mask = self.inputs.mask if mask is self._KEEP else mask
        states = self.inputs.initial_state if initial_state is self._KEEP else initial_state
        if batch_row is not None and states is not None:
            states = _rows(states, batch_row)
        return self.run(self.node(overrides), x, mask, states, training)

    def own_layer(self) -> Any:
        """The layer that made the case's call, for relations about that very layer."""
        if self.layer is None:
            raise TypeError("this relation needs the case's own layer, which the runner did not provide")
        return self.layer

    def call_again(self, training: bool = False) -> Any:
        """The case's own layer called a second time on the same inputs: a real call, never shared."""
        return self.call_layer(self.own_layer(), self.inputs.x, self.inputs.mask, self.inputs.initial_state, training)

    def _forward_weight_count(self) -> int:
        """How many of the wrapper's weight arrays are the forward layer's (Keras lists them
        first). Half without a backward_layer; with one, the two may differ (other units, use_bias)."""
        if "backward_layer" not in self.case.node:
            return len(self.inputs.weights) // 2
        return len(self.own_layer().forward_layer.weights)

    def bidi_directions(self) -> tuple[Any, Any]:
        """The two directions of a Bidirectional case built as plain layers, each with its weights.

        The forward one is the wrapped ``layer`` (``go_backwards=False``), the backward one the
        node's ``backward_layer`` as given, or else the wrapped layer with ``go_backwards=True``.
        Only their states are compared, and Keras documents states as independent of
        ``return_sequences`` and of the wrapper's ``merge_mode``: both directions are built with
        ``return_state=True`` and ``return_sequences=False`` whatever the case says, so that the
        cases of one file that differ only in those share the two twins (and their calls) through
        the memo. Where a backend picks its kernel by ``return_sequences`` (cuDNN on GPU), a case
        with ``return_sequences=True`` is thus compared across kernels, within the table's
        tolerance for the device.
        """
        node = self.case.node
        inner = dict(node["layer"])
        own_backward = node.get("backward_layer")
        split = self._forward_weight_count()
        states = self.inputs.initial_state
        n_states = len(states) // 2 if states is not None else 0
        forward_args = {"go_backwards": False}
        backward_inner, backward_args = (
            (dict(own_backward), {}) if own_backward is not None else (inner, {"go_backwards": True})
        )
        directions = (
            (inner, forward_args, self.inputs.weights[:split], None if states is None else states[:n_states]),
            (backward_inner, backward_args, self.inputs.weights[split:], None if states is None else states[n_states:]),
        )
        results = []
        for layer_node, direction, weights, initial in directions:
            args = {**layer_node["args"], **direction, "return_state": True, "return_sequences": False}
            twin_node = {**layer_node, "args": args}
            results.append(self.run(twin_node, self.inputs.x, self.inputs.mask, initial, weights=weights))
        return results[0], results[1]


def _rows(states: Any, row: int) -> Any:
    if isinstance(states, list):
        return [_rows(s, row) for s in states]
    return states[row : row + 1]
