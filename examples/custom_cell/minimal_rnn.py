"""A custom recurrent cell and its NumPy reference, checked by spec/minimal_rnn.yaml.

``MinimalRNNCell`` is the cell from the Keras RNN guide, with a tanh:
``h = tanh(x @ W + h_prev @ U)``, one state of size ``units``. ``minimal_rnn_reference``
computes what ``keras.layers.RNN(MinimalRNNCell(...))`` returns, in float64, from the same
weights (``layer.get_weights()`` order: kernel W, recurrent kernel U).
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np


class MinimalRNNCell(keras.layers.Layer):
    def __init__(self, units: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.units = units
        self.state_size = units

    def build(self, input_shape: tuple[int, ...]) -> None:
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units), initializer="uniform", name="kernel")
        self.recurrent_kernel = self.add_weight(
            shape=(self.units, self.units), initializer="uniform", name="recurrent_kernel"
        )

    def call(self, inputs: Any, states: Any) -> tuple[Any, list[Any]]:
        h = keras.ops.tanh(keras.ops.matmul(inputs, self.kernel) + keras.ops.matmul(states[0], self.recurrent_kernel))
        return h, [h]

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "units": self.units}


def minimal_rnn_reference(
    node: dict[str, Any],
    weights: list[np.ndarray],
    inputs: np.ndarray,
    *,
    mask: np.ndarray | None = None,
    initial_state: list[np.ndarray] | None = None,
) -> Any:
    """What ``RNN(cell=MinimalRNNCell(units), ...)`` returns: the output, then h with
    ``return_state``; the sequence is in processing order (also with ``go_backwards``)."""
    if mask is not None:
        raise NotImplementedError("MinimalRNNCell reference: masks")
    args = node["args"]
    kernel, recurrent = (np.asarray(w, dtype=np.float64) for w in weights)
    x = np.asarray(inputs, dtype=np.float64)
    steps = x[:, ::-1] if args.get("go_backwards") else x
    h = (
        np.zeros((x.shape[0], recurrent.shape[0]))
        if initial_state is None
        else np.asarray(initial_state[0], dtype=np.float64)
    )
    outputs = []
    for t in range(steps.shape[1]):
        h = np.tanh(steps[:, t] @ kernel + h @ recurrent)
        outputs.append(h)
    output = np.stack(outputs, axis=1) if args.get("return_sequences") else h
    return (output, h) if args.get("return_state") else output
