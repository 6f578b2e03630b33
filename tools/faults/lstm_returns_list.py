"""Fault: LSTM returns a list instead of a tuple (Keras 2 behaviour)."""

import keras

_orig = keras.layers.LSTM.call


def call(self, *a, **k):
    out = _orig(self, *a, **k)
    return list(out) if isinstance(out, tuple) else out


keras.layers.LSTM.call = call
