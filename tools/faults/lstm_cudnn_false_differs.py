"""Fault: LSTM's generic kernel (use_cudnn=False) differs from 'auto'."""

import keras

_orig = keras.layers.LSTM.call


def call(self, sequences, *a, **k):
    return _orig(self, sequences * (1.02 if self.use_cudnn is False else 1.0), *a, **k)


keras.layers.LSTM.call = call
