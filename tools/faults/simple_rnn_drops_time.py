"""Fault: SimpleRNN with return_sequences drops the time axis (returns the last step)."""

import keras

_orig = keras.layers.SimpleRNN.call


def call(self, *a, **k):
    out = _orig(self, *a, **k)
    if self.return_sequences:
        if isinstance(out, tuple):
            return (out[0][:, -1], *out[1:])
        return out[:, -1]
    return out


keras.layers.SimpleRNN.call = call
