"""Fault: LSTM returns [c, h] instead of [h, c]."""

import keras

_orig = keras.layers.LSTM.call


def call(self, *a, **k):
    out = _orig(self, *a, **k)
    if self.return_state:
        o, h, c = out
        return (o, c, h)
    return out


keras.layers.LSTM.call = call
