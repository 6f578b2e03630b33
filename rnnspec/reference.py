"""Independent NumPy reference for what Keras 3 recurrent layers return.

The oracle re-derives every number from the published equations in float64,
so a disagreement with Keras points at Keras (or at a misread spec), never at
shared code. Nothing here imports keras or tensorflow.

The layout follows the ONNX recurrent-op test helpers: one ``step()`` per
cell, one plain loop over time (:func:`_scan`) that applies the Keras masking
rules, ``np.flip`` for reverse processing, and thin wrappers that shape the
result like the Keras TensorFlow backend does.

Keras behaviours reproduced on purpose (all read from
``keras/src/backend/tensorflow/rnn.py`` and ``keras/src/layers/rnn/*.py`` and
checked against Keras 3.15 by ``scratch_reference_vs_keras.py``):

* ``go_backwards`` reverses the inputs *and* the mask, and the returned
  sequence stays in processing order (i.e. reversed time).
* A masked step keeps the previous states; its output is the previous
  step's *output* (zeros before the first step, even when an initial state
  was given) or zeros when ``zero_output_for_mask`` is true. The output of
  ``return_sequences=False`` is the last processed step after this masking,
  so it is zero when that step is masked and ``zero_output_for_mask`` holds.
* ``Bidirectional`` forces ``zero_output_for_mask = return_sequences`` on
  both directions, whatever the wrapped layer said, and flips the backward
  sequence back to time order only when ``return_sequences`` is true.
* ``RNN`` over a list of cells returns one *list* of states per cell, also
  for a one-cell list. (Keras returns a single-state cell's state bare when
  the caller passed it bare in ``initial_state``; the oracle always answers
  with lists, i.e. what Keras does for per-cell list initial states.)

Where Keras itself is inconsistent the oracle follows the default path:
``unroll`` is ignored, although Keras' unrolled loop zeroes the outputs of
``go_backwards`` + ``zero_output_for_mask`` with the unreversed mask; and
Keras raises on ``RNN([one_cell])`` called with a mask, which the oracle
computes anyway.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import NDArray

Array = NDArray[np.float64]
Activation = Callable[[Array], Array]

__all__ = ["reference_call"]


# --------------------------------------------------------------------------
# Activations (Keras 3 definitions)
# --------------------------------------------------------------------------


def _sigmoid(x: Array) -> Array:
    return 1.0 / (1.0 + np.exp(-x))


def _hard_sigmoid(x: Array) -> Array:
    """Keras 3 ``relu6(x + 3) / 6``; Keras 2 used ``0.2 * x + 0.5``."""
    return np.clip(x + 3.0, 0.0, 6.0) / 6.0


def _keras2_hard_sigmoid(x: Array) -> Array:
    """Keras 2's ``hard_sigmoid``: ``0.2 * x + 0.5`` clipped to [0, 1] (a table names it so)."""
    return np.clip(0.2 * x + 0.5, 0.0, 1.0)


def _elu(x: Array) -> Array:
    return np.where(x > 0, x, np.expm1(np.minimum(x, 0.0)))


ACTIVATIONS: dict[str, Activation] = {
    "tanh": np.tanh,
    "sigmoid": _sigmoid,
    "relu": lambda x: np.maximum(x, 0.0),
    "linear": lambda x: x,
    "hard_sigmoid": _hard_sigmoid,
    "keras2_hard_sigmoid": _keras2_hard_sigmoid,
    "softsign": lambda x: x / (1.0 + np.abs(x)),
    "elu": _elu,
}


def _activation(name: object) -> Activation:
    """Look an activation up by name; ``None`` means linear as in Keras."""
    if name is None:
        return ACTIVATIONS["linear"]
    if not isinstance(name, str) or name not in ACTIVATIONS:
        raise NotImplementedError(f"unsupported activation: {name!r}")
    return ACTIVATIONS[name]


# --------------------------------------------------------------------------
# Argument handling
# --------------------------------------------------------------------------

# Arguments that cannot change the numbers of a single inference call on a
# fresh layer, so the oracle accepts and ignores them.
_IGNORED_ARGS = frozenset(
    {
        "unroll",
        "stateful",
        "use_cudnn",
        "dropout",
        "recurrent_dropout",
        "seed",
        "dtype",
        "name",
        "trainable",
        "implementation",
        "unit_forget_bias",
        "kernel_initializer",
        "recurrent_initializer",
        "bias_initializer",
        "kernel_regularizer",
        "recurrent_regularizer",
        "bias_regularizer",
        "activity_regularizer",
        "kernel_constraint",
        "recurrent_constraint",
        "bias_constraint",
    }
)

# Marks an argument Keras has no default for (units, filters, kernel_size).
REQUIRED: Any = object()

