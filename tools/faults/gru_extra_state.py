"""Fault: GRU with return_state returns one extra state (as keras 3.0-3.11 did on GPU)."""

import keras

_orig = keras.layers.GRU.call


def call(self, *a, **k):
    out = _orig(self, *a, **k)
    if self.return_state:
        return (*out, out[-1])
    return out


keras.layers.GRU.call = call
