"""Fault: LSTM ignores its mask."""

import keras

_orig = keras.layers.LSTM.call


def call(self, sequences, initial_state=None, mask=None, training=False):
    return _orig(self, sequences, initial_state=initial_state, mask=None, training=training)


keras.layers.LSTM.call = call
