"""Fault: a stateful LSTM forgets its state between calls."""

import keras

_orig = keras.layers.LSTM.call


def call(self, *a, **k):
    if self.stateful:
        self.reset_state()
    return _orig(self, *a, **k)


keras.layers.LSTM.call = call
