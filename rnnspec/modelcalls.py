"""A case's layer called as models call it: on ``keras.Input``, inside a functional model,
after a save and a load.

The call modes of issue 14 (rnnspec/callmodes.py) compare these calls with the case's eager
call; this module only makes them. Every call here feeds what the case fed: the inputs, the
mask (a boolean ``keras.Input``) and the initial states (one ``keras.Input`` per state,
nested as the layer takes them), so a mode differs from the eager call in nothing but how
the layer is called. Keras API differences (how a mask is read back, whether XLA compiles
here) are the adapter's (rnnspec/kerasapi.py).
"""

from __future__ import annotations

import os
import tempfile
from typing import Any

import numpy as np

from rnnspec.building import call_kwargs
from rnnspec.devices import on_device
from rnnspec.kerasapi import keras, model_predict, returned_mask, symbolic_input, to_tensor_mask


def symbolic_args(inputs: Any, batch: int | None) -> tuple[list[Any], Any, dict[str, Any]]:
    """``keras.Input``s for a case's call: (all of them, the sequence input, the call's kwargs)."""
    x = inputs.x
    sequence = symbolic_input((batch, *x.shape[1:]))
    feeds = [sequence]
    kwargs: dict[str, Any] = {}
    if inputs.mask is not None:
        kwargs["mask"] = symbolic_input((batch, x.shape[1]), dtype="bool")
        feeds.append(kwargs["mask"])
    if inputs.initial_state is not None:

        def state_input(leaf: Any) -> Any:
            if isinstance(leaf, list):
                return [state_input(item) for item in leaf]
            made = symbolic_input((batch, *np.shape(leaf)[1:]))
            feeds.append(made)
            return made

        kwargs["initial_state"] = [state_input(s) for s in inputs.initial_state]
    return feeds, sequence, kwargs


def feed_values(inputs: Any) -> list[Any]:
    """The NumPy values for :func:`symbolic_args`'s inputs, in the same order."""
    values: list[Any] = [inputs.x]
    if inputs.mask is not None:
        values.append(inputs.mask)
    if inputs.initial_state is not None:

        def leaves(state: Any) -> None:
            if isinstance(state, list):
                for item in state:
                    leaves(item)
            else:
                values.append(np.asarray(state))

        leaves(list(inputs.initial_state))
    return values


def symbolic_call(layer: Any, inputs: Any, batch: int | None, device: str) -> Any:
    """``layer`` called on ``keras.Input``s: the returned KerasTensors."""
    with on_device(device):
        _, sequence, kwargs = symbolic_args(inputs, batch)
        return layer(sequence, **kwargs)


def eager_call(layer: Any, inputs: Any, device: str) -> Any:
    """``layer`` called on the case's inputs, mask and states: the raw returned tensors."""
    with on_device(device):
        return layer(inputs.x, **call_kwargs(inputs.mask, inputs.initial_state))


def config_copy(layer: Any, inputs: Any, device: str) -> Any:
    """``type(layer).from_config(layer.get_config())``, built with the case's weights."""
    with on_device(device):
        copy = type(layer).from_config(layer.get_config())
        copy.build(inputs.x.shape)
        copy.set_weights(inputs.weights)
    return copy


def computed_mask(layer: Any, inputs: Any) -> Any:
    """``layer.compute_mask`` for the case's input and mask."""
    return layer.compute_mask(inputs.x, call_kwargs(inputs.mask, None)["mask"])


def masks_on(tensors: list[Any]) -> list[Any]:
    """The mask each tensor carries (None for none)."""
    return [returned_mask(t) for t in tensors]


def padding_model(layer: Any, features: int, device: str) -> Any:
    """``Input((None, F)) -> Masking(0.0) -> layer -> GRU(3)``, the GRU with seeded initializers:
    the second layer reads the mask the first passes on."""
    init = keras.initializers.RandomUniform(-0.5, 0.5, seed=7)
    with on_device(device):
        sequence = keras.Input(shape=(None, features))
        hidden = layer(keras.layers.Masking(0.0)(sequence))
        hidden = hidden[0] if isinstance(hidden, (list, tuple)) else hidden
        second = keras.layers.GRU(3, kernel_initializer=init, recurrent_initializer=init, bias_initializer=init)
        return keras.Model(sequence, second(hidden))


def shape_leaves(shapes: Any) -> list[tuple[int | None, ...]]:
    """The shapes in what ``compute_output_shape`` returns (a shape is a tuple of ints/None)."""
    if isinstance(shapes, (list, tuple)) and all(d is None or isinstance(d, int) for d in shapes):
        return [tuple(shapes)]
    if isinstance(shapes, (list, tuple)):
        return [leaf for item in shapes for leaf in shape_leaves(item)]
    return [tuple(shapes)]  # a TensorShape


def functional_model(layer: Any, inputs: Any, device: str, stateful: bool) -> tuple[Any, list[Any]]:
    """``keras.Model(inputs, layer(inputs))`` and the NumPy values to feed it.

    A stateful layer needs its batch size in the ``Input``; any other is built as users build
    it, with the batch unknown.
    """
    batch = inputs.x.shape[0] if stateful else None
    with on_device(device):
        feeds, sequence, kwargs = symbolic_args(inputs, batch)
        model = keras.Model(feeds, layer(sequence, **kwargs))
    return model, feed_values(inputs)


def predict(model: Any, values: list[Any], device: str, jit_compile: bool = False) -> Any:
    """``model.predict`` (compiled by Keras), with XLA when asked; values as float64 NumPy."""
    with on_device(device):
        if jit_compile:
            model.compile(jit_compile=True)
        return model_predict(model, values)


def call_model(model: Any, values: list[Any], device: str) -> Any:
    """``model(x)``: the model called eagerly on tensors (Keras takes no mix of NumPy and tensors)."""
    with on_device(device):
        converted = [to_tensor_mask(v) for v in values]
        return model(converted)


def saved_and_loaded(model: Any, device: str) -> Any:
    """``model.save(... .keras)`` then ``keras.saving.load_model``, in a throw-away folder."""
    with tempfile.TemporaryDirectory(prefix="rnnspec-saved-") as folder, on_device(device):
        path = os.path.join(folder, "model.keras")
        model.save(path)
        return keras.saving.load_model(path)
