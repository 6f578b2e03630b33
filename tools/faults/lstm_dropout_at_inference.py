"""Fault: LSTM applies dropout at inference (as cuDNN did in Keras 3.4-3.8)."""

import keras

_orig = keras.layers.LSTM.call


def call(self, sequences, initial_state=None, mask=None, training=False):
    return _orig(self, sequences, initial_state=initial_state, mask=mask, training=True)


keras.layers.LSTM.call = call
