"""Fault: LSTM lets padded steps update its state (the mask only zeroes outputs)."""

import keras

_orig = keras.layers.LSTM.call


def call(self, sequences, initial_state=None, mask=None, training=False):
    out = _orig(self, sequences, initial_state=initial_state, mask=None, training=training)
    if mask is None:
        return out
    first = out[0] if isinstance(out, tuple) else out
    if self.return_sequences:
        first = first * keras.ops.cast(keras.ops.expand_dims(mask, -1), first.dtype)
    return (first, *out[1:]) if isinstance(out, tuple) else first


keras.layers.LSTM.call = call
