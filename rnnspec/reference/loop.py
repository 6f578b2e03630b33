"""The scan over time: masks, ``go_backwards``, and the shape of what a layer returns.

Keras behaviours reproduced on purpose (``keras/src/backend/tensorflow/rnn.py``):
``go_backwards`` reverses the inputs *and* the mask, and the returned sequence stays in
processing order (reversed time). A masked step keeps the previous states; its output is the
previous step's *output* (zeros before the first step, even when an initial state was
given) or zeros when ``zero_output_for_mask`` is true. The output of
``return_sequences=False`` is the last processed step after this masking.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from rnnspec.reference.activations import Array
from rnnspec.reference.cells import Cell


def _where(keep: NDArray[np.bool_], new: Array, old: Array) -> Array:
    """Per-sample select: ``keep`` is (B,), arrays are (B, ...)."""
    return np.where(keep.reshape((-1,) + (1,) * (new.ndim - 1)), new, old)


def scan(
    cell: Cell,
    inputs: Array,
    states: list[Array],
    mask: NDArray[np.bool_] | None,
    go_backwards: bool,
    zero_output_for_mask: bool,
) -> tuple[Array, list[Array]]:
    """Run ``cell`` over time like Keras' TensorFlow ``backend.rnn``.

    Returns the outputs stacked in processing order (B, T, ...) and the
    final flat states.
    """
    if go_backwards:
        inputs = np.flip(inputs, axis=1)
        mask = None if mask is None else np.flip(mask, axis=1)
    prev_output: Array | None = None
    outputs = []
    for t in range(inputs.shape[1]):
        output, new_states = cell.step(inputs[:, t], states)
        if mask is not None:
            keep = mask[:, t]
            if prev_output is None or zero_output_for_mask:
                prev_output = np.zeros_like(output)
            output = _where(keep, output, prev_output)
            new_states = [_where(keep, n, s) for n, s in zip(new_states, states, strict=True)]
        prev_output, states = output, new_states
        outputs.append(output)
    return np.stack(outputs, axis=1), states


def finish(output: Array, states: list[Any], return_state: bool) -> object:
    """Keras shape of the result: ``output`` or ``(output, *states)``."""
    return (output, *states) if return_state else output


@dataclass
class Layer:
    """A built recurrent layer: its cell and its loop args (rnnspec/reference/args.py)."""

    cell: Cell
    loop: dict[str, Any]

    def __call__(
        self,
        inputs: Array,
        mask: NDArray[np.bool_] | None,
        initial_state: list[Array] | None,
    ) -> tuple[Array, list[Any]]:
        """(sequence or last output, packed final states)."""
        return run_layer(self.cell, self.loop, inputs, mask, initial_state)


def run_layer(
    cell: Cell,
    loop: Mapping[str, Any],
    inputs: Array,
    mask: NDArray[np.bool_] | None,
    initial_state: list[Array] | None,
) -> tuple[Array, list[Any]]:
    """One recurrent layer: (sequence or last output, packed final states)."""
    if initial_state is None:
        states = cell.zero_states(inputs[:, 0])
    else:
        if len(initial_state) != cell.n_states:
            raise ValueError(f"expected {cell.n_states} initial state arrays, got {len(initial_state)}")
        states = [np.asarray(s, dtype=np.float64) for s in initial_state]
    sequence, final = scan(
        cell,
        inputs,
        states,
        mask,
        bool(loop["go_backwards"]),
        bool(loop["zero_output_for_mask"]),
    )
    output = sequence if loop["return_sequences"] else sequence[:, -1]
    return output, cell.pack_states(final)
