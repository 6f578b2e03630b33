"""The suite shares work between cases without sharing what must stay separate.

Twin calls come out of the session's memo when another case already made them
(rnnspec/calls.py); stateful layers and training calls never do; under ``-n`` each spec
file stays on one worker (rnnspec/scheduling.py) and the controller never imports Keras.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict

import numpy as np
import pytest

from conftest import GOOD_LSTM, SpecProject
from rnnspec.calls import CallMemo, call_key, fingerprint, is_stateful, layer_key
from rnnspec.registry import keras_layer_registry
from rnnspec.runner import run_case
from rnnspec.spec import expand, load_table

UNROLL_LSTM = (
    GOOD_LSTM.replace("    return_state: $return_state\n", "    return_state: $return_state\n    unroll: $unroll\n")
    .replace("  return_state: false\ncross:", "  return_state: false\n  unroll: false\ncross:")
    .replace("  core: {}\n", "  core: {}\n  unroll: {unroll: [true]}\n")
    .replace("  - dtype: float32\n", "  - when: {unroll: true}\n    relations: [same_as_loop]\n  - dtype: float32\n")
)


def test_unrolled_twins_are_the_core_cases_calls(project: SpecProject) -> None:
    """same_as_loop's twin (unroll=False) is the core table's case: no second call."""
    path = project.write("lstm.yaml", UNROLL_LSTM)
    registry = keras_layer_registry()
    cases = list(expand(load_table(path, registry), ("cpu",)))
    assert [c.table for c in cases] == ["core"] * 4 + ["unroll"] * 4
    memo = CallMemo()
    outcomes = [run_case(case, registry, "cpu:0", memo) for case in cases]
    assert all(o.ok for o in outcomes), [o.problems or o.relation_failures for o in outcomes]
    assert (memo.hits, memo.calls) == (4, 0)
    # Without the core cases in the session, each twin is a real call.
    alone = CallMemo()
    assert all(run_case(case, registry, "cpu:0", alone).ok for case in cases[4:])
    assert (alone.hits, alone.calls) == (0, 4)


def test_what_is_never_shared() -> None:
    stacked = {"class": "RNN", "args": {"stateful": False}, "cell": [{"class": "LSTMCell", "args": {}}]}
    assert not is_stateful(stacked)
    inner = {"class": "Bidirectional", "args": {}, "layer": {"class": "GRU", "args": {"stateful": True}}}
    assert is_stateful(inner)
    weights = [np.ones((2, 2), "float32")]
    x = np.zeros((1, 3, 2), "float32")
    key = layer_key({"class": "GRU", "args": {}}, "cpu:0", weights)
    assert key != layer_key({"class": "GRU", "args": {}}, "cpu:1", weights)
    assert key != layer_key({"class": "GRU", "args": {}}, "cpu:0", [weights[0] * 2])
    assert call_key(key, x, None, None) != call_key(key, x[:, ::-1] + 1, None, None)
    mask = np.ones((1, 3), bool)
    assert call_key(key, x, None, None) != call_key(key, x, mask, None)
    assert fingerprint(x[:, ::-1]) == fingerprint(np.ascontiguousarray(x[:, ::-1]))
    memo = CallMemo()
    assert memo.result("k", lambda: 1) == 1
    assert memo.result("k", lambda: 2) == 1
    assert (memo.hits, memo.calls) == (1, 1)


def test_each_spec_file_runs_on_one_worker(project: SpecProject) -> None:
    """Under -n 2 every case of a file reports from the same worker, and the controller
    prints installed versions without importing Keras; the reports carry the workers'."""
    project.write("a.yaml", UNROLL_LSTM)
    project.write("b.yaml", UNROLL_LSTM.replace("title: LSTM", "title: Other"))
    out = project.root / "reports"
    result = project.run_subprocess("-p", "xdist", "-n", "2", "-v", f"--rnnspec-reports={out}", timeout=240)
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()
    workers: dict[str, set[str]] = defaultdict(set)
    for gw, path in re.findall(r"\[(gw\d+)\]\s.*?PASSED (spec/\w+\.yaml)::", result.stdout.str()):
        workers[path].add(gw)
    assert set(workers) == {"spec/a.yaml", "spec/b.yaml"}, result.stdout.str()
    assert all(len(gws) == 1 for gws in workers.values()), workers
    assert "(installed); devices are resolved on each worker" in result.stdout.str()
    from rnnspec.kerasapi import versions

    meta = json.loads((out / "results.json").read_text(encoding="utf-8"))["meta"]
    assert meta["versions"] == versions()


BIDI_GRU = """\
rnnspec: 1
title: Bidirectional
inputs: (B, T, F)
sizes: {B: 2, T: 3, F: 2, units: 2}
build:
  class: Bidirectional
  args: {merge_mode: $merge_mode}
  layer:
    class: GRU
    args: {units: $units, return_sequences: $return_sequences, return_state: true}
defaults: {merge_mode: concat, return_sequences: false}
cross:
  merge_mode: [concat, sum]
  return_sequences: [false, true]
tables:
  core: {}
expect:
  - when: {merge_mode: concat, return_sequences: false}
    returns: ((B, 2 * units), (B, units), (B, units))
  - when: {merge_mode: concat, return_sequences: true}
    returns: ((B, T, 2 * units), (B, units), (B, units))
  - when: {merge_mode: sum, return_sequences: false}
    returns: ((B, units), (B, units), (B, units))
  - when: {merge_mode: sum, return_sequences: true}
    returns: ((B, T, units), (B, units), (B, units))
  - relations: [bidi_equals_two_layers]
  - dtype: float32
"""


def test_bidirectional_direction_twins_are_shared_across_merge_mode_and_return_sequences(
    project: SpecProject,
) -> None:
    """bidi_equals_two_layers compares states, which neither flag changes: the forward and
    the go_backwards layer are built and called once for the four cases."""
    path = project.write("bidirectional.yaml", BIDI_GRU)
    registry = keras_layer_registry()
    memo = CallMemo()
    outcomes = [run_case(case, registry, "cpu:0", memo) for case in expand(load_table(path, registry), ("cpu",))]
    assert len(outcomes) == 4
    assert all(o.ok for o in outcomes), [o.problems or o.relation_failures for o in outcomes]
    assert (memo.calls, memo.hits) == (2, 6)


RAISES = """\
rnnspec: 1
title: SimpleRNN
inputs: (B, T, F)
sizes: {B: 2, T: 3, F: 2, units: 2}
build:
  class: SimpleRNN
  args: {units: $size}
defaults: {size: 2}
cross:
  size: [2, 0]
expect:
  - when: {size: 2}
    returns: (B, units)
  - when: {size: 0}
    raises: ValueError
  - dtype: float32
"""


def test_the_runner_times_what_the_bare_loop_does(project: SpecProject) -> None:
    """``timings['bare']`` is the whole of call_layer (benchmarks/suite_overhead.py's same-run
    overhead divides by it): at least build + call, and also there for a call that raises."""
    path = project.write("simple_rnn.yaml", RAISES)
    registry = keras_layer_registry()
    returned, raised = (run_case(case, registry, "cpu:0") for case in expand(load_table(path, registry), ("cpu",)))
    assert returned.ok
    assert raised.ok
    assert raised.actual_text == "raises ValueError"
    assert returned.timings["bare"] >= returned.timings["build"] + returned.timings["call"] > 0
    assert set(raised.timings) == {"bare"}
    assert raised.timings["bare"] > 0
