"""Fault: Bidirectional returns the backward states before the forward ones."""

import keras

_orig = keras.layers.Bidirectional.call


def call(self, *a, **k):
    out = _orig(self, *a, **k)
    if not self.return_state:
        return out
    n_out = 2 if self.merge_mode is None else 1
    states = out[n_out:]
    half = len(states) // 2
    return (*out[:n_out], *states[half:], *states[:half])


keras.layers.Bidirectional.call = call
