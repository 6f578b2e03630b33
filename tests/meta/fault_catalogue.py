"""The one catalogue of injected faults: what each breaks, its patch, its target, its catchers.

Every fault the project injects into Keras is listed here once, and
``test_fault_catalogue.py`` runs each one (unbroken the target passes, broken it fails, and
every check named in ``caught_by`` reports it). A target is either a small inline table
(``Table``: one combination, so the fault is shown against exactly the relation it breaks) or
a ``-k`` selection of a real spec file (``Selection``: the repository's own tables must catch
it). ``caught_by`` names relations (as in ``rnnspec.relations.RELATIONS``, read from
``relation_failures`` in results.json) or one of ``OTHER_CHECKS`` (read from ``problems``).
The patches themselves are in ``fault_patches.py``. About 300 lines because it is a list: one
entry of seven lines per fault, kept in one place so that a reader sees every fault at once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import fault_patches as p

#: Checks that are not relations: a structure sentence (arity, container, shape) and a dtype one.
OTHER_CHECKS = frozenset({"structure", "dtype"})


@dataclass(frozen=True)
class Table:
    """An inline table, written as spec/table.yaml of a throw-away project."""

    text: str


@dataclass(frozen=True)
class Selection:
    """The cases of a real spec file that ``-k`` selects (the whole spec/ tree is copied)."""

    file: str
    k: str


@dataclass(frozen=True)
class Fault:
    name: str
    breaks: str  # what the fault breaks, in one sentence
    patch: p.Install
    target: Table | Selection
    caught_by: frozenset[str]


# --- inline tables ---------------------------------------------------------------------


def _table(title: str, build: str, defaults: dict[str, Any], row: str, sizes: str) -> str:
    """A one-combination table (its defaults), named ``<title>[only-cpu]``."""
    body = "\n".join(f"    {line}" for line in row.strip().splitlines())[4:]
    return (
        "rnnspec: 1\n"
        f"title: {title}\n"
        "inputs: (B, T, F)\n"
        f"sizes: {sizes}\n"
        f"build: {build}\n"
        f"defaults: {json.dumps(defaults)}\n"
        "tables:\n"
        "  only: {}\n"
        "expect:\n"
        f"  - {body}\n"
        "    dtype: float32\n"
    )


_RNN_AXES = ("return_sequences", "return_state", "go_backwards", "unroll", "stateful")
_LSTM_AXES = (*_RNN_AXES, "use_cudnn", "dropout", "recurrent_dropout", "zero_output_for_mask")
_LSTM_DEFAULTS: dict[str, Any] = {
    "return_sequences": False,
    "return_state": False,
    "go_backwards": False,
    "unroll": False,
    "stateful": False,
    "use_cudnn": "auto",
    "dropout": 0.0,
    "recurrent_dropout": 0.0,
    "zero_output_for_mask": False,
}


def _args(axes: tuple[str, ...], **extra: str) -> str:
    return "{" + ", ".join([*(f"{k}: {v}" for k, v in extra.items()), *(f"{a}: ${a}" for a in axes)]) + "}"


def lstm(relations: str, T: int = 3, B: int = 2, **values: Any) -> Table:
    """An LSTM table with one combination (LSTM's defaults overridden by ``values``)."""
    axes = {**_LSTM_DEFAULTS, **values}
    output = "(B, T, units)" if axes["return_sequences"] else "(B, units)"
    returns = f"({output}, (B, units), (B, units))" if axes["return_state"] else output
    row = f"returns: {returns}\nstates: ((B, units), (B, units))\nrelations: [{relations}]"
    build = f"{{class: LSTM, args: {_args(_LSTM_AXES, units='$units')}}}"
    return Table(_table("LSTM", build, axes, row, f"{{B: {B}, T: {T}, F: 2, units: 2}}"))


def bidirectional(relations: str, merge_mode: str | None, returns: str) -> Table:
    """Bidirectional(GRU) with return_state, without sequences."""
    axes = {"merge_mode": merge_mode, "return_sequences": False, "return_state": True}
    inner = f"{{class: GRU, args: {_args(('return_sequences', 'return_state'), units='$units')}}}"
    build = f"{{class: Bidirectional, args: {{merge_mode: $merge_mode}}, layer: {inner}}}"
    row = f"returns: {returns}\nrelations: [{relations}]"
    return Table(_table("Bidirectional", build, axes, row, "{B: 2, T: 3, F: 2, units: 2}"))


def stacked(relations: str) -> Table:
    """RNN([LSTMCell, GRUCell]) with return_state: (output, [h, c], [h])."""
    cells = "[{class: LSTMCell, args: {units: $units}}, {class: GRUCell, args: {units: $units}}]"
    build = f"{{class: RNN, args: {_args(_RNN_AXES)}, cell: {cells}}}"
    axes = {axis: False for axis in _RNN_AXES} | {"return_state": True}
    row = f"returns: ((B, units), [(B, units), (B, units)], [(B, units)])\nrelations: [{relations}]"
    return Table(_table("RNN", build, axes, row, "{B: 2, T: 3, F: 2, units: 2}"))


def _catch(*names: str) -> frozenset[str]:
    return frozenset(names)


_SEQ_STATE = {"return_sequences": True, "return_state": True}
_BIDI_CONCAT = "((B, 2 * units), (B, units), (B, units))"

# --- the catalogue -----------------------------------------------------------------------

FAULTS: tuple[Fault, ...] = (
    # Numbers off, structure kept: one relation each, on a one-combination table.
    Fault(
        "lstm_inputs_scaled",
        "LSTM scales its inputs by 1.05: every shape right, every number a little off",
        p.wrap_call(p.LSTM, p.scale_inputs_when(lambda layer: True)),
        lstm("matches_reference"),
        _catch("matches_reference"),
    ),
    Fault(
        "lstm_c_in_place_of_h",
        "LSTM returns c where h belongs: (output, c, c)",
        p.wrap_call(p.LSTM, p.c_in_place_of_h),
        lstm("output_is_h", return_state=True),
        _catch("output_is_h"),
    ),
    Fault(
        "lstm_backwards_time_order",
        "with go_backwards, LSTM returns its sequence flipped back to time order",
        p.wrap_call(p.LSTM, p.flip_sequence_when_backwards),
        lstm("last_step_is_h", go_backwards=True, **_SEQ_STATE),
        _catch("last_step_is_h"),
    ),
    Fault(
        "lstm_swap_h_c",
        "LSTM returns (output, c, h) instead of (output, h, c)",
        p.wrap_call(p.LSTM, p.swap_h_c),
        lstm("h_then_c", return_state=True),
        _catch("h_then_c"),
    ),
    Fault(
        "rnn_last_cell_h_shifted",
        "RNN([cells]) returns a last cell's h that is not its output",
        p.wrap_call(p.RNN, p.last_cell_h_shifted),
        stacked("output_is_last_cell_h"),
        _catch("output_is_last_cell_h"),
    ),
    Fault(
        "bidi_swaps_directions",
        "Bidirectional returns the backward states before the forward ones",
        p.wrap_call(p.BIDI, p.swap_bidi_state_groups, training_default=None),
        bidirectional("bidi_forward_states_first, bidi_equals_two_layers", "concat", _BIDI_CONCAT),
        _catch("bidi_forward_states_first", "bidi_equals_two_layers"),
    ),
    Fault(
        "bidi_merge_shifted",
        "Bidirectional's merged output is not the merge of the two directions",
        p.wrap_call(p.BIDI, p.shift_merged_output, training_default=None),
        bidirectional("bidi_merge", "sum", "((B, units), (B, units), (B, units))"),
        _catch("bidi_merge"),
    ),
    Fault(
        "bidi_unmerged_swapped",
        "Bidirectional(merge_mode=None) returns the backward output first",
        p.wrap_call(p.BIDI, p.swap_unmerged_outputs, training_default=None),
        bidirectional("bidi_unmerged", None, "((B, units), (B, units), (B, units), (B, units))"),
        _catch("bidi_unmerged"),
    ),
    Fault(
        "lstm_padding_leaks",
        "LSTM lets padded steps update its state (the mask only zeroes the outputs)",
        p.wrap_call(p.LSTM, p.mask_only_zeroes_outputs),
        lstm("masked_steps_repeat, padding_equals_truncation", mask="right", **_SEQ_STATE),
        _catch("masked_steps_repeat", "padding_equals_truncation"),
    ),
    Fault(
        "lstm_zero_output_ignored",
        "LSTM ignores zero_output_for_mask",
        p.wrap_call(p.LSTM, p.never_zero_output_for_mask),
        lstm("masked_steps_zero", zero_output_for_mask=True, return_sequences=True, mask="right"),
        _catch("masked_steps_zero"),
    ),
    Fault(
        "lstm_unroll_differs",
        "LSTM computes something slightly different when unrolled",
        p.wrap_call(p.LSTM, p.scale_inputs_when(lambda layer: layer.unroll)),
        lstm("same_as_loop", unroll=True),
        _catch("same_as_loop"),
    ),
    Fault(
        "lstm_cudnn_false_differs",
        "LSTM's generic kernel (use_cudnn=False) differs from 'auto'",
        p.wrap_call(p.LSTM, p.scale_inputs_when(lambda layer: layer.use_cudnn is False)),
        lstm("same_as_cudnn_auto", use_cudnn=False),
        _catch("same_as_cudnn_auto"),
    ),
    Fault(
        "lstm_ignores_go_backwards",
        "LSTM(go_backwards=True) processes its input forwards",
        p.wrap_call(p.LSTM, p.ignore_go_backwards),
        lstm("backwards_is_reversed_forward", go_backwards=True, return_sequences=True),
        _catch("backwards_is_reversed_forward"),
    ),
    Fault(
        "lstm_dropout_at_inference",
        "LSTM applies dropout at inference (as cuDNN did in Keras 3.4-3.8)",
        p.wrap_call(p.LSTM, p.always_training),
        lstm("dropout_off_at_inference", dropout=0.5),
        _catch("dropout_off_at_inference"),
    ),
    Fault(
        "lstm_no_dropout_in_training",
        "LSTM ignores dropout in training",
        p.wrap_call(p.LSTM, p.never_training),
        lstm("dropout_on_in_training", dropout=0.5),
        _catch("dropout_on_in_training"),
    ),
    Fault(
        "lstm_zero_state_not_default",
        "an all-zero initial_state gives another result than no initial_state",
        p.wrap_call(p.LSTM, p.zero_states_become_nonzero),
        lstm("zero_initial_state_is_default", initial_state=True),
        _catch("zero_initial_state_is_default"),
    ),
    Fault(
        "lstm_ignores_initial_state",
        "LSTM ignores initial_state",
        p.wrap_call(p.LSTM, p.ignore_initial_state),
        lstm("initial_state_matters", initial_state=True),
        _catch("initial_state_matters"),
    ),
    Fault(
        "lstm_stateful_forgets",
        "a stateful LSTM forgets its state between calls",
        p.wrap_call(p.LSTM, p.forget_state_between_calls),
        lstm("stateful_halves_equal_whole", T=4, stateful=True),
        _catch("stateful_halves_equal_whole"),
    ),
    Fault(
        "lstm_reset_state_does_nothing",
        "LSTM.reset_state() does nothing",
        p.replace(p.LSTM, "reset_state", p.do_nothing),
        lstm("reset_state_restarts", T=4, stateful=True),
        _catch("reset_state_restarts"),
    ),
    Fault(
        "lstm_reset_states_does_nothing",
        "LSTM.reset_states() (the Keras 2 spelling) does nothing",
        p.replace(p.LSTM, "reset_states", p.do_nothing),
        lstm("reset_states_restarts", T=4, stateful=True),
        _catch("reset_states_restarts"),
    ),
    # Layers as models use them (issue 14): call modes, the mask passed on, training, batches.
    Fault(
        "lstm_symbolic_drops_state",
        "on keras.Input LSTM returns one state less (compute_output_spec drops it): eager is right",
        p.wrap_method(p.LSTM, "compute_output_shape", p.symbolic_drops_a_state),
        lstm("symbolic_matches_returns", return_state=True),
        _catch("symbolic_matches_returns"),
    ),
    Fault(
        "lstm_compiled_differs",
        "LSTM compiled (model.predict, jit_compile) returns 1% more than eagerly",
        p.wrap_call(p.LSTM, p.differs_when_compiled),
        lstm("model_matches_eager, jit_compiled_matches_eager", return_state=True),
        _catch("model_matches_eager", "jit_compiled_matches_eager"),
    ),
    Fault(
        "lstm_from_config_loses_go_backwards",
        "LSTM.from_config drops go_backwards (a saved and loaded layer reads forwards)",
        p.replace(p.LSTM, "from_config", p.from_config_loses("go_backwards")),
        lstm("saved_matches_eager", go_backwards=True),
        _catch("saved_matches_eager"),
    ),
    Fault(
        "lstm_sequence_without_mask",
        "LSTM returns its sequence without the input's mask: the next layer reads the padding",
        p.replace(p.LSTM, "compute_mask", p.no_mask_passed_on),
        lstm("sequence_carries_mask, model_padding_equals_truncation", return_sequences=True, mask="right"),
        _catch("sequence_carries_mask", "model_padding_equals_truncation"),
    ),
    Fault(
        "lstm_mask_on_every_output",
        "LSTM passes the input's mask on with its last output and its states",
        p.replace(p.LSTM, "compute_mask", p.input_mask_passed_on),
        lstm("no_mask_returned", return_state=True, mask="right"),
        _catch("no_mask_returned"),
    ),
    Fault(
        "lstm_same_dropout_every_call",
        "LSTM drops the same units in every training call (a fixed dropout seed)",
        p.replace(p.DROPOUT_CELL, "_create_dropout_mask", p.same_dropout_mask_every_call),
        lstm("training_calls_differ", dropout=0.5),
        _catch("training_calls_differ"),
    ),
    Fault(
        "lstm_recurrent_dropout_ignored",
        "LSTM ignores recurrent_dropout in training (it took dropout's rate in Keras 3.0-3.1)",
        p.replace(p.DROPOUT_CELL, "get_recurrent_dropout_mask", p.no_recurrent_dropout_mask),
        lstm("dropout_on_in_training", recurrent_dropout=0.5),
        _catch("dropout_on_in_training"),
    ),
    Fault(
        "lstm_grows_in_training",
        "LSTM's output grows in training (GRU's recurrent dropout leaked until Keras 3.8)",
        p.wrap_call(p.LSTM, p.grows_in_training),
        lstm("training_stays_bounded", dropout=0.5),
        _catch("training_stays_bounded"),
    ),
    Fault(
        "lstm_depends_on_batch_size",
        "LSTM computes other numbers when called with another batch size",
        p.wrap_call(p.LSTM, p.depends_on_batch_size),
        lstm("other_batch_matches", return_state=True),
        _catch("other_batch_matches"),
    ),
    Fault(
        "lstm_stateful_broadcasts",
        "a stateful LSTM called with another batch size returns instead of raising (Keras < 3.12)",
        p.wrap_call(p.LSTM, p.stateful_broadcasts),
        lstm("stateful_other_batch_raises", stateful=True),
        _catch("stateful_other_batch_raises"),
    ),
    Fault(
        "bidi_drops_use_cudnn",
        "Bidirectional builds both directions with use_cudnn='auto' (Keras 3.2-3.11, keras#20588)",
        p.wrap_call(p.BIDI, p.bidi_drops_use_cudnn, training_default=None),
        Selection("bidirectional_cudnn.yaml", "core and use_cudnn and not seq"),
        _catch("bidi_directions_keep_args"),
    ),
    # Faults the repository's own tables must catch, on narrow selections of them.
    Fault(
        "gru_extra_state",
        "GRU with return_state returns one state too many (Keras 3.0-3.11 on TensorFlow + GPU)",
        p.wrap_call(p.GRU, p.one_state_too_many),
        Selection("gru.yaml", "core and state and not seq and not backwards"),
        _catch("structure"),
    ),
    Fault(
        "simple_rnn_drops_time",
        "SimpleRNN with return_sequences drops the time axis",
        p.wrap_call(p.SIMPLE_RNN, p.drop_time_axis),
        Selection("simple_rnn.yaml", "core and seq and not state and not backwards"),
        _catch("structure"),
    ),
    Fault(
        "lstm_returns_list",
        "LSTM returns a list instead of a tuple (Keras 2's behaviour)",
        p.wrap_call(p.LSTM, p.list_not_tuple),
        Selection("lstm.yaml", "core and state and not seq and not backwards"),
        _catch("structure"),
    ),
    Fault(
        "lstm_policy_ignored",
        "LSTM returns float32 whatever its dtype policy",
        p.wrap_call(p.LSTM, p.always_float32),
        Selection("lstm.yaml", "dtype and not state and not seq"),
        _catch("dtype"),
    ),
    Fault(
        "lstm_ignores_mask",
        "LSTM ignores its mask",
        p.wrap_call(p.LSTM, p.ignore_mask),
        Selection("lstm.yaml", "mask and not unroll and seq and not state and right"),
        _catch("matches_reference", "masked_steps_repeat", "masked_steps_zero"),
    ),
    Fault(
        "lstm_fills_mask_holes",
        "LSTM treats a mask as one span: masked steps between valid ones count as valid",
        p.wrap_call(p.LSTM, p.fill_holes),
        Selection("masks_with_holes.yaml", "core and not SimpleRNN and not GRU and not backwards"),
        _catch("matches_reference", "masked_steps_repeat", "masked_steps_zero"),
    ),
)

#: The faults whose target above is an inline table, run again on the repository's own tables
#: (where tools/inject_faults.py used to run them, and more): so that a table, a fragment or the
#: suite that stops naming a relation, or loses the row that says where it holds, is caught too.
ON_REAL_TABLES: dict[str, Selection] = {
    "lstm_inputs_scaled": Selection("lstm.yaml", "core and not backwards"),
    "lstm_c_in_place_of_h": Selection("lstm.yaml", "core and state and not backwards"),
    "lstm_backwards_time_order": Selection("lstm.yaml", "core and seq and state and backwards"),
    "lstm_swap_h_c": Selection("lstm.yaml", "core and state and not backwards"),
    "rnn_last_cell_h_shifted": Selection("rnn_stacked.yaml", "core and state and not seq and not backwards"),
    "bidi_swaps_directions": Selection(
        "bidirectional.yaml", "core and GRU and state and not merge_mode and not backwards"
    ),
    "bidi_merge_shifted": Selection(
        "bidirectional.yaml", "core and GRU and sum and state and not seq and not backwards"
    ),
    "bidi_unmerged_swapped": Selection(
        "bidirectional.yaml", "core and GRU and none and state and not seq and not backwards"
    ),
    "lstm_padding_leaks": Selection("lstm.yaml", "mask and right and seq and state and not unroll and not backwards"),
    "lstm_zero_output_ignored": Selection(
        "lstm.yaml", "mask and seq and zero_output_for_mask and not unroll and not backwards"
    ),
    "lstm_unroll_differs": Selection("lstm.yaml", "unroll and not mask and not backwards"),
    "lstm_cudnn_false_differs": Selection("lstm.yaml", "use_cudnn and not backwards"),
    "lstm_ignores_go_backwards": Selection("lstm.yaml", "core and backwards"),
    "lstm_dropout_at_inference": Selection("lstm.yaml", "dropout and seq and state and not backwards"),
    "lstm_no_dropout_in_training": Selection("lstm.yaml", "dropout and seq and state and not backwards"),
    "lstm_zero_state_not_default": Selection("lstm.yaml", "initial_state and seq and state and not backwards"),
    "lstm_ignores_initial_state": Selection("lstm.yaml", "initial_state and seq and state and not backwards"),
    "lstm_stateful_forgets": Selection("lstm.yaml", "stateful and seq and state and not backwards"),
    "lstm_reset_state_does_nothing": Selection("lstm.yaml", "stateful and seq and state and not backwards"),
    "lstm_reset_states_does_nothing": Selection("lstm.yaml", "stateful and seq and state and not backwards"),
    "lstm_symbolic_drops_state": Selection("lstm.yaml", "core and seq and state and not backwards"),
    "lstm_compiled_differs": Selection("lstm.yaml", "core and seq and state and not backwards"),
    "lstm_from_config_loses_go_backwards": Selection("lstm.yaml", "core and seq and state and backwards"),
    "lstm_sequence_without_mask": Selection(
        "lstm.yaml", "mask and right and seq and state and not unroll and not backwards and not zero_output_for_mask"
    ),
    "lstm_mask_on_every_output": Selection(
        "lstm.yaml",
        "mask and right and state and not seq and not unroll and not backwards and not zero_output_for_mask",
    ),
    "lstm_same_dropout_every_call": Selection("lstm.yaml", "dropout and seq and state and not backwards"),
    "lstm_recurrent_dropout_ignored": Selection("lstm.yaml", "recurrent_dropout and seq and state and not backwards"),
    "lstm_grows_in_training": Selection("lstm.yaml", "dropout and seq and state and not backwards"),
    "lstm_depends_on_batch_size": Selection("lstm.yaml", "core and seq and state and not backwards"),
    "lstm_stateful_broadcasts": Selection("lstm.yaml", "stateful and seq and state and not backwards"),
}
