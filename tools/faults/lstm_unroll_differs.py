"""Fault: LSTM computes something slightly different when unrolled."""

import keras

_orig = keras.layers.LSTM.call


def call(self, sequences, *a, **k):
    return _orig(self, sequences * (1.02 if self.unroll else 1.0), *a, **k)


keras.layers.LSTM.call = call