_LOOP_DEFAULTS: dict[str, Any] = {
    "return_sequences": False,
    "return_state": False,
    "go_backwards": False,
    "zero_output_for_mask": False,
}

_DENSE_CELL_DEFAULTS: dict[str, dict[str, Any]] = {
    "SimpleRNN": {"units": REQUIRED, "activation": "tanh", "use_bias": True},
    "LSTM": {
        "units": REQUIRED,
        "activation": "tanh",
        "recurrent_activation": "sigmoid",
        "use_bias": True,
    },
    "GRU": {
        "units": REQUIRED,
        "activation": "tanh",
        "recurrent_activation": "sigmoid",
        "use_bias": True,
        "reset_after": True,
    },
}

_CONV_DEFAULTS: dict[str, Any] = {
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


def _resolve_args(what: str, given: Mapping[str, Any], defaults: Mapping[str, Any]) -> dict[str, Any]:
    """Fill Keras defaults, drop ignorable args, reject anything unknown.

    Rejecting unknown names keeps the oracle honest: an argument it does not
    model must not silently fall back to a default.
    """
    unknown = set(given) - set(defaults) - _IGNORED_ARGS
    if unknown:
        raise NotImplementedError(f"{what}: unsupported args {sorted(unknown)}")
    args = {**defaults, **{k: v for k, v in given.items() if k in defaults}}
    missing = [k for k, v in args.items() if v is REQUIRED]
    if missing:
        raise ValueError(f"{what}: missing required args {missing}")
    return args


def _split_args(
    what: str, given: Mapping[str, Any], cell_defaults: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Split a layer's args into (cell args, loop args)."""
    args = _resolve_args(what, given, {**cell_defaults, **_LOOP_DEFAULTS})
    cell_args = {k: args[k] for k in cell_defaults}
    loop_args = {k: args[k] for k in _LOOP_DEFAULTS}
    return cell_args, loop_args


# --------------------------------------------------------------------------
# Cells: each has a step() and knows its states
# --------------------------------------------------------------------------


class Cell(Protocol):
    """What the time loop needs from a cell (states are a flat list)."""

    @property
    def n_states(self) -> int: ...

    def zero_states(self, x0: Array) -> list[Array]: ...

    def step(self, x: Array, states: list[Array]) -> tuple[Array, list[Array]]: ...

    def pack_states(self, states: list[Array]) -> list[Any]: ...


def _take(weights: Iterator[Array], n: int, what: str) -> list[Array]:
    """Consume the next ``n`` arrays of the layer's ``get_weights()`` list."""
    taken = [np.asarray(w, dtype=np.float64) for _, w in zip(range(n), weights, strict=False)]
    if len(taken) != n:
        raise ValueError(f"{what}: expected {n} more weight arrays")
    return taken


def _dense_weights(weights: Iterator[Array], use_bias: bool, what: str) -> tuple[Array, Array, Array | None]:
    """kernel, recurrent_kernel and (if use_bias) bias, in get_weights order."""
    kernel, recurrent = _take(weights, 2, what)
    bias = _take(weights, 1, what)[0] if use_bias else None
    return kernel, recurrent, bias


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


def _lstm_gates(z: Array, c_prev: Array, activation: Activation, recurrent: Activation) -> tuple[Array, Array]:
    """Shared LSTM update from pre-activations ordered i, f, c, o."""
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
        h, c = _lstm_gates(z, c_prev, self.activation, self.recurrent_activation)
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


def _conv(x: Array, w: Array, padding: str) -> Array:
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
        gates = _conv(x0, self.kernel, self.padding)  # 4 * filters channels
        shape = (*gates.shape[:-1], self.recurrent_kernel.shape[-2])
        return [np.zeros(shape), np.zeros(shape)]

    def step(self, x: Array, states: list[Array]) -> tuple[Array, list[Array]]:
        h_prev, c_prev = states
        z = _conv(x, self.kernel, self.padding)
        z = z + _conv(h_prev, self.recurrent_kernel, "same")
        if self.bias is not None:
            z = z + self.bias
        h, c = _lstm_gates(z, c_prev, self.activation, self.recurrent_activation)
        return h, [h, c]

    def pack_states(self, states: list[Array]) -> list[Any]:
        return list(states)


_GATES = {"SimpleRNN": 1, "LSTM": 4, "GRU": 3}


def _check_dense_shapes(
    kind: str, units: int, reset_after: bool, kernel: Array, recurrent: Array, bias: Array | None
) -> None:
    """Fail loudly on weights in the wrong order or layout instead of broadcasting them."""
    width = units * _GATES[kind]
    expected_bias = (2, width) if kind == "GRU" and reset_after else (width,)
    if kernel.ndim != 2 or kernel.shape[1] != width or recurrent.shape != (units, width):
        raise ValueError(
            f"{kind}: kernel shape {kernel.shape} / recurrent_kernel shape {recurrent.shape} for units={units}"
        )
    if bias is not None and bias.shape != expected_bias:
        raise ValueError(f"{kind}: bias shape {bias.shape}, expected {expected_bias}")


def _dense_cell(kind: str, args: Mapping[str, Any], weights: Iterator[Array]) -> Cell:
    """Build a SimpleRNN/LSTM/GRU cell from resolved args and weights."""
    units, reset_after = int(args["units"]), bool(args.get("reset_after", False))
    activation = _activation(args["activation"])
    recurrent_activation = _activation(args.get("recurrent_activation", "sigmoid"))
    kernel, recurrent, bias = _dense_weights(weights, bool(args["use_bias"]), kind)
    _check_dense_shapes(kind, units, reset_after, kernel, recurrent, bias)
    if kind == "SimpleRNN":
        return SimpleRNNCell(kernel, recurrent, bias, activation)
    if kind == "LSTM":
        return LSTMCell(kernel, recurrent, bias, activation, recurrent_activation)
    return GRUCell(kernel, recurrent, bias, activation, recurrent_activation, reset_after)


_CELL_CLASSES = {"SimpleRNNCell": "SimpleRNN", "LSTMCell": "LSTM", "GRUCell": "GRU"}


def _cell_from_spec(spec: Mapping[str, Any], weights: Iterator[Array]) -> Cell:
    """A cell node (``{"class": "LSTMCell", "args": {...}}``) to a cell."""
    kind = _CELL_CLASSES.get(str(spec.get("class")))
    if kind is None:
        raise NotImplementedError(f"unsupported RNN cell class: {spec.get('class')!r}")
    args = _resolve_args(spec["class"], spec.get("args", {}), _DENSE_CELL_DEFAULTS[kind])
    return _dense_cell(kind, args, weights)


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


def _conv_lstm_cell(rank: int, given: Mapping[str, Any], weights: Iterator[Array]) -> tuple[Cell, dict[str, Any]]:
    """Build a ConvLSTM cell; only stride 1, dilation 1, channels_last."""
    what = f"ConvLSTM{rank}D"
    cell_args, loop_args = _split_args(what, given, _CONV_DEFAULTS)
    for name in ("strides", "dilation_rate"):
        if set(np.atleast_1d(cell_args[name]).tolist()) != {1}:
            raise NotImplementedError(f"{what}: {name}={cell_args[name]!r}")
    if cell_args["data_format"] not in (None, "channels_last"):
        raise NotImplementedError(f"{what}: data_format={cell_args['data_format']!r}")
    padding = str(cell_args["padding"]).lower()
    if padding not in ("valid", "same"):
        raise NotImplementedError(f"{what}: padding={padding!r}")
    kernel, recurrent, bias = _dense_weights(weights, bool(cell_args["use_bias"]), what)
    _check_conv_shapes(what, rank, cell_args, kernel, recurrent, bias)
    cell = ConvLSTMCell(
        kernel,
        recurrent,
        bias,
        _activation(cell_args["activation"]),
        _activation(cell_args["recurrent_activation"]),
        padding,
    )
    return cell, loop_args


# --------------------------------------------------------------------------
# The time loop
# --------------------------------------------------------------------------


def _where(keep: NDArray[np.bool_], new: Array, old: Array) -> Array:
    """Per-sample select: ``keep`` is (B,), arrays are (B, ...)."""
    return np.where(keep.reshape((-1,) + (1,) * (new.ndim - 1)), new, old)


def _scan(
    cell: Cell,
    inputs: Array,
    states: list[Array],
    mask: NDArray[np.bool_] | None,
    go_backwards: bool,
    zero_output_for_mask: bool,
) -> tuple[Array, list[Array]]:
    """Run ``cell`` over time like Keras' TensorFlow ``backend.rnn``.

    Returns the outputs stacked in processing order (B, T, ...) and the
    final flat states. A masked step keeps the old states; its output is the
    previous output (zeros before any step) or zeros if
    ``zero_output_for_mask``.
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


def _run_layer(
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
    sequence, final = _scan(
        cell,
        inputs,
        states,
        mask,
        bool(loop["go_backwards"]),
        bool(loop["zero_output_for_mask"]),
    )
    output = sequence if loop["return_sequences"] else sequence[:, -1]
    return output, cell.pack_states(final)


def _finish(output: Array, states: list[Any], return_state: bool) -> object:
    """Keras shape of the result: ``output`` or ``(output, *states)``."""
    return (output, *states) if return_state else output


# --------------------------------------------------------------------------
# Layer nodes
# --------------------------------------------------------------------------


@dataclass
class _Layer:
    """A built recurrent layer: its cell and its loop args."""

    cell: Cell
    loop: dict[str, Any]

    def __call__(
        self,
        inputs: Array,
        mask: NDArray[np.bool_] | None,
        initial_state: list[Array] | None,
    ) -> tuple[Array, list[Any]]:
        return _run_layer(self.cell, self.loop, inputs, mask, initial_state)


def _build_layer(node: Mapping[str, Any], weights: Iterator[Array]) -> _Layer:
    """Turn a (non-Bidirectional) layer node into a cell plus loop args."""
    cls = node.get("class")
    given = node.get("args", {})
    if cls in _DENSE_CELL_DEFAULTS:
        cell_args, loop = _split_args(str(cls), given, _DENSE_CELL_DEFAULTS[str(cls)])
        return _Layer(_dense_cell(str(cls), cell_args, weights), loop)
    if cls in ("ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D"):
        conv_cell, loop = _conv_lstm_cell(int(str(cls)[8]), given, weights)
        return _Layer(conv_cell, loop)
    if cls == "RNN":
        loop = _resolve_args("RNN", given, _LOOP_DEFAULTS)
        spec = node.get("cell")
        if isinstance(spec, Sequence) and not isinstance(spec, Mapping):
            cells = [_cell_from_spec(s, weights) for s in spec]
            return _Layer(StackedCells(cells), loop)
        if isinstance(spec, Mapping):
            return _Layer(_cell_from_spec(spec, weights), loop)
        raise TypeError("RNN node needs a 'cell' dict or list of dicts")
    raise NotImplementedError(f"unsupported layer class: {cls!r}")


_MERGES: dict[str, Callable[[Array, Array], Array]] = {
    "concat": lambda a, b: np.concatenate([a, b], axis=-1),
    "sum": lambda a, b: a + b,
    "mul": lambda a, b: a * b,
    "ave": lambda a, b: (a + b) / 2.0,
}


def _halves(
    states: list[Array] | None,
) -> tuple[list[Array] | None, list[Array] | None]:
    """Keras splits a Bidirectional initial_state list in two equal halves."""
    if states is None:
        return None, None
    half = len(states) // 2
    return states[:half], states[half:]


def _bidirectional(
    node: Mapping[str, Any],
    weights: Iterator[Array],
    inputs: Array,
    mask: NDArray[np.bool_] | None,
    initial_state: list[Array] | None,
) -> object:
    """Keras ``Bidirectional``: a forward copy and a go_backwards copy.

    Both copies get ``zero_output_for_mask = return_sequences`` (Keras forces
    it), the backward sequence is flipped back to time order, and the states
    come out forward first.
    """
    args = _resolve_args("Bidirectional", node.get("args", {}), {"merge_mode": "concat"})
    merge_mode = args["merge_mode"]
    if merge_mode is not None and merge_mode not in _MERGES:
        raise NotImplementedError(f"Bidirectional: merge_mode={merge_mode!r}")
    inner = node.get("layer")
    if not isinstance(inner, Mapping):
        raise TypeError("Bidirectional node needs a 'layer' dict")
    forward = _build_layer(inner, weights)
    backward = _build_layer(inner, weights)
    # The backward copy reads the other way than the wrapped layer. Keras 3 rejects a wrapped
    # go_backwards=True layer; Keras 2 accepts it, and still flips the "backward" sequence.
    backward.loop["go_backwards"] = not forward.loop["go_backwards"]
    for layer in (forward, backward):
        layer.loop["zero_output_for_mask"] = layer.loop["return_sequences"]

    fwd_init, bwd_init = _halves(initial_state)
    y, fwd_states = forward(inputs, mask, fwd_init)
    y_rev, bwd_states = backward(inputs, mask, bwd_init)
    if forward.loop["return_sequences"]:
        y_rev = np.flip(y_rev, axis=1)

    states = [*fwd_states, *bwd_states]
    if merge_mode is None:
        return (y, y_rev, *states) if forward.loop["return_state"] else (y, y_rev)
    return _finish(_MERGES[merge_mode](y, y_rev), states, forward.loop["return_state"])


# --------------------------------------------------------------------------
# Public entry point
# --------------------------------------------------------------------------


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
            for ``RNN`` or ``"layer"`` for ``Bidirectional``).
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
    weight_iter = iter(weights)
    if node.get("class") == "Bidirectional":
        result = _bidirectional(node, weight_iter, x, keep, init)
    else:
        layer = _build_layer(node, weight_iter)
        output, states = layer(x, keep, init)
        result = _finish(output, states, bool(layer.loop["return_state"]))
    if next(weight_iter, None) is not None:
        raise ValueError("more weight arrays than the layer uses")
    return result
