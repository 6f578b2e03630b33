"""Fault: with go_backwards, LSTM returns its sequence flipped back to time order."""

import keras

_orig = keras.layers.LSTM.call


def call(self, *a, **k):
    out = _orig(self, *a, **k)
    if not (self.go_backwards and self.return_sequences):
        return out
    if isinstance(out, tuple):
        return (keras.ops.flip(out[0], axis=1), *out[1:])
    return keras.ops.flip(out, axis=1)


keras.layers.LSTM.call = call
