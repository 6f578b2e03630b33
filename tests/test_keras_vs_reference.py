"""The NumPy reference against Keras on the configurations no table declares.

What is left of ``tools/reference_vs_keras.py`` (about 850 configurations built in code):
the configurations the tables cover moved into them (``spec/masks_with_holes.yaml``,
``spec/cell_options.yaml``, ``spec/conv_lstm_options.yaml``); these remain, because a table
cannot state them yet, or should not:

- a fully masked row (``EMPTY_ROW``): cuDNN refuses it, so in a table every GPU case would be
  an expected failure; here it runs on the CPU only;
- one mask mixing an unpadded row, right and left padding and holes (``MIXED``), with initial
  states, nested per cell for stacked cells, and inside Bidirectional: combinations of axes
  that the tables keep apart (mask x initial_state, Bidirectional x stacked cells);
- nodes the tables' builds do not reach: GRU ``use_bias=False`` with ``reset_after=False``,
  stacked cells with their own activation or bias, Bidirectional over stacked cells, over
  ConvLSTM1D, over GRU ``reset_after=False``, ConvLSTM2D/3D with an even kernel;
- Keras facts the reference relies on, each checked on the spot.

Layers are built with Keras directly (not through the runner), with seeded weights and inputs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import keras
import numpy as np
import pytest

from rnnspec.reference import reference_call

Node = dict[str, Any]
TOL = 1e-5
B, T, F = 4, 5, 3

# Row 0 full, row 1 right-padded, row 2 left-padded, row 3 holes.
MIXED = np.array([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0], [0, 0, 1, 1, 1], [1, 0, 1, 0, 1]], dtype=bool)
# Row 1 fully masked.
EMPTY_ROW = np.array([[1, 1, 1, 1, 1], [0, 0, 0, 0, 0], [1, 1, 0, 0, 0], [0, 0, 0, 1, 1]], dtype=bool)


@dataclass(frozen=True)
class Config:
    name: str
    node: Node
    mask: np.ndarray | None = None
    init: bool = False  # pass seeded initial states
    nested_init: bool = False  # pass them nested per cell (stacked cells), as Keras wants
    shape: tuple[int, ...] = (B, T, F)


def _rnn(cls: str, **args: Any) -> Node:
    return {"class": cls, "args": {"units": 2, **args}}


def _cells(*cells: Node, **args: Any) -> Node:
    return {"class": "RNN", "args": args, "cell": list(cells)}


def _bidi(layer: Node, merge_mode: str | None) -> Node:
    return {"class": "Bidirectional", "args": {"merge_mode": merge_mode}, "layer": layer}


_SEQ_STATE = {"return_sequences": True, "return_state": True}
_STACK = (_rnn("LSTMCell"), _rnn("GRUCell", reset_after=False), _rnn("SimpleRNNCell", use_bias=False))


def _configs() -> list[Config]:
    out: list[Config] = []
    for cls, extra in (("SimpleRNN", {}), ("LSTM", {}), ("GRU", {"reset_after": False})):
        out += [
            Config(f"{cls} empty row", _rnn(cls, **extra, **_SEQ_STATE), EMPTY_ROW),
            Config(f"{cls} empty row backwards", _rnn(cls, **extra, **_SEQ_STATE, go_backwards=True), EMPTY_ROW),
            Config(
                f"{cls} empty row zero_output_for_mask",
                _rnn(cls, **extra, return_sequences=True, zero_output_for_mask=True),
                EMPTY_ROW,
            ),
            Config(f"{cls} empty row initial_state", _rnn(cls, **extra, **_SEQ_STATE), EMPTY_ROW, init=True),
            Config(f"{cls} mixed initial_state", _rnn(cls, **extra, **_SEQ_STATE), MIXED, init=True),
        ]
    out += [
        Config("SimpleRNN relu", _rnn("SimpleRNN", activation="relu", **_SEQ_STATE), MIXED),
        Config("SimpleRNN use_bias=False", _rnn("SimpleRNN", use_bias=False, **_SEQ_STATE), MIXED),
        Config("GRU use_bias=False reset_after=False", _rnn("GRU", use_bias=False, reset_after=False, **_SEQ_STATE)),
        Config("GRU use_bias=False reset_after=True", _rnn("GRU", use_bias=False, **_SEQ_STATE), MIXED),
        Config(
            "RNN(GRUCell use_bias=False reset_after=False)",
            {
                "class": "RNN",
                "args": {"return_sequences": True},
                "cell": _rnn("GRUCell", use_bias=False, reset_after=False),
            },
        ),
        Config("RNN(stack) mixed nested init", _cells(*_STACK, **_SEQ_STATE), MIXED, init=True, nested_init=True),
        Config("RNN(stack) empty row backwards", _cells(*_STACK, **_SEQ_STATE, go_backwards=True), EMPTY_ROW),
        Config(
            "RNN(GRUCell, LSTMCell relu) mixed",
            _cells(_rnn("GRUCell"), _rnn("LSTMCell", activation="relu"), return_state=True),
            MIXED,
        ),
        Config("Bidirectional(stack) ave nested init", _bidi(_cells(*_STACK, **_SEQ_STATE), "ave"), MIXED, True, True),
        Config(
            "Bidirectional(GRU reset_after=False) None",
            _bidi(_rnn("GRU", reset_after=False, **_SEQ_STATE), None),
            MIXED,
        ),
        Config("Bidirectional(LSTM) concat init", _bidi(_rnn("LSTM", **_SEQ_STATE), "concat"), MIXED, init=True),
        Config(
            "Bidirectional(ConvLSTM1D) sum",
            _bidi(
                {
                    "class": "ConvLSTM1D",
                    "args": {"filters": 2, "kernel_size": 3, "padding": "same", "return_sequences": True},
                },
                "sum",
            ),
            MIXED,
            shape=(B, T, 6, 2),
        ),
        Config(
            "ConvLSTM1D mixed zero_output_for_mask",
            {
                "class": "ConvLSTM1D",
                "args": {"filters": 2, "kernel_size": 3, "padding": "same", "zero_output_for_mask": True, **_SEQ_STATE},
            },
            MIXED,
            shape=(B, T, 6, 2),
        ),
        Config(
            "ConvLSTM2D kernel 2 valid",
            {"class": "ConvLSTM2D", "args": {"filters": 2, "kernel_size": 2, **_SEQ_STATE}},
            shape=(2, 3, 5, 4, 2),
        ),
        Config(
            "ConvLSTM3D kernel 2 same",
            {"class": "ConvLSTM3D", "args": {"filters": 2, "kernel_size": 2, "padding": "same", **_SEQ_STATE}},
            shape=(2, 3, 4, 3, 3, 2),
        ),
    ]
    return out


CONFIGS = _configs()


def keras_layer(node: Node) -> Any:
    """The Keras layer a node describes (built here, not by the runner: an independent path)."""
    args = dict(node.get("args", {}))
    if node["class"] == "Bidirectional":
        return keras.layers.Bidirectional(keras_layer(node["layer"]), **args)
    if "cell" in node:
        cell = node["cell"]
        args["cell"] = [keras_layer(c) for c in cell] if isinstance(cell, list) else keras_layer(cell)
    return getattr(keras.layers, node["class"])(**args)


def to_numpy(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return type(value)(to_numpy(v) for v in value)
    return keras.ops.convert_to_numpy(value)


def structure(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, [structure(v) for v in value])
    return np.shape(value)


def leaves(value: Any) -> list[np.ndarray]:
    if isinstance(value, (list, tuple)):
        return [leaf for v in value for leaf in leaves(v)]
    return [np.asarray(value)]


def _with_return_state(node: Node) -> Node:
    if node["class"] == "Bidirectional":
        return {**node, "layer": _with_return_state(node["layer"])}
    return {**node, "args": {**node["args"], "return_state": True}}


def _initial_state(config: Config, x: np.ndarray, rng: np.random.Generator) -> list[Any]:
    """Seeded states shaped like those a return_state copy of the layer returns."""
    out = to_numpy(keras_layer(_with_return_state(config.node))(x))
    two_outputs = config.node["class"] == "Bidirectional" and config.node["args"].get("merge_mode") is None

    def draw(state: Any) -> Any:
        if isinstance(state, (list, tuple)):
            return [draw(s) for s in state]
        return rng.uniform(-0.9, 0.9, np.shape(state)).astype("float32")

    return [draw(s) for s in out[2 if two_outputs else 1 :]]


@pytest.mark.parametrize("config", CONFIGS, ids=[c.name for c in CONFIGS])
def test_reference_equals_keras(config: Config) -> None:
    rng = np.random.default_rng(sum(map(ord, config.name)))
    x = rng.uniform(-1, 1, config.shape).astype("float32")
    layer = keras_layer(config.node)
    layer(x)  # build
    layer.set_weights([rng.uniform(-0.5, 0.5, w.shape).astype("float32") for w in layer.get_weights()])
    kwargs: dict[str, Any] = {} if config.mask is None else {"mask": config.mask}
    flat_init = None
    if config.init:
        init = _initial_state(config, x, rng)
        flat_init = leaves(init)
        kwargs["initial_state"] = init if config.nested_init else flat_init
    got = to_numpy(layer(x, **kwargs))
    want = reference_call(config.node, layer.get_weights(), x, mask=config.mask, initial_state=flat_init)
    assert structure(got) == structure(want)
    assert all(leaf.dtype == np.float64 for leaf in leaves(want))
    errors = [float(np.max(np.abs(g - w))) for g, w in zip(leaves(got), leaves(want), strict=True)]
    assert max(errors) <= TOL, errors


def test_masks_have_what_their_names_say() -> None:
    assert not EMPTY_ROW[1].any()
    assert EMPTY_ROW[0].all()
    assert MIXED[3].tolist() == [True, False, True, False, True]


# --- Keras facts the reference relies on --------------------------------------------------

_X = np.random.default_rng(0).uniform(-1, 1, (2, 3, 2)).astype("float32")


def _h(n: int) -> np.ndarray:
    return np.full((2, n), 0.7, "float32")


def _stack() -> list[Any]:
    return [keras.layers.LSTMCell(3), keras.layers.GRUCell(2), keras.layers.SimpleRNNCell(2)]


def _kinds(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return f"{type(value).__name__}[{','.join(_kinds(v) for v in value)}]"
    return "x"


def test_stacked_state_nesting_follows_the_callers() -> None:
    """A bare (non-list) initial state for a one-state cell comes back bare."""
    out = keras.layers.RNN(_stack(), return_state=True)(_X, initial_state=[[_h(3), _h(3)], _h(2), _h(2)])
    assert _kinds(out) == "tuple[x,list[x,x],x,x]"


def test_stacked_lstm_cell_rejects_a_flat_initial_state() -> None:
    with pytest.raises(IndexError):
        keras.layers.RNN(_stack(), return_state=True)(_X, initial_state=[_h(3), _h(3), _h(2), _h(2)])


def test_left_padded_steps_output_zeros_not_the_initial_state() -> None:
    layer = keras.layers.SimpleRNN(2, return_sequences=True)
    seq = to_numpy(layer(_X, mask=np.array([[0, 1, 1], [1, 1, 1]], bool), initial_state=[_h(2)]))
    assert np.all(seq[0, 0] == 0)


def test_bidirectional_sets_zero_output_for_mask_to_return_sequences() -> None:
    last = keras.layers.Bidirectional(keras.layers.LSTM(2, zero_output_for_mask=True))
    seq = keras.layers.Bidirectional(keras.layers.LSTM(2, return_sequences=True))
    assert not last.forward_layer.zero_output_for_mask
    assert not last.backward_layer.zero_output_for_mask
    assert seq.forward_layer.zero_output_for_mask
    assert seq.backward_layer.zero_output_for_mask
