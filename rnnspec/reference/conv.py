"""ConvLSTM1D/2D/3D: the LSTM gates with convolutions, and the convolution itself.

Only what Keras's defaults and the tables use: stride 1, dilation 1, channels_last, TF's
'valid' and 'same' padding. Anything else raises NotImplementedError (the case then says
"no reference" instead of comparing with a guess).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from rnnspec.reference.activations import Activation, Array, activation
from rnnspec.reference.args import REQUIRED, dense_weights, split_args
from rnnspec.reference.cells import Cell, lstm_gates

CONV_DEFAULTS: dict[str, Any] = {
    "filters": REQUIRED,
    "kernel_size": REQUIRED,
    "strides": 1,
    "padding": "valid",
    "data_format": None,
    "dilation_rate": 1,
    "activation": "tanh",
    "recurrent_activation": "sigmoid",
    "use_bias": True,
}


def conv(x: Array, w: Array, padding: str) -> Array:
    """Stride-1 channels-last cross-correlation, TF 'valid'/'same' padding.

    x: (B, *spatial, Cin); w: (*kernel, Cin, Cout). 'same' pads
    ``(k - 1) // 2`` before and the rest after, as TensorFlow does.
    """
    rank = w.ndim - 2
    ksize = w.shape[:rank]
    if padding == "same":
        pads = [(0, 0)] + [((k - 1) // 2, k - 1 - (k - 1) // 2) for k in ksize]
        x = np.pad(x, [*pads, (0, 0)])
    windows = sliding_window_view(x, ksize, axis=tuple(range(1, rank + 1)))
    spatial, kernel = "pqr"[:rank], "klm"[:rank]
    spec = f"b{spatial}c{kernel},{kernel}co->b{spatial}o"
    out: Array = np.einsum(spec, windows, w)
    return out


@dataclass
class ConvLSTMCell:
    """ConvLSTM: LSTM gates with convolutions; states [h, c] are images.

    The input convolution uses the layer's padding; the recurrent one always
    uses 'same' so the state keeps its spatial shape.
    """

    kernel: Array
    recurrent_kernel: Array
    bias: Array | None
    activation: Activation
    recurrent_activation: Activation
    padding: str
    n_states: int = 2

    def zero_states(self, x0: Array) -> list[Array]:
        gates = conv(x0, self.kernel, self.padding)  # 4 * filters channels
        shape = (*gates.shape[:-1], self.recurrent_kernel.shape[-2])
        return [np.zeros(shape), np.zeros(shape)]

    def step(self, x: Array, states: list[Array]) -> tuple[Array, list[Array]]:
        h_prev, c_prev = states
        z = conv(x, self.kernel, self.padding)
        z = z + conv(h_prev, self.recurrent_kernel, "same")
        if self.bias is not None:
            z = z + self.bias
        h, c = lstm_gates(z, c_prev, self.activation, self.recurrent_activation)
        return h, [h, c]

    def pack_states(self, states: list[Array]) -> list[Any]:
        return list(states)


def _check_conv_shapes(
    what: str, rank: int, args: Mapping[str, Any], kernel: Array, recurrent: Array, bias: Array | None
) -> None:
    """kernel (*k, Cin, 4F), recurrent_kernel (*k, F, 4F), bias (4F,), as Keras builds them."""
    ksize = tuple(np.broadcast_to(np.asarray(args["kernel_size"]), (rank,)).tolist())
    filters = int(args["filters"])
    if kernel.shape[:rank] != ksize or kernel.shape[rank + 1 :] != (4 * filters,):
        raise ValueError(f"{what}: kernel shape {kernel.shape} for kernel_size={ksize}, filters={filters}")
    if recurrent.shape != (*ksize, filters, 4 * filters):
        raise ValueError(f"{what}: recurrent_kernel shape {recurrent.shape}")
    if bias is not None and bias.shape != (4 * filters,):
        raise ValueError(f"{what}: bias shape {bias.shape}")


def conv_lstm_cell(rank: int, given: Mapping[str, Any], weights: Iterator[Array]) -> tuple[Cell, dict[str, Any]]:
    """Build a ConvLSTM cell and its loop args; only stride 1, dilation 1, channels_last."""
    what = f"ConvLSTM{rank}D"
    cell_args, loop_args = split_args(what, given, CONV_DEFAULTS)
    for name in ("strides", "dilation_rate"):
        if set(np.atleast_1d(cell_args[name]).tolist()) != {1}:
            raise NotImplementedError(f"{what}: {name}={cell_args[name]!r}")
    if cell_args["data_format"] not in (None, "channels_last"):
        raise NotImplementedError(f"{what}: data_format={cell_args['data_format']!r}")
    padding = str(cell_args["padding"]).lower()
    if padding not in ("valid", "same"):
        raise NotImplementedError(f"{what}: padding={padding!r}")
    kernel, recurrent, bias = dense_weights(weights, bool(cell_args["use_bias"]), what)
    _check_conv_shapes(what, rank, cell_args, kernel, recurrent, bias)
    cell = ConvLSTMCell(
        kernel,
        recurrent,
        bias,
        activation(cell_args["activation"]),
        activation(cell_args["recurrent_activation"]),
        padding,
    )
    return cell, loop_args
