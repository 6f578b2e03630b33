"""How each catalogued fault breaks Keras: patches installed with pytest's ``monkeypatch``.

Kept apart from the catalogue (``fault_catalogue.py``, which says what each fault targets and
which checks must catch it) so that the catalogue reads as a list. Every patch wraps a
layer's own ``call`` (or replaces one method) in this process and is undone after the test;
most keep the returned structure intact, because a wrong structure stops the relations from
being checked at all. The faults that break the structure on purpose say so.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import keras
import numpy as np
import pytest

Install = Callable[[pytest.MonkeyPatch], None]
Change = Callable[..., Any]  # (original, self, sequences, initial_state, mask, training) -> outputs

LSTM, GRU, SIMPLE_RNN = keras.layers.LSTM, keras.layers.GRU, keras.layers.SimpleRNN
RNN, BIDI = keras.layers.RNN, keras.layers.Bidirectional
DROPOUT_CELL = keras.src.layers.rnn.dropout_rnn_cell.DropoutRNNCell


def wrap_call(cls: type, change: Change, training_default: bool | None = False) -> Install:
    """A fault that replaces ``cls.call`` by ``change`` around the original.

    The wrapper keeps the named parameters: Keras reads the call signature to decide
    whether to pass ``mask`` and ``training``.
    """

    def install(monkeypatch: pytest.MonkeyPatch) -> None:
        original = cls.call

        def call(self: Any, sequences: Any, initial_state: Any = None, mask: Any = None, training: Any = None) -> Any:
            training = training_default if training is None else training
            return change(original, self, sequences, initial_state, mask, training)

        monkeypatch.setattr(cls, "call", call)

    return install


def replace(cls: type, method: str, value: Callable[..., Any]) -> Install:
    """A fault that replaces one method of ``cls``."""

    def install(monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(cls, method, value)

    return install


def wrap_method(cls: type, method: str, make: Callable[[Any], Any]) -> Install:
    """A fault that replaces one method of ``cls`` by ``make(original)``."""

    def install(monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(cls, method, make(getattr(cls, method)))

    return install


def _first(out: Any) -> Any:
    return out[0] if isinstance(out, tuple) else out


def _with_first(out: Any, first: Any) -> Any:
    return (first, *out[1:]) if isinstance(out, tuple) else first


# --- numbers: the structure stays, the values change ------------------------------------


def scale_inputs_when(predicate: Callable[[Any], bool]) -> Change:
    """Scales the inputs by 1.05 when ``predicate(layer)``: a small error that keeps every shape."""

    def change(original: Any, self: Any, x: Any, initial_state: Any, mask: Any, training: Any) -> Any:
        return original(self, x * 1.05 if predicate(self) else x, initial_state, mask, training)

    return change


def c_in_place_of_h(original: Any, self: Any, *args: Any) -> Any:
    out, _h, c = original(self, *args)
    return out, c, c


def swap_h_c(original: Any, self: Any, *args: Any) -> Any:
    out, h, c = original(self, *args)
    return out, c, h


def flip_sequence_when_backwards(original: Any, self: Any, *args: Any) -> Any:
    """Returns a go_backwards sequence flipped back to time order (instead of processing order)."""
    out = original(self, *args)
    if not self.go_backwards:
        return out
    return _with_first(out, keras.ops.flip(_first(out), axis=1))


def ignore_go_backwards(original: Any, self: Any, x: Any, *args: Any) -> Any:
    """Reverses the input once more, so a go_backwards layer processes it forwards."""
    return original(self, keras.ops.flip(x, axis=1) if self.go_backwards else x, *args)


def last_cell_h_shifted(original: Any, self: Any, *args: Any) -> Any:
    out = original(self, *args)
    if not self.return_state:
        return out
    *head, last = out
    return (*head, [last[0] + 1.0, *last[1:]])


def swap_bidi_state_groups(original: Any, self: Any, *args: Any) -> Any:
    """Returns the backward states before the forward ones."""
    out = original(self, *args)
    n_out = 2 if self.merge_mode is None else 1
    states = out[n_out:]
    half = len(states) // 2
    return (*out[:n_out], *states[half:], *states[:half])


def shift_merged_output(original: Any, self: Any, *args: Any) -> Any:
    out = original(self, *args)
    return (out[0] + 0.25, *out[1:])


def swap_unmerged_outputs(original: Any, self: Any, *args: Any) -> Any:
    out = original(self, *args)
    return (out[1], out[0], *out[2:])


def ignore_mask(original: Any, self: Any, x: Any, initial_state: Any, mask: Any, training: Any) -> Any:
    return original(self, x, initial_state, None, training)


def mask_only_zeroes_outputs(original: Any, self: Any, x: Any, initial_state: Any, mask: Any, training: Any) -> Any:
    """Runs every step unmasked (padded steps update the state), then zeroes masked outputs."""
    out = original(self, x, initial_state, None, training)
    if mask is None or not self.return_sequences:
        return out
    first = _first(out)
    return _with_first(out, first * keras.ops.cast(keras.ops.expand_dims(mask, -1), first.dtype))


def never_zero_output_for_mask(original: Any, self: Any, *args: Any) -> Any:
    saved, self.zero_output_for_mask = self.zero_output_for_mask, False
    try:
        return original(self, *args)
    finally:
        self.zero_output_for_mask = saved


def always_training(original: Any, self: Any, x: Any, initial_state: Any, mask: Any, training: Any) -> Any:
    """Dropout at inference (as cuDNN did in Keras 3.4-3.8)."""
    return original(self, x, initial_state, mask, True)


def never_training(original: Any, self: Any, x: Any, initial_state: Any, mask: Any, training: Any) -> Any:
    return original(self, x, initial_state, mask, False)


def zero_states_become_nonzero(original: Any, self: Any, x: Any, initial_state: Any, *args: Any) -> Any:
    if initial_state is not None and not any(np.any(keras.ops.convert_to_numpy(s)) for s in initial_state):
        initial_state = [s + 0.5 for s in initial_state]
    return original(self, x, initial_state, *args)


def ignore_initial_state(original: Any, self: Any, x: Any, initial_state: Any, *args: Any) -> Any:
    return original(self, x, None, *args)


def forget_state_between_calls(original: Any, self: Any, *args: Any) -> Any:
    if self.stateful:
        self.reset_state()
    return original(self, *args)


def do_nothing(self: Any) -> None:
    """Stands in for ``reset_state``/``reset_states``."""


# --- structure and dtype: what the structure checks must catch ---------------------------


def one_state_too_many(original: Any, self: Any, *args: Any) -> Any:
    """Returns the last state twice (as GRU did on TensorFlow + GPU in Keras 3.0-3.11)."""
    out = original(self, *args)
    return (*out, out[-1]) if self.return_state else out


def drop_time_axis(original: Any, self: Any, *args: Any) -> Any:
    """With return_sequences, returns the last step only."""
    out = original(self, *args)
    return _with_first(out, _first(out)[:, -1]) if self.return_sequences else out


def list_not_tuple(original: Any, self: Any, *args: Any) -> Any:
    """Returns a list where Keras 3 returns a tuple (Keras 2's behaviour)."""
    out = original(self, *args)
    return list(out) if isinstance(out, tuple) else out


def always_float32(original: Any, self: Any, *args: Any) -> Any:
    """Returns float32 whatever the layer's dtype policy."""
    return keras.tree.map_structure(lambda t: keras.ops.cast(t, "float32"), original(self, *args))


def fill_holes(original: Any, self: Any, x: Any, initial_state: Any, mask: Any, training: Any) -> Any:
    """Treats a mask as one span of valid steps: masked steps between valid ones count as valid.

    Padding at either end stays masked, so only a mask with holes shows the fault.
    """
    if mask is not None:
        # in keras.ops, not NumPy: the call-mode relations run it symbolically and compiled too
        valid = keras.ops.cast(mask, "int32")
        from_first = keras.ops.cumsum(valid, axis=1) > 0  # at or after the first valid step
        to_last = keras.ops.flip(keras.ops.cumsum(keras.ops.flip(valid, axis=1), axis=1), axis=1) > 0
        mask = keras.ops.logical_and(from_first, to_last)
    return original(self, x, initial_state, mask, training)


# --- layers as models use them (issue 14): symbolic, compiled, saved, masks, training -----


def symbolic_drops_a_state(original: Any) -> Callable[..., Any]:
    """``compute_output_shape`` (which Layer.compute_output_spec reads on keras.Input) drops
    the last state: the symbolic structure differs from the eager one."""

    def compute_output_shape(self: Any, *args: Any, **kwargs: Any) -> Any:
        shapes = original(self, *args, **kwargs)
        return tuple(shapes[:-1]) if self.return_state else shapes

    return compute_output_shape


def differs_when_compiled(original: Any, self: Any, x: Any, *args: Any) -> Any:
    """Inside a traced function (model.predict, jit_compile) the result is 1% larger."""
    import tensorflow as tf

    out = original(self, x, *args)
    if tf.executing_eagerly():
        return out
    return keras.tree.map_structure(lambda t: t * 1.01, out)


def from_config_loses(argument: str) -> Callable[..., Any]:
    """``from_config`` that drops one constructor argument (the default comes back)."""

    def from_config(cls: Any, config: Any, *args: Any, **kwargs: Any) -> Any:
        config = {k: v for k, v in config.items() if k != argument}
        return cls(**config)

    return classmethod(from_config)  # type: ignore[return-value]


def no_mask_passed_on(self: Any, inputs: Any, mask: Any = None) -> Any:
    """compute_mask returns no mask at all: a returned sequence comes without its mask."""
    return [None] * (1 + len(self.state_size)) if self.return_state else None


def input_mask_passed_on(self: Any, inputs: Any, mask: Any = None) -> Any:
    """compute_mask hands the input's mask to every returned tensor, states included."""
    return [mask] * (1 + len(self.state_size)) if self.return_state else mask


def same_dropout_mask_every_call(self: Any, step_input: Any, dropout_rate: Any) -> Any:
    """Dropout masks drawn with a fixed seed: every training call drops the same units."""
    return keras.random.dropout(keras.ops.ones_like(step_input), rate=dropout_rate, seed=1234)


def no_recurrent_dropout_mask(self: Any, step_input: Any) -> Any:
    """recurrent_dropout ignored in training (the mask is never made)."""
    return None


def grows_in_training(original: Any, self: Any, x: Any, initial_state: Any, mask: Any, training: Any) -> Any:
    """In training the output grows (as GRU's leaking recurrent dropout did until Keras 3.8)."""
    out = original(self, x, initial_state, mask, training)
    return keras.tree.map_structure(lambda t: t * 1000.0, out) if training else out


def depends_on_batch_size(original: Any, self: Any, x: Any, *args: Any) -> Any:
    """Scales the inputs by 1.05 when the batch is not 2: rows depend on the batch size."""
    return original(self, x * 1.05 if int(x.shape[0]) != 2 else x, *args)


def stateful_broadcasts(original: Any, self: Any, x: Any, initial_state: Any, mask: Any, training: Any) -> Any:
    """A stateful layer called with another batch size keeps its own rows instead of raising
    (Keras before 3.12 broadcast silently: keras#21183)."""
    try:
        return original(self, x, initial_state, mask, training)
    except ValueError:
        rows = int(self.states[0].shape[0]) if self.stateful else int(x.shape[0])
        return original(self, x[:rows], initial_state, None if mask is None else mask[:rows], training)


def bidi_drops_use_cudnn(original: Any, self: Any, *args: Any) -> Any:
    """Bidirectional runs both directions with use_cudnn='auto' whatever the wrapped layer
    says (Keras 3.2-3.11 dropped it: keras#20588)."""
    for direction in (self.forward_layer, self.backward_layer):
        if hasattr(direction, "use_cudnn"):
            direction.use_cudnn = "auto"
    return original(self, *args)
