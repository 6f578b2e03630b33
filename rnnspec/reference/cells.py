"""The dense recurrent cells, one ``step()`` each (SimpleRNN, LSTM, GRU), and stacked cells.

As in ONNX's recurrent-op test helpers, a cell knows one time step and its states; the
loop over time (rnnspec/reference/loop.py) knows nothing about gates. Keras's gate order
differs from ONNX's: LSTM i, f, c, o; GRU z, r, h (with ``reset_after``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from rnnspec.reference.activations import Activation, Array, activation
from rnnspec.reference.args import REQUIRED, dense_weights


class Cell(Protocol):
    """What the time loop needs from a cell (states are a flat list)."""

    @property
    def n_states(self) -> int: ...

    def zero_states(self, x0: Array) -> list[Array]: ...

    def step(self, x: Array, states: list[Array]) -> tuple[Array, list[Array]]: ...

    def pack_states(self, states: list[Array]) -> list[Any]: ...


@dataclass
class SimpleRNNCell:
    """``h = act(x W + h_prev U + b)``."""

    kernel: Array
    recurrent_kernel: Array
    bias: Array | None
    activation: Activation
    n_states: int = 1

    def zero_states(self, x0: Array) -> list[Array]:
        return [np.zeros((x0.shape[0], self.recurrent_kernel.shape[0]))]

    def step(self, x: Array, states: list[Array]) -> tuple[Array, list[Array]]:
        z = x @ self.kernel + states[0] @ self.recurrent_kernel
        if self.bias is not None:
            z = z + self.bias
        h = self.activation(z)
        return h, [h]

    def pack_states(self, states: list[Array]) -> list[Any]:
        return list(states)


def lstm_gates(z: Array, c_prev: Array, activation: Activation, recurrent: Activation) -> tuple[Array, Array]:
    """Shared LSTM update from pre-activations ordered i, f, c, o (ConvLSTM uses it too)."""
    zi, zf, zc, zo = np.split(z, 4, axis=-1)
    c = recurrent(zf) * c_prev + recurrent(zi) * activation(zc)
    h = recurrent(zo) * activation(c)
    return h, c


@dataclass
class LSTMCell:
    """Keras LSTM, gate order i, f, c, o; states [h, c]."""

    kernel: Array
    recurrent_kernel: Array
    bias: Array | None
    activation: Activation
    recurrent_activation: Activation
    n_states: int = 2

    def zero_states(self, x0: Array) -> list[Array]:
        shape = (x0.shape[0], self.recurrent_kernel.shape[0])
        return [np.zeros(shape), np.zeros(shape)]

    def step(self, x: Array, states: list[Array]) -> tuple[Array, list[Array]]:
        h_prev, c_prev = states
        z = x @ self.kernel + h_prev @ self.recurrent_kernel
        if self.bias is not None:
            z = z + self.bias
        h, c = lstm_gates(z, c_prev, self.activation, self.recurrent_activation)
        return h, [h, c]

    def pack_states(self, states: list[Array]) -> list[Any]:
        return list(states)


@dataclass
class GRUCell:
    """Keras GRU, gate order z, r, h; ``h = z * h_prev + (1 - z) * hh``.

    With ``reset_after`` the reset gate multiplies ``h_prev U_h + b_rec_h``
    (cuDNN convention, bias shaped (2, 3U): input row, recurrent row);
    without it the reset gate multiplies ``h_prev`` before ``U_h``.
    """

    kernel: Array
    recurrent_kernel: Array
    bias: Array | None
    activation: Activation
    recurrent_activation: Activation
    reset_after: bool
    n_states: int = 1

    def zero_states(self, x0: Array) -> list[Array]:
        return [np.zeros((x0.shape[0], self.recurrent_kernel.shape[0]))]

    def _biases(self) -> tuple[Array | float, Array | float]:
        """(input bias, recurrent bias); the latter exists only reset_after."""
        if self.bias is None:
            return 0.0, 0.0
        if self.reset_after:
            return self.bias[0], self.bias[1]
        return self.bias, 0.0

    def step(self, x: Array, states: list[Array]) -> tuple[Array, list[Array]]:
        h_prev = states[0]
        input_bias, recurrent_bias = self._biases()
        xz, xr, xh = np.split(x @ self.kernel + input_bias, 3, axis=-1)
        rec = h_prev @ self.recurrent_kernel + recurrent_bias
        hz, hr, hh_after = np.split(rec, 3, axis=-1)
        z = self.recurrent_activation(xz + hz)
        r = self.recurrent_activation(xr + hr)
        if self.reset_after:
            hh = self.activation(xh + r * hh_after)
        else:
            u_h = np.split(self.recurrent_kernel, 3, axis=-1)[2]
            hh = self.activation(xh + (r * h_prev) @ u_h)
        h = z * h_prev + (1.0 - z) * hh
        return h, [h]

    def pack_states(self, states: list[Array]) -> list[Any]:
        return list(states)


@dataclass
class StackedCells:
    """``RNN(cell=[...])``: each cell feeds the next; states are per cell."""

    cells: list[Cell]

    @property
    def n_states(self) -> int:
        return sum(c.n_states for c in self.cells)

    def _split(self, states: list[Array]) -> list[list[Array]]:
        parts, start = [], 0
        for cell in self.cells:
            parts.append(states[start : start + cell.n_states])
            start += cell.n_states
        return parts

    def zero_states(self, x0: Array) -> list[Array]:
        # Dense cells only need the batch size from x0.
        return [s for cell in self.cells for s in cell.zero_states(x0)]

    def step(self, x: Array, states: list[Array]) -> tuple[Array, list[Array]]:
        new_states: list[Array] = []
        for cell, cell_states in zip(self.cells, self._split(states), strict=True):
            x, cell_new = cell.step(x, cell_states)
            new_states.extend(cell_new)
        return x, new_states

    def pack_states(self, states: list[Array]) -> list[Any]:
        """Keras returns one list per cell, e.g. ``[h, c], [h], [h]``."""
        return [list(part) for part in self._split(states)]


@dataclass(frozen=True)
class DenseKind:
    """One dense cell kind: its Keras defaults, its gate count, and how to make its cell."""

    defaults: Mapping[str, Any]
    gates: int
    #: (kernel, recurrent_kernel, bias, activation, recurrent_activation, args) -> the cell
    make: Callable[[Array, Array, Array | None, Activation, Activation, Mapping[str, Any]], Cell]


#: Layer class name (the cell class drops its ``Cell`` suffix) -> its kind.
DENSE_KINDS: dict[str, DenseKind] = {
    "SimpleRNN": DenseKind(
        {"units": REQUIRED, "activation": "tanh", "use_bias": True},
        1,
        lambda k, r, b, act, rec, a: SimpleRNNCell(k, r, b, act),
    ),
    "LSTM": DenseKind(
        {"units": REQUIRED, "activation": "tanh", "recurrent_activation": "sigmoid", "use_bias": True},
        4,
        lambda k, r, b, act, rec, a: LSTMCell(k, r, b, act, rec),
    ),
    "GRU": DenseKind(
        {
            "units": REQUIRED,
            "activation": "tanh",
            "recurrent_activation": "sigmoid",
            "use_bias": True,
            "reset_after": True,
        },
        3,
        lambda k, r, b, act, rec, a: GRUCell(k, r, b, act, rec, bool(a["reset_after"])),
    ),
}


def _check_dense_shapes(
    kind: str, units: int, reset_after: bool, kernel: Array, recurrent: Array, bias: Array | None
) -> None:
    """Fail loudly on weights in the wrong order or layout instead of broadcasting them."""
    width = units * DENSE_KINDS[kind].gates
    expected_bias = (2, width) if kind == "GRU" and reset_after else (width,)
    if kernel.ndim != 2 or kernel.shape[1] != width or recurrent.shape != (units, width):
        raise ValueError(
            f"{kind}: kernel shape {kernel.shape} / recurrent_kernel shape {recurrent.shape} for units={units}"
        )
    if bias is not None and bias.shape != expected_bias:
        raise ValueError(f"{kind}: bias shape {bias.shape}, expected {expected_bias}")


def dense_cell(kind: str, args: Mapping[str, Any], weights: Iterator[Array]) -> Cell:
    """Build a SimpleRNN/LSTM/GRU cell from resolved args and weights."""
    units, reset_after = int(args["units"]), bool(args.get("reset_after", False))
    act = activation(args["activation"])
    rec = activation(args.get("recurrent_activation", "sigmoid"))
    kernel, recurrent, bias = dense_weights(weights, bool(args["use_bias"]), kind)
    _check_dense_shapes(kind, units, reset_after, kernel, recurrent, bias)
    return DENSE_KINDS[kind].make(kernel, recurrent, bias, act, rec, args)
