"""The class table: class name -> builder, and the one walk that turns a node into a plan.

A layer node becomes a :class:`~rnnspec.reference.layers.Plan` by one bottom-up walk
(:func:`rnnspec.nodes.fold`): each node's builder is looked up by class in :data:`BUILDERS`
(a class that is not there raises NotImplementedError, and the case says "no reference")
and receives its children's plans. A new layer or cell is one line here and a builder.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any

from rnnspec.nodes import fold
from rnnspec.reference.bidirectional import bidirectional
from rnnspec.reference.cells import DENSE_KINDS
from rnnspec.reference.layers import Builder, Plan, conv_lstm, dense_cell_plan, dense_layer, rnn

BUILDERS: dict[str, Builder] = {
    **{kind: partial(dense_layer, kind) for kind in DENSE_KINDS},
    **{f"{kind}Cell": partial(dense_cell_plan, kind) for kind in DENSE_KINDS},
    "ConvLSTM1D": partial(conv_lstm, 1),
    "ConvLSTM2D": partial(conv_lstm, 2),
    "ConvLSTM3D": partial(conv_lstm, 3),
    "RNN": rnn,
    "Bidirectional": bidirectional,
}


def plan(node: Mapping[str, Any]) -> Plan:
    """The node's plan; raises NotImplementedError for a class the reference does not compute."""

    def visit(node: Mapping[str, Any], kids: dict[str, Any]) -> Plan:
        builder = BUILDERS.get(str(node.get("class")))
        if builder is None:
            raise NotImplementedError(f"unsupported layer class: {node.get('class')!r}")
        return builder(node, kids)

    result: Plan = fold(node, visit)
    return result
