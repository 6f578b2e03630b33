"""Builders for the recurrent layers and cells: a node (and its children's plans) to a
:class:`Plan` that, given the weights, makes a cell or a layer.

The class table that picks a builder by class name, and the walk that calls them, are in
rnnspec/reference/dispatch.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from rnnspec.reference.activations import Array
from rnnspec.reference.args import LOOP_DEFAULTS, resolve_args, split_args
from rnnspec.reference.cells import DENSE_KINDS, Cell, StackedCells, dense_cell
from rnnspec.reference.conv import conv_lstm_cell
from rnnspec.reference.loop import Layer

Weights = Iterator[Array]


@dataclass(frozen=True)
class Plan:
    """What a node becomes once it is given weights: a cell, a layer, or a wrapper.

    Plans are made before any weight is read, so that a node's own arguments are checked
    first; ``make`` then consumes the weights in ``get_weights()`` order.
    """

    kind: Literal["cell", "layer", "wrapper"]
    make: Callable[[Weights], Any]
    name: str


Builder = Callable[[Mapping[str, Any], dict[str, Any]], Plan]


def dense_layer(kind: str, node: Mapping[str, Any], kids: dict[str, Any]) -> Plan:
    def make(weights: Weights) -> Layer:
        cell_args, loop = split_args(kind, node.get("args", {}), DENSE_KINDS[kind].defaults)
        return Layer(dense_cell(kind, cell_args, weights), loop)

    return Plan("layer", make, kind)


def dense_cell_plan(kind: str, node: Mapping[str, Any], kids: dict[str, Any]) -> Plan:
    name = f"{kind}Cell"

    def make(weights: Weights) -> Cell:
        return dense_cell(kind, resolve_args(name, node.get("args", {}), DENSE_KINDS[kind].defaults), weights)

    return Plan("cell", make, name)


def conv_lstm(rank: int, node: Mapping[str, Any], kids: dict[str, Any]) -> Plan:
    def make(weights: Weights) -> Layer:
        cell, loop = conv_lstm_cell(rank, node.get("args", {}), weights)
        return Layer(cell, loop)

    return Plan("layer", make, f"ConvLSTM{rank}D")


def rnn(node: Mapping[str, Any], kids: dict[str, Any]) -> Plan:
    """``RNN(cell)`` or ``RNN([cells])`` (stacked, states per cell)."""
    cell = kids.get("cell")
    if cell is None or not isinstance(node.get("cell"), (list, Mapping)):
        raise TypeError("RNN node needs a 'cell' dict or list of dicts")
    for plan in cell if isinstance(cell, list) else [cell]:
        if plan.kind != "cell":
            raise NotImplementedError(f"unsupported RNN cell class: {plan.name!r}")

    def make(weights: Weights) -> Layer:
        loop = resolve_args("RNN", node.get("args", {}), LOOP_DEFAULTS)
        if isinstance(cell, list):
            return Layer(StackedCells([plan.make(weights) for plan in cell]), loop)
        return Layer(cell.make(weights), loop)

    return Plan("layer", make, "RNN")
