"""Fault: LSTM scales its inputs by 1.01 (a 1% error that keeps every shape)."""

import keras

_orig = keras.layers.LSTM.call


def call(self, sequences, *a, **k):
    return _orig(self, sequences * 1.01, *a, **k)


keras.layers.LSTM.call = call
