"""Independent NumPy reference for what Keras 3 recurrent layers return.

The oracle re-derives every number from the published equations in float64,
so a disagreement with Keras points at Keras (or at a misread spec), never at
shared code. Nothing in this package imports keras or tensorflow (a test checks it).

The layout follows the ONNX recurrent-op test helpers, one module per part:

* ``activations``: the activations a table may name (:data:`ACTIVATIONS`);
* ``args``: Keras defaults, ignored and refused arguments, weights in ``get_weights`` order;
* ``cells``: one ``step()`` per cell (SimpleRNN, LSTM, GRU) and stacked cells;
* ``conv``: the ConvLSTM cell and its convolution;
* ``loop``: the scan over time (masks, ``go_backwards``);
* ``layers``: a layer or cell node to a plan; ``bidirectional``: the wrapper;
* ``dispatch``: the class table (class name -> builder) and the one walk over a node.

Where Keras itself is inconsistent the oracle follows the default path:
``unroll`` is ignored, although Keras' unrolled loop zeroes the outputs of
``go_backwards`` + ``zero_output_for_mask`` with the unreversed mask; and
Keras raises on ``RNN([one_cell])`` called with a mask, which the oracle
computes anyway. ``RNN`` over a list of cells returns one *list* of states per
cell, also for a one-cell list (Keras returns a single-state cell's state bare
when the caller passed it bare in ``initial_state``; the oracle always answers
with lists, i.e. what Keras does for per-cell list initial states).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from rnnspec.reference.activations import ACTIVATIONS, Array
from rnnspec.reference.dispatch import BUILDERS, plan
from rnnspec.reference.loop import Layer, finish

__all__ = ["ACTIVATIONS", "BUILDERS", "reference_call"]


def _flatten(states: Sequence[Any]) -> list[Array]:
    """Accept per-cell nested state lists too; the oracle works on a flat list."""
    flat: list[Array] = []
    for s in states:
        if isinstance(s, (list, tuple)):
            flat.extend(_flatten(s))
        else:
            flat.append(np.asarray(s, dtype=np.float64))
    return flat


def reference_call(
    node: dict[str, Any],
    weights: list[np.ndarray],
    inputs: np.ndarray,
    *,
    mask: np.ndarray | None = None,
    initial_state: list[np.ndarray] | None = None,
) -> object:
    """What Keras 3.15 (TensorFlow backend) returns for ``layer(inputs, ...)``.

    Args:
        node: the layer as plain data (``{"class", "args"}`` plus ``"cell"``
            for ``RNN`` or ``"layer"`` (and optionally ``"backward_layer"``)
            for ``Bidirectional``).
        weights: arrays in ``layer.get_weights()`` order.
        inputs: (B, T, F), or (B, T, *spatial, C) for ConvLSTM.
        mask: optional (B, T) boolean mask.
        initial_state: optional flat list of states as a Keras user passes
            them (forward then backward for ``Bidirectional``).

    Returns:
        A float64 array, or a tuple ``(output, *states)`` when
        ``return_state``; ``RNN`` over a list of cells gives one list of
        states per cell; ``Bidirectional(merge_mode=None)`` puts both
        outputs first.
    """
    x = np.asarray(inputs, dtype=np.float64)
    keep = None if mask is None else np.asarray(mask, dtype=bool)
    if keep is not None and keep.shape != x.shape[:2]:
        raise ValueError(f"mask shape {keep.shape} != (batch, time) {x.shape[:2]}")
    init = None if initial_state is None else _flatten(initial_state)
    top = plan(node)
    if top.kind == "cell":
        raise NotImplementedError(f"unsupported layer class: {top.name!r} (a cell needs RNN(cell=...))")
    weight_iter = iter(weights)
    built = top.make(weight_iter)
    if isinstance(built, Layer):
        output, states = built(x, keep, init)
        result = finish(output, states, bool(built.loop["return_state"]))
    else:
        result = built(x, keep, init)
    if next(weight_iter, None) is not None:
        raise ValueError("more weight arrays than the layer uses")
    return result
