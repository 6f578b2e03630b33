"""Every relation can fail: break a Keras layer on purpose and the suite must report it.

For each relation name in ``rnnspec.relations.RELATIONS`` a one-case table names that
relation, and a fault patched into the Keras layer in this process (with pytest's
``monkeypatch``, undone after the test) breaks exactly the behaviour the relation is about,
while keeping the returned structure intact (a wrong structure stops the relations from
being checked at all). Each test runs the table twice: unbroken it must pass (so no test
passes vacuously), broken it must fail with the relation among ``relation_failures`` in
results.json.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import keras
import numpy as np
import pytest

import rnnspec.behaviours  # noqa: F401 - registers the relations that need twin calls
from conftest import SpecProject, load_results, outcomes_of, records_by_name
from rnnspec.relations import RELATIONS

# --- tables --------------------------------------------------------------------------


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
_LSTM_AXES = (*_RNN_AXES, "use_cudnn", "dropout", "zero_output_for_mask")
_LSTM_DEFAULTS: dict[str, Any] = {
    "return_sequences": False,
    "return_state": False,
    "go_backwards": False,
    "unroll": False,
    "stateful": False,
    "use_cudnn": "auto",
    "dropout": 0.0,
    "zero_output_for_mask": False,
}


def _args(axes: tuple[str, ...], **extra: str) -> str:
    return "{" + ", ".join([*(f"{k}: {v}" for k, v in extra.items()), *(f"{a}: ${a}" for a in axes)]) + "}"


def lstm(relation: str, T: int = 3, **values: Any) -> str:
    """An LSTM table with one combination (LSTM's defaults overridden by ``values``)."""
    axes = {**_LSTM_DEFAULTS, **values}
    output = "(B, T, units)" if axes["return_sequences"] else "(B, units)"
    returns = f"({output}, (B, units), (B, units))" if axes["return_state"] else output
    row = f"returns: {returns}\nstates: ((B, units), (B, units))\nrelations: [{relation}]"
    build = f"{{class: LSTM, args: {_args(_LSTM_AXES, units='$units')}}}"
    return _table("LSTM", build, axes, row, f"{{B: 2, T: {T}, F: 2, units: 2}}")


def bidirectional(relation: str, merge_mode: str | None, returns: str) -> str:
    """Bidirectional(GRU) with return_state, without sequences."""
    axes = {"merge_mode": merge_mode, "return_sequences": False, "return_state": True}
    inner = f"{{class: GRU, args: {_args(('return_sequences', 'return_state'), units='$units')}}}"
    build = f"{{class: Bidirectional, args: {{merge_mode: $merge_mode}}, layer: {inner}}}"
    row = f"returns: {returns}\nrelations: [{relation}]"
    return _table("Bidirectional", build, axes, row, "{B: 2, T: 3, F: 2, units: 2}")


def stacked(relation: str) -> str:
    """RNN([LSTMCell, GRUCell]) with return_state: (output, [h, c], [h])."""
    cells = "[{class: LSTMCell, args: {units: $units}}, {class: GRUCell, args: {units: $units}}]"
    build = f"{{class: RNN, args: {_args(_RNN_AXES)}, cell: {cells}}}"
    axes = {axis: False for axis in _RNN_AXES} | {"return_state": True}
    row = f"returns: ((B, units), [(B, units), (B, units)], [(B, units)])\nrelations: [{relation}]"
    return _table("RNN", build, axes, row, "{B: 2, T: 3, F: 2, units: 2}")


# --- faults: wrappers around a layer's own call that keep its returned structure --------

Change = Callable[..., Any]  # (original, self, sequences, initial_state, mask, training) -> outputs


def wrap_call(cls: type, change: Change, training_default: bool | None = False) -> Callable[[pytest.MonkeyPatch], None]:
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


def _first(out: Any) -> Any:
    return out[0] if isinstance(out, tuple) else out


def _with_first(out: Any, first: Any) -> Any:
    return (first, *out[1:]) if isinstance(out, tuple) else first


def scale_inputs_when(predicate: Callable[[Any], bool]) -> Change:
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


def reset_state_does_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(keras.layers.LSTM, "reset_state", lambda self: None)


def reset_states_does_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(keras.layers.LSTM, "reset_states", lambda self: None)


LSTM, RNN, BIDI = keras.layers.LSTM, keras.layers.RNN, keras.layers.Bidirectional


@dataclass(frozen=True)
class Fault:
    table: str
    install: Callable[[pytest.MonkeyPatch], None]


_SEQ_STATE = {"return_sequences": True, "return_state": True}
_MASKED = {"return_sequences": True, "mask": "right"}

#: relation -> a table naming it, and a fault that breaks it
FAULTS: dict[str, Fault] = {
    "matches_reference": Fault(lstm("matches_reference"), wrap_call(LSTM, scale_inputs_when(lambda layer: True))),
    "output_is_h": Fault(lstm("output_is_h", return_state=True), wrap_call(LSTM, c_in_place_of_h)),
    "last_step_is_h": Fault(
        lstm("last_step_is_h", go_backwards=True, **_SEQ_STATE), wrap_call(LSTM, flip_sequence_when_backwards)
    ),
    "h_then_c": Fault(lstm("h_then_c", return_state=True), wrap_call(LSTM, swap_h_c)),
    "output_is_last_cell_h": Fault(stacked("output_is_last_cell_h"), wrap_call(RNN, last_cell_h_shifted)),
    "bidi_forward_states_first": Fault(
        bidirectional("bidi_forward_states_first", "concat", "((B, 2 * units), (B, units), (B, units))"),
        wrap_call(BIDI, swap_bidi_state_groups, training_default=None),
    ),
    "bidi_merge": Fault(
        bidirectional("bidi_merge", "sum", "((B, units), (B, units), (B, units))"),
        wrap_call(BIDI, shift_merged_output, training_default=None),
    ),
    "bidi_unmerged": Fault(
        bidirectional("bidi_unmerged", None, "((B, units), (B, units), (B, units), (B, units))"),
        wrap_call(BIDI, swap_unmerged_outputs, training_default=None),
    ),
    "masked_steps_repeat": Fault(lstm("masked_steps_repeat", **_MASKED), wrap_call(LSTM, mask_only_zeroes_outputs)),
    "masked_steps_zero": Fault(
        lstm("masked_steps_zero", zero_output_for_mask=True, **_MASKED), wrap_call(LSTM, never_zero_output_for_mask)
    ),
    "same_as_loop": Fault(
        lstm("same_as_loop", unroll=True), wrap_call(LSTM, scale_inputs_when(lambda layer: layer.unroll))
    ),
    "same_as_cudnn_auto": Fault(
        lstm("same_as_cudnn_auto", use_cudnn=False),
        wrap_call(LSTM, scale_inputs_when(lambda layer: layer.use_cudnn is False)),
    ),
    "backwards_is_reversed_forward": Fault(
        lstm("backwards_is_reversed_forward", go_backwards=True, return_sequences=True),
        wrap_call(LSTM, ignore_go_backwards),
    ),
    "dropout_off_at_inference": Fault(lstm("dropout_off_at_inference", dropout=0.5), wrap_call(LSTM, always_training)),
    "dropout_on_in_training": Fault(lstm("dropout_on_in_training", dropout=0.5), wrap_call(LSTM, never_training)),
    "zero_initial_state_is_default": Fault(
        lstm("zero_initial_state_is_default", initial_state=True), wrap_call(LSTM, zero_states_become_nonzero)
    ),
    "initial_state_matters": Fault(
        lstm("initial_state_matters", initial_state=True), wrap_call(LSTM, ignore_initial_state)
    ),
    "stateful_halves_equal_whole": Fault(
        lstm("stateful_halves_equal_whole", T=4, stateful=True), wrap_call(LSTM, forget_state_between_calls)
    ),
    "reset_state_restarts": Fault(lstm("reset_state_restarts", T=4, stateful=True), reset_state_does_nothing),
    "reset_states_restarts": Fault(lstm("reset_states_restarts", T=4, stateful=True), reset_states_does_nothing),
    "padding_equals_truncation": Fault(
        lstm("padding_equals_truncation", mask="right", return_state=True), wrap_call(LSTM, mask_only_zeroes_outputs)
    ),
    "bidi_equals_two_layers": Fault(
        bidirectional("bidi_equals_two_layers", "concat", "((B, 2 * units), (B, units), (B, units))"),
        wrap_call(BIDI, swap_bidi_state_groups, training_default=None),
    ),
}


def test_every_relation_has_a_fault() -> None:
    """A relation added to rnnspec/relations.py or behaviours.py needs a fault here too."""
    assert set(FAULTS) == set(RELATIONS)


def _run(project: SpecProject, label: str) -> tuple[dict[str, str], dict[str, Any]]:
    reports = project.root / f"reports-{label}"
    result = project.run(f"--rnnspec-reports={reports}")
    records = records_by_name(load_results(reports))
    assert len(records) == 1, records
    return outcomes_of(result), next(iter(records.values()))


@pytest.mark.parametrize("relation", list(FAULTS))
def test_fault_is_reported_by_its_relation(
    project: SpecProject, monkeypatch: pytest.MonkeyPatch, relation: str
) -> None:
    """Unbroken, the table passes; with the fault, the case fails and names the relation."""
    fault = FAULTS[relation]
    project.write("table.yaml", fault.table)

    outcomes, record = _run(project, "clean")
    assert list(outcomes.values()) == ["passed"], (outcomes, record)
    assert not record["relation_failures"]
    assert not record["problems"]

    fault.install(monkeypatch)
    outcomes, record = _run(project, "broken")
    assert list(outcomes.values()) == ["failed"], (outcomes, record)
    assert record["error"] is None, record["error"]  # the fault kept the call working
    assert relation in record["relation_failures"], record
    if relation == "matches_reference":
        assert any(problem.startswith("reference:") for problem in record["problems"]), record["problems"]


def test_padding_relation_without_a_padded_row_fails(project: SpecProject) -> None:
    """With one row (B=1) the mask pads nothing: the relation says so instead of passing empty."""
    table = lstm("padding_equals_truncation", mask="right", return_state=True).replace("{B: 2,", "{B: 1,")
    assert "{B: 1," in table
    project.write("table.yaml", table)
    outcomes, record = _run(project, "unpadded")
    assert list(outcomes.values()) == ["failed"], (outcomes, record)
    assert record["relation_failures"]["padding_equals_truncation"] == [
        "no row of the mask is padded: the relation checked nothing"
    ]
