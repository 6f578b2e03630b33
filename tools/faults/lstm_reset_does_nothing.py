"""Fault: LSTM.reset_state() does nothing."""

import keras

keras.layers.LSTM.reset_state = lambda self: None
