"""The Keras boundary: Keras 2/3 differences are named functions of the adapter
(rnnspec/kerasapi.py), and the runner's split keeps every name others import from it."""

from __future__ import annotations

import numpy as np

from rnnspec import kerasapi, runner
from rnnspec.nodes import classes
from rnnspec.reproduction import constructor


def test_the_runner_still_exports_what_others_import() -> None:
    """plugin, benchmarks, tools and tests import these from rnnspec.runner."""
    for name in (
        "run_case",
        "reproduction",
        "expected_arity",
        "expected_text",
        "to_numpy",
        "build_layer",
        "make_inputs",
        "call_layer",
        "Twin",
        "Outcome",
        "CallInputs",
        "compare_with_reference",
    ):
        assert callable(getattr(runner, name)), name
    assert set(runner.__all__) <= set(dir(runner))


def test_to_numpy_keeps_containers_and_gives_float64() -> None:
    tensor = kerasapi.keras.ops.ones((1, 2), dtype="float32")
    out = kerasapi.to_numpy((tensor, [tensor]))
    assert isinstance(out, tuple)
    assert isinstance(out[1], list)
    assert out[0].dtype == np.float64
    np.testing.assert_array_equal(out[1][0], np.ones((1, 2)))


def test_call_arguments_as_this_keras_takes_them() -> None:
    mask = np.array([[True, False]])
    np.testing.assert_array_equal(kerasapi.to_numpy(kerasapi.to_tensor_mask(mask)), mask.astype(np.float64))
    states = [np.zeros((1, 2), "float32"), [np.ones((1, 2), "float32")]]
    given = kerasapi.as_initial_state(tuple(states))
    assert isinstance(given, list)
    assert len(given) == 2
    assert kerasapi.accepts_signature_kwargs() is (kerasapi.keras_major() >= 3)


def test_the_runner_modules_walk_nodes_with_the_one_walker() -> None:
    """build_layer builds every child the walker knows (layer, backward_layer, cells)."""
    from rnnspec.registry import keras_layer_registry

    node = {
        "class": "Bidirectional",
        "args": {},
        "layer": {"class": "RNN", "args": {}, "cell": [{"class": "LSTMCell", "args": {"units": 2}}]},
        "backward_layer": {"class": "GRU", "args": {"units": 3, "go_backwards": True}},
    }
    layer = runner.build_layer(node, keras_layer_registry())
    assert type(layer.forward_layer).__name__ == "RNN"
    assert type(layer.backward_layer).__name__ == "GRU"
    assert classes(node) == ["Bidirectional", "RNN", "LSTMCell", "GRU"]
    text = constructor(node)
    assert text == (
        "keras.layers.Bidirectional(layer=keras.layers.RNN(cell=[keras.layers.LSTMCell(units=2)]), "
        "backward_layer=keras.layers.GRU(units=3, go_backwards=True))"
    )
