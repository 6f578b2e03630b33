"""What a layer was built with, read from its resolved node (rnnspec/layerargs.py): pure data,
no Keras. Relations and twins go by these arguments, never by a table's axis names."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

from rnnspec.layerargs import LOOP_DEFAULTS, built_args, with_args

LSTM: dict[str, Any] = {"class": "LSTM", "args": {"units": 2, "return_sequences": True, "unroll": True}}
BIDI: dict[str, Any] = {
    "class": "Bidirectional",
    "args": {"merge_mode": None},
    "layer": {"class": "GRU", "args": {"units": 2, "return_state": True, "go_backwards": False}},
    "backward_layer": {"class": "GRU", "args": {"units": 3, "return_state": True, "go_backwards": True}},
}
STACKED: dict[str, Any] = {
    "class": "RNN",
    "args": {"return_state": True},
    "cell": [{"class": "LSTMCell", "args": {"units": 2, "dropout": 0.5}}, {"class": "GRUCell", "args": {"units": 2}}],
}


def test_built_args_fill_keras_defaults() -> None:
    assert built_args(LSTM) == {**LOOP_DEFAULTS, "return_sequences": True, "unroll": True}
    assert built_args({"class": "SimpleRNN", "args": {"units": 1}}) == LOOP_DEFAULTS
    assert "merge_mode" not in built_args(LSTM)


def test_a_wrapper_answers_with_its_forward_layer_and_its_own_merge_mode() -> None:
    args = built_args(BIDI)
    assert args["return_state"] is True
    assert args["go_backwards"] is False  # the forward layer's, not the backward_layer's
    assert args["merge_mode"] is None  # given as null: not Keras's default concat
    assert built_args({**BIDI, "args": {}})["merge_mode"] == "concat"


def test_bidirectional_forces_zero_output_for_mask_to_return_sequences() -> None:
    node = {
        "class": "Bidirectional",
        "args": {},
        "layer": {**LSTM, "args": {**LSTM["args"], "zero_output_for_mask": False}},
    }
    assert built_args(node)["zero_output_for_mask"] is True


def test_with_args_replaces_where_the_node_takes_the_argument() -> None:
    twin = with_args(STACKED, {"dropout": 0.0, "return_state": False})
    assert twin["cell"][0]["args"]["dropout"] == 0.0  # in the cell, not on the RNN
    assert "dropout" not in twin["args"]
    assert twin["args"]["return_state"] is False
    assert STACKED["cell"][0]["args"]["dropout"] == 0.5  # the case's node is untouched
    assert STACKED["args"]["return_state"] is True


def test_with_args_adds_an_argument_no_node_names_to_the_loop_nodes() -> None:
    assert with_args(LSTM, {"use_cudnn": "auto"})["args"]["use_cudnn"] == "auto"
    twin = with_args(BIDI, {"unroll": True})
    assert twin["layer"]["args"]["unroll"] is True
    assert twin["backward_layer"]["args"]["unroll"] is True
    assert "unroll" not in twin["args"]


def test_with_args_leaves_out_an_argument_this_release_lacks() -> None:
    twin = with_args(LSTM, {"use_cudnn": "auto"}, missing={"use_cudnn": "Keras 2 has no use_cudnn"})
    assert twin == LSTM


def test_a_backward_layer_mirrors_go_backwards() -> None:
    twin = with_args(BIDI, {"go_backwards": True, "return_state": False})
    assert twin["layer"]["args"]["go_backwards"] is True
    assert twin["backward_layer"]["args"]["go_backwards"] is False
    assert twin["backward_layer"]["args"]["return_state"] is False


def test_reading_built_args_imports_no_keras() -> None:
    code = (
        "import sys\n"
        "from rnnspec.layerargs import built_args, with_args\n"
        "from rnnspec.inputs import make_inputs\n"
        "from rnnspec.refcheck import compare_with_reference\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('keras', 'tensorflow', 'tf_keras')))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.strip() == "[]", done.stdout + done.stderr
