"""Relations and twins ask the built layer, not the table's axis names (rnnspec/layerargs.py).

A table may call its axes what it likes (``seq`` for ``return_sequences``), set an argument
as a constant in ``build.args``, or give Bidirectional its own ``backward_layer``: the
relations must still read what the layer was built with, and twins must change the layer's
argument, or they compare the wrong tensors or pass without checking anything.
"""

from __future__ import annotations

from typing import Any

import keras
import pytest

from conftest import SpecProject
from rnnspec.calls import CallMemo
from rnnspec.registry import keras_layer_registry
from rnnspec.runner import Outcome, reproduction, run_case
from rnnspec.spec import expand, load_table

RENAMED = """\
rnnspec: 1
title: Renamed
inputs: (B, T, F)
sizes: {B: 2, T: 3, F: 2, units: 2}
build:
  class: LSTM
  args: {units: $units, return_sequences: $seq, return_state: true, go_backwards: $back, unroll: $unrolled}
defaults: {seq: false, back: false, unrolled: false, mask: none}
cross: {seq: [false, true], back: [false, true]}
tables:
  core: {}
  masked: {mask: [right]}
  unrolled: {unrolled: [true]}
expect:
  - when: {seq: false}
    returns: ((B, units), (B, units), (B, units))
    states: ((B, units), (B, units))
  - when: {seq: true}
    returns: ((B, T, units), (B, units), (B, units))
    states: ((B, units), (B, units))
  - relations: [output_is_h, h_then_c]
  - when: {back: true, mask: none}
    relations: [backwards_is_reversed_forward]
  - when: {seq: true, mask: right}
    relations: [masked_steps_repeat]
  - when: {unrolled: true}
    relations: [same_as_loop]
  - dtype: float32
"""

#: The table proposed for spec/ (Bidirectional with its own backward_layer), as tested here.
BACKWARD_LAYER = """\
rnnspec: 1
title: BackwardLayer
description: >
  keras.layers.Bidirectional(layer, backward_layer=...) with a backward layer of other units:
  the forward layer's weights come first, the backward layer's after; states come forward
  first, each direction with its own size.
inputs: (B, T, F)
sizes: {B: 2, T: 4, F: 3, units: 2, back_units: 3}
build:
  class: Bidirectional
  args: {merge_mode: $merge_mode}
  layer:
    class: LSTM
    args: {units: $units, return_sequences: $return_sequences, return_state: true}
  backward_layer:
    class: LSTM
    args: {units: $back_units, return_sequences: $return_sequences, return_state: true, go_backwards: true}
defaults: {merge_mode: concat, return_sequences: false, mask: none}
cross: {merge_mode: [concat, null], return_sequences: [false, true]}
tables:
  core: {}
  mask: {merge_mode: [concat], mask: [right]}
tolerance:
  # cuDNN kernels compute in TF32 on Ampere and newer GPUs (as spec/bidirectional.yaml).
  gpu: {float32: 2.0e-4}
expect:
  - when: {merge_mode: concat, return_sequences: false}
    returns: ((B, units + back_units), (B, units), (B, units), (B, back_units), (B, back_units))
  - when: {merge_mode: concat, return_sequences: true}
    returns: ((B, T, units + back_units), (B, units), (B, units), (B, back_units), (B, back_units))
  - when: {merge_mode: null, return_sequences: false}
    returns: ((B, units), (B, back_units), (B, units), (B, units), (B, back_units), (B, back_units))
  - when: {merge_mode: null, return_sequences: true}
    returns: ((B, T, units), (B, T, back_units), (B, units), (B, units), (B, back_units), (B, back_units))
  - relations: [bidi_equals_two_layers]
  - when: {merge_mode: concat, mask: none}
    relations: [bidi_forward_states_first]
  - when: {merge_mode: null}
    relations: [bidi_unmerged]
  - when: {return_sequences: true, mask: right}
    relations: [masked_steps_zero]
  - dtype: float32
"""


def _run_all(project: SpecProject, name: str, text: str) -> dict[str, Outcome]:
    path = project.write(name, text)
    registry = keras_layer_registry()
    memo = CallMemo()
    return {case.name: run_case(case, registry, "cpu:0", memo) for case in expand(load_table(path, registry), ("cpu",))}


def _failures(outcomes: dict[str, Outcome]) -> dict[str, Any]:
    return {name: (o.problems, o.relation_failures, o.error) for name, o in outcomes.items() if not o.ok}


def test_relations_read_the_built_arguments_under_other_axis_names(project: SpecProject) -> None:
    """``seq``/``back``/``unrolled`` feed return_sequences/go_backwards/unroll: every relation holds."""
    outcomes = _run_all(project, "renamed.yaml", RENAMED)
    assert len(outcomes) == 4 + 4 + 4
    assert not _failures(outcomes)
    assert all(o.reference == "checked" for o in outcomes.values())


def test_a_twin_changes_the_layer_argument_not_the_axis(project: SpecProject, monkeypatch: pytest.MonkeyPatch) -> None:
    """same_as_loop's twin is built with unroll=False although the axis is called ``unrolled``:
    an unrolled loop that computes something else is caught (a twin that kept unroll=True
    would have compared the layer with itself)."""
    original = keras.layers.LSTM.call

    def call(self: Any, sequences: Any, initial_state: Any = None, mask: Any = None, training: Any = None) -> Any:
        return original(self, sequences * 1.05 if self.unroll else sequences, initial_state, mask, training)

    monkeypatch.setattr(keras.layers.LSTM, "call", call)
    outcomes = _run_all(project, "renamed.yaml", RENAMED)
    broken = {name for name, o in outcomes.items() if "same_as_loop" in o.relation_failures}
    assert broken == {name for name in outcomes if "unrolled" in name}, _failures(outcomes)


def test_go_backwards_set_as_a_constant_reads_reversed(project: SpecProject) -> None:
    """A constant go_backwards: true in build.args (no axis) reverses the drawn inputs like the
    axis does, and the masking relation reads the mask in processing order."""
    text = RENAMED.replace("go_backwards: $back", "go_backwards: true").replace(
        "cross: {seq: [false, true], back: [false, true]}", "cross: {seq: [false, true]}"
    )
    text = text.replace("  - when: {back: true, mask: none}\n    relations: [backwards_is_reversed_forward]\n", "")
    text = text.replace("defaults: {seq: false, back: false,", "defaults: {seq: false,")
    outcomes = _run_all(project, "constant.yaml", text)
    assert len(outcomes) == 2 + 2 + 2
    assert not _failures(outcomes)
    case = next(iter(expand(load_table(project.root / "spec" / "constant.yaml", keras_layer_registry()), ("cpu",))))
    assert "[:, ::-1]" in reproduction(case)


def test_bidirectional_with_its_own_backward_layer_end_to_end(project: SpecProject) -> None:
    """Other units backwards: the reference, the structure and every bidi relation agree."""
    outcomes = _run_all(project, "backward.yaml", BACKWARD_LAYER)
    assert len(outcomes) == 4 + 2
    assert not _failures(outcomes)
    assert all(o.reference == "checked" for o in outcomes.values())
    assert all(o.max_error is not None and o.max_error < 1e-5 for o in outcomes.values())


def test_a_backward_layer_that_computes_wrongly_is_caught(
    project: SpecProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The twins of bidi_equals_two_layers and the reference see the backward_layer's own numbers."""
    original = keras.layers.LSTM.call

    def call(self: Any, sequences: Any, initial_state: Any = None, mask: Any = None, training: Any = None) -> Any:
        out = original(self, sequences, initial_state, mask, training)
        if self.units == 3 and getattr(self, "_inside_bidirectional", False):
            return (out[0], out[1] + 0.5, *out[2:])
        return out

    wrapper_call = keras.layers.Bidirectional.call

    def marking(self: Any, sequences: Any, initial_state: Any = None, mask: Any = None, training: Any = None) -> Any:
        self.backward_layer._inside_bidirectional = True  # the wrapper's own backward_layer only
        return wrapper_call(self, sequences, initial_state, mask, training)

    monkeypatch.setattr(keras.layers.LSTM, "call", call)
    monkeypatch.setattr(keras.layers.Bidirectional, "call", marking)
    outcomes = _run_all(project, "backward.yaml", BACKWARD_LAYER)
    for name, outcome in outcomes.items():
        assert "bidi_equals_two_layers" in outcome.relation_failures, (name, _failures(outcomes))
        assert any(p.startswith("reference:") for p in outcome.problems), (name, outcome.problems)


def test_the_proposed_backward_layer_table_passes_through_the_plugin(project: SpecProject) -> None:
    """The table as spec/ would hold it: collected, run and reported like any other."""
    project.write("bidirectional_backward_layer.yaml", BACKWARD_LAYER)
    result = project.run("-q")
    result.assert_outcomes(passed=6)
