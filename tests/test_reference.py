"""Hand-worked checks of the NumPy oracle in ``rnnspec.reference``.

Every expected value below is written out from the cell equations by hand
(tiny weights of 0, 0.5, 1, -1; one to three steps; one or two units), so a
wrong gate order, a transposed kernel, a mis-sliced bias or a wrong masking
rule changes the numbers. Nothing here imports keras.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from rnnspec.reference import reference_call


def sig(v: float) -> float:
    return float(1.0 / (1.0 + np.exp(-v)))


def seq(*values: float) -> np.ndarray:
    """One sample, one feature per step: shape (1, T, 1)."""
    return np.array(values, dtype=np.float64).reshape(1, -1, 1)


def w(*rows: list[float]) -> np.ndarray:
    return np.array(rows, dtype=np.float64)


def simple(units: int = 1, **args: Any) -> dict[str, Any]:
    return {"class": "SimpleRNN", "args": {"units": units, **args}}


# A linear SimpleRNN with h_t = x_t + 0.5 h_{t-1}: easy to follow by hand.
LINEAR_HALF = [w([1.0]), w([0.5]), np.zeros(1)]


def linear_half(**args: Any) -> dict[str, Any]:
    return simple(activation="linear", return_sequences=True, return_state=True, **args)


def flat(a: object) -> np.ndarray:
    return np.asarray(a).ravel()


def arr(result: object) -> np.ndarray:
    """The result must be one float64 array (no return_state)."""
    assert isinstance(result, np.ndarray)
    assert result.dtype == np.float64
    return result


def parts(result: object, n: int) -> tuple[Any, ...]:
    """The result must be a tuple of ``n`` items (Keras' return_state shape)."""
    assert isinstance(result, tuple)
    assert len(result) == n
    return result


# --------------------------------------------------------------------------
# SimpleRNN
# --------------------------------------------------------------------------


def test_simple_rnn_two_steps_with_bias() -> None:
    weights = [w([0.5]), w([1.0]), np.array([0.5])]
    out, h = parts(reference_call(simple(return_sequences=True, return_state=True), weights, seq(1, 2)), 2)
    h1 = np.tanh(0.5 * 1 + 0.5)
    h2 = np.tanh(0.5 * 2 + 1.0 * h1 + 0.5)
    np.testing.assert_allclose(flat(out), [h1, h2])
    np.testing.assert_allclose(flat(h), [h2])


def test_default_returns_only_last_output_as_float64_array() -> None:
    out = arr(reference_call(simple(), [w([0.5]), w([1.0]), np.zeros(1)], seq(1, 2)))
    assert isinstance(out, np.ndarray)
    assert out.dtype == np.float64
    assert out.shape == (1, 1)
    np.testing.assert_allclose(flat(out), [np.tanh(1.0 + np.tanh(0.5))])


def test_kernels_multiply_from_the_right() -> None:
    # F=1, U=2, linear. h @ U copies unit 0 into unit 1; U @ h would not.
    weights = [w([1.0, 0.0]), w([0.0, 1.0], [0.0, 0.0]), np.zeros(2)]
    out = arr(reference_call(simple(2, activation="linear", return_sequences=True), weights, seq(1, 0)))
    np.testing.assert_allclose(out[0], [[1.0, 0.0], [0.0, 1.0]])


def test_use_bias_false_takes_two_weights() -> None:
    out = arr(reference_call(simple(use_bias=False), [w([0.5]), w([-1.0])], seq(1, 1)))
    np.testing.assert_allclose(flat(out), [np.tanh(0.5 - np.tanh(0.5))])


@pytest.mark.parametrize(
    ("activation", "x", "expected"),
    [
        ("relu", -1.0, 0.0),
        ("relu", 2.0, 2.0),
        ("softsign", 1.0, 0.5),
        ("elu", -1.0, np.exp(-1.0) - 1.0),
        ("sigmoid", 1.0, sig(1.0)),
        ("hard_sigmoid", 1.5, 0.75),  # Keras 3: relu6(x + 3) / 6, not 0.2x + 0.5
        ("keras2_hard_sigmoid", 1.5, 0.8),  # Keras 2's hard_sigmoid: 0.2x + 0.5, clipped
        ("keras2_hard_sigmoid", 3.0, 1.0),
        ("linear", -3.0, -3.0),
    ],
)
def test_non_default_activation(activation: str, x: float, expected: float) -> None:
    out = arr(reference_call(simple(activation=activation), [w([1.0]), w([0.0]), np.zeros(1)], seq(x)))
    np.testing.assert_allclose(flat(out), [expected])


def test_relu_two_steps() -> None:
    out = arr(reference_call(simple(activation="relu"), [w([1.0]), w([-1.0]), np.zeros(1)], seq(1, 3)))
    np.testing.assert_allclose(flat(out), [3.0 - 1.0])


# --------------------------------------------------------------------------
# LSTM (gate order i, f, c, o)
# --------------------------------------------------------------------------

LSTM_W = w([1.0, 0.0, 0.5, -1.0])  # i, f, c, o
LSTM_U = w([0.5, 1.0, -1.0, 1.0])
LSTM_B = np.array([0.0, 1.0, 0.0, 0.0])


def lstm(**args: Any) -> dict[str, Any]:
    return {"class": "LSTM", "args": {"units": 1, **args}}


def test_lstm_gate_order_with_initial_carry() -> None:
    # One step, x=1, h0=0, c0=1: swapping i and f would change c.
    weights = [LSTM_W, np.zeros((1, 4)), np.zeros(4)]
    init = [np.zeros((1, 1)), np.ones((1, 1))]
    out, h, c = parts(reference_call(lstm(return_state=True), weights, seq(1), initial_state=init), 3)
    c1 = sig(0.0) * 1.0 + sig(1.0) * np.tanh(0.5)
    h1 = sig(-1.0) * np.tanh(c1)
    np.testing.assert_allclose(flat(c), [c1])
    np.testing.assert_allclose(flat(h), [h1])
    np.testing.assert_allclose(flat(out), [h1])


def test_lstm_two_steps_with_recurrent_kernel_and_bias() -> None:
    out, h, c = parts(
        reference_call(lstm(return_sequences=True, return_state=True), [LSTM_W, LSTM_U, LSTM_B], seq(1, -1)), 3
    )
    c1 = sig(1.0) * np.tanh(0.5)
    h1 = sig(-1.0) * np.tanh(c1)
    c2 = sig(h1 + 1.0) * c1 + sig(-1.0 + 0.5 * h1) * np.tanh(-0.5 - h1)
    h2 = sig(1.0 + h1) * np.tanh(c2)
    np.testing.assert_allclose(flat(out), [h1, h2])
    np.testing.assert_allclose(flat(h), [h2])
    np.testing.assert_allclose(flat(c), [c2])


def test_lstm_use_bias_false_and_hard_sigmoid() -> None:
    # hard_sigmoid(1) = 4/6, hard_sigmoid(0) = 1/2, hard_sigmoid(-1) = 2/6.
    node = lstm(use_bias=False, recurrent_activation="hard_sigmoid")
    out = arr(reference_call(node, [LSTM_W, np.zeros((1, 4))], seq(1)))
    c1 = (4 / 6) * np.tanh(0.5)
    np.testing.assert_allclose(flat(out), [(2 / 6) * np.tanh(c1)])


# --------------------------------------------------------------------------
# GRU (gate order z, r, h)
# --------------------------------------------------------------------------

GRU_W = w([0.5, -1.0, 1.0])
GRU_U = w([1.0, 0.5, -1.0])


def gru(**args: Any) -> dict[str, Any]:
    return {"class": "GRU", "args": {"units": 1, **args}}


def test_gru_reset_after_true() -> None:
    # bias rows: input (z, r, h), recurrent (z, r, h); x = 1, h0 = 1.
    # The recurrent h bias sits inside the reset gate, the input one outside.
    bias = w([0.0, 0.0, 0.5], [0.5, 0.0, -0.5])
    out = arr(reference_call(gru(), [GRU_W, GRU_U, bias], seq(1), initial_state=[np.ones((1, 1))]))
    z, r = sig(0.5 + 1.0 + 0.5), sig(-1.0 + 0.5)
    hh = np.tanh(1.0 + 0.5 + r * (-1.0 * 1.0 - 0.5))
    np.testing.assert_allclose(flat(out), [z * 1.0 + (1 - z) * hh])


def test_gru_reset_after_false() -> None:
    bias = np.array([0.0, 0.0, 0.5])
    out = arr(reference_call(gru(reset_after=False), [GRU_W, GRU_U, bias], seq(1), initial_state=[np.ones((1, 1))]))
    z, r = sig(0.5 + 1.0), sig(-1.0 + 0.5)
    hh = np.tanh(1.0 + 0.5 + (r * 1.0) * -1.0)
    np.testing.assert_allclose(flat(out), [z * 1.0 + (1 - z) * hh])


@pytest.mark.parametrize("reset_after", [True, False])
def test_gru_use_bias_false_two_steps(reset_after: bool) -> None:
    node = gru(reset_after=reset_after, use_bias=False, return_sequences=True)
    out = arr(reference_call(node, [GRU_W, GRU_U], seq(1, 0)))
    z1, hh1 = sig(0.5), np.tanh(1.0)  # h0 = 0 hides the reset gate
    h1 = (1 - z1) * hh1
    z2, r2 = sig(h1), sig(0.5 * h1)
    # with no bias both conventions agree: r * (h U) == (r * h) U for one unit
    h2 = z2 * h1 + (1 - z2) * np.tanh(r2 * -h1)
    np.testing.assert_allclose(flat(out), [h1, h2])


# --------------------------------------------------------------------------
# RNN over cells, stacking
# --------------------------------------------------------------------------


def test_rnn_with_single_cell_matches_layer_semantics() -> None:
    node = {"class": "RNN", "args": {"return_state": True}, "cell": {"class": "SimpleRNNCell", "args": {"units": 1}}}
    out, h = parts(reference_call(node, [w([0.5]), w([1.0]), np.zeros(1)], seq(1, 2)), 2)
    h2 = np.tanh(1.0 + np.tanh(0.5))
    np.testing.assert_allclose(flat(out), [h2])
    np.testing.assert_allclose(flat(h), [h2])


def test_stacked_cells_feed_each_other() -> None:
    cells = [{"class": "SimpleRNNCell", "args": {"units": 1}}, {"class": "SimpleRNNCell", "args": {"units": 1}}]
    node = {"class": "RNN", "args": {"return_sequences": True}, "cell": cells}
    weights = [w([1.0]), w([0.0]), np.zeros(1), w([2.0]), w([0.5]), np.zeros(1)]
    out = arr(reference_call(node, weights, seq(0.5, 1)))
    y1 = np.tanh(2 * np.tanh(0.5))
    y2 = np.tanh(2 * np.tanh(1.0) + 0.5 * y1)
    np.testing.assert_allclose(flat(out), [y1, y2])


def test_stacked_mixed_cells_states_are_lists_per_cell() -> None:
    cells = [
        {"class": "LSTMCell", "args": {"units": 1}},
        {"class": "GRUCell", "args": {"units": 1, "reset_after": False}},
        {"class": "SimpleRNNCell", "args": {"units": 1, "activation": "linear"}},
    ]
    node = {"class": "RNN", "args": {"return_state": True}, "cell": cells}
    weights = [
        *(np.zeros((1, 4)), np.zeros((1, 4)), np.zeros(4)),  # LSTM: all gates 1/2, candidate 0
        *(np.zeros((1, 3)), np.zeros((1, 3)), np.zeros(3)),  # GRU: z = 1/2, candidate 0
        *(w([1.0]), w([1.0]), np.zeros(1)),  # linear: y = x + h
    ]
    init = [np.ones((1, 1)), np.full((1, 1), 2.0), np.full((1, 1), 4.0), np.full((1, 1), 3.0)]
    out, lstm_states, gru_states, simple_states = parts(reference_call(node, weights, seq(7), initial_state=init), 4)
    assert isinstance(lstm_states, list)
    assert len(lstm_states) == 2
    assert isinstance(gru_states, list)
    assert isinstance(simple_states, list)
    c = 0.5 * 2.0
    h_lstm = 0.5 * np.tanh(c)
    h_gru = 0.5 * 4.0
    y = h_gru + 3.0
    np.testing.assert_allclose([flat(s)[0] for s in lstm_states], [h_lstm, c])
    np.testing.assert_allclose(flat(gru_states[0]), [h_gru])
    np.testing.assert_allclose(flat(simple_states[0]), [y])
    np.testing.assert_allclose(flat(out), [y])


def test_stacked_accepts_per_cell_nested_initial_state() -> None:
    cells = [{"class": "GRUCell", "args": {"units": 1}}, {"class": "LSTMCell", "args": {"units": 1}}]
    node = {"class": "RNN", "args": {"return_state": True}, "cell": cells}
    weights = [np.zeros((1, 3)), np.zeros((1, 3)), np.zeros((2, 3)), np.zeros((1, 4)), np.zeros((1, 4)), np.zeros(4)]
    nested = [[np.full((1, 1), 2.0)], [np.zeros((1, 1)), np.full((1, 1), 4.0)]]
    _, gru_states, lstm_states = parts(reference_call(node, weights, seq(1), initial_state=nested), 3)  # type: ignore[arg-type]
    np.testing.assert_allclose(flat(gru_states[0]), [1.0])
    np.testing.assert_allclose(flat(lstm_states[1]), [2.0])


# --------------------------------------------------------------------------
# go_backwards and masks (linear h_t = x_t + 0.5 h_{t-1})
# --------------------------------------------------------------------------


def test_go_backwards_returns_processing_order() -> None:
    out, h = parts(reference_call(linear_half(go_backwards=True), LINEAR_HALF, seq(1, 10)), 2)
    np.testing.assert_allclose(flat(out), [10.0, 6.0])
    np.testing.assert_allclose(flat(h), [6.0])


def test_forward_for_comparison() -> None:
    out, h = parts(reference_call(linear_half(), LINEAR_HALF, seq(1, 10)), 2)
    np.testing.assert_allclose(flat(out), [1.0, 10.5])
    np.testing.assert_allclose(flat(h), [10.5])


MASK_CASES = [
    # mask, go_backwards, zero_output_for_mask, sequence, final state
    ([1, 1, 0], False, False, [1.0, 2.5, 2.5], 2.5),  # right padded: output carried
    ([1, 1, 0], False, True, [1.0, 2.5, 0.0], 2.5),  # zero output, state kept
    ([0, 1, 1], False, False, [0.0, 2.0, 5.0], 5.0),  # left padded: zeros before first step
    ([1, 0, 1], False, False, [1.0, 1.0, 4.5], 4.5),  # hole in the middle
    ([1, 0, 1], False, True, [1.0, 0.0, 4.5], 4.5),
    ([1, 1, 0], True, False, [0.0, 2.0, 2.0], 2.0),  # backwards: mask is flipped too
    ([0, 1, 1], True, False, [4.0, 4.0, 4.0], 4.0),
    ([0, 1, 1], True, True, [4.0, 4.0, 0.0], 4.0),
    ([0, 0, 0], False, False, [0.0, 0.0, 0.0], 0.0),
]


@pytest.mark.parametrize(("mask", "backwards", "zero", "expected_seq", "expected_h"), MASK_CASES)
def test_masking(mask: list[int], backwards: bool, zero: bool, expected_seq: list[float], expected_h: float) -> None:
    node = linear_half(go_backwards=backwards, zero_output_for_mask=zero)
    m = np.array([mask], dtype=bool)
    out, h = parts(reference_call(node, LINEAR_HALF, seq(1, 2, 4), mask=m), 2)
    np.testing.assert_allclose(flat(out), expected_seq)
    np.testing.assert_allclose(flat(h), [expected_h])


def test_last_output_is_zero_when_last_step_masked_and_zero_output() -> None:
    node = simple(activation="linear", zero_output_for_mask=True)
    out = arr(reference_call(node, LINEAR_HALF, seq(1, 2, 4), mask=np.array([[1, 1, 0]], dtype=bool)))
    np.testing.assert_allclose(flat(out), [0.0])


def test_masked_leading_steps_output_zero_not_initial_state() -> None:
    m = np.array([[0, 1, 1]], dtype=bool)
    out, h = parts(
        reference_call(linear_half(), LINEAR_HALF, seq(1, 2, 4), mask=m, initial_state=[np.full((1, 1), 8.0)]), 2
    )
    np.testing.assert_allclose(flat(out), [0.0, 2.0 + 4.0, 4.0 + 3.0])
    np.testing.assert_allclose(flat(h), [7.0])


def test_mask_rows_are_independent() -> None:
    x = np.concatenate([seq(1, 2, 4), seq(1, 2, 4)])
    m = np.array([[1, 1, 1], [0, 0, 1]], dtype=bool)
    out, _ = parts(reference_call(linear_half(), LINEAR_HALF, x, mask=m), 2)
    np.testing.assert_allclose(out[..., 0], [[1.0, 2.5, 5.25], [0.0, 0.0, 4.0]])


# --------------------------------------------------------------------------
# Bidirectional
# --------------------------------------------------------------------------

# forward: h = x + 0.5 h (linear); backward: h = 2x + h (linear).
BIDI_WEIGHTS = [*LINEAR_HALF, w([2.0]), w([1.0]), np.zeros(1)]


def bidi(merge_mode: str | None, **args: Any) -> dict[str, Any]:
    inner = simple(activation="linear", **args)
    return {"class": "Bidirectional", "args": {"merge_mode": merge_mode}, "layer": inner}


@pytest.mark.parametrize(
    ("merge_mode", "expected"),
    [
        ("concat", [[1.0, 6.0], [2.5, 4.0]]),
        ("sum", [[7.0], [6.5]]),
        ("mul", [[6.0], [10.0]]),
        ("ave", [[3.5], [3.25]]),
    ],
)
def test_bidirectional_merge_modes(merge_mode: str, expected: list[list[float]]) -> None:
    # forward sequence [1, 2.5]; backward processes [2, 1] -> [4, 6], flipped to [6, 4]
    out = arr(reference_call(bidi(merge_mode, return_sequences=True), BIDI_WEIGHTS, seq(1, 2)))
    np.testing.assert_allclose(out[0], expected)


def test_bidirectional_merge_none_returns_both_in_time_order() -> None:
    y, y_rev = parts(reference_call(bidi(None, return_sequences=True), BIDI_WEIGHTS, seq(1, 2)), 2)
    np.testing.assert_allclose(flat(y), [1.0, 2.5])
    np.testing.assert_allclose(flat(y_rev), [6.0, 4.0])


def test_bidirectional_return_state_forward_then_backward() -> None:
    result = reference_call(bidi("concat", return_state=True), BIDI_WEIGHTS, seq(1, 2))
    assert isinstance(result, tuple)
    out, h_fwd, h_bwd = result
    np.testing.assert_allclose(flat(out), [2.5, 6.0])
    np.testing.assert_allclose(flat(h_fwd), [2.5])
    np.testing.assert_allclose(flat(h_bwd), [6.0])


def test_bidirectional_merge_none_with_state() -> None:
    result = reference_call(bidi(None, return_state=True), BIDI_WEIGHTS, seq(1, 2))
    assert isinstance(result, tuple)
    np.testing.assert_allclose([flat(r)[0] for r in result], [2.5, 6.0, 2.5, 6.0])


def test_bidirectional_initial_state_split_in_halves() -> None:
    init = [np.full((1, 1), 2.0), np.full((1, 1), 10.0)]
    out = arr(reference_call(bidi("concat"), BIDI_WEIGHTS, seq(1, 2), initial_state=init))
    # forward: 1 + 1 = 2, 2 + 1 = 3; backward: 4 + 10 = 14, 2 + 14 = 16
    np.testing.assert_allclose(flat(out), [3.0, 16.0])


def test_bidirectional_forces_zero_output_when_returning_sequences() -> None:
    node = bidi("concat", return_sequences=True, zero_output_for_mask=False)
    out = arr(reference_call(node, BIDI_WEIGHTS, seq(1, 2, 4), mask=np.array([[1, 1, 0]], dtype=bool)))
    # backward processes [4, 2, 1] with mask [0, 1, 1]: [0, 4, 6] -> flipped [6, 4, 0]
    np.testing.assert_allclose(out[0], [[1.0, 6.0], [2.5, 4.0], [0.0, 0.0]])


def test_bidirectional_never_zeroes_the_last_output() -> None:
    node = bidi("concat", zero_output_for_mask=True)
    out = arr(reference_call(node, BIDI_WEIGHTS, seq(1, 2, 4), mask=np.array([[1, 1, 0]], dtype=bool)))
    np.testing.assert_allclose(flat(out), [2.5, 6.0])


def test_bidirectional_over_a_backwards_layer_as_keras_2_computes_it() -> None:
    """Keras 3 rejects it; Keras 2 swaps the directions and still flips the second sequence."""
    node = bidi("concat", go_backwards=True, return_sequences=True, return_state=True)
    out, h_first, h_second = parts(reference_call(node, BIDI_WEIGHTS, seq(1, 2)), 3)
    # the wrapped copy (h = x + 0.5 h) reads [2, 1]: [2, 2]; the other (h = 2x + h) reads
    # [1, 2]: [2, 6], flipped to [6, 2]
    np.testing.assert_allclose(out[0], [[2.0, 6.0], [2.0, 2.0]])
    np.testing.assert_allclose([flat(h_first)[0], flat(h_second)[0]], [2.0, 6.0])


def test_bidirectional_over_stacked_cells_state_structure() -> None:
    cells = [{"class": "LSTMCell", "args": {"units": 1}}, {"class": "SimpleRNNCell", "args": {"units": 1}}]
    inner = {"class": "RNN", "args": {"return_state": True}, "cell": cells}
    node = {"class": "Bidirectional", "args": {"merge_mode": "sum"}, "layer": inner}
    one_direction = [np.zeros((1, 4)), np.zeros((1, 4)), np.zeros(4), w([1.0]), w([0.0]), np.zeros(1)]
    result = reference_call(node, one_direction * 2, seq(1))
    assert isinstance(result, tuple)
    assert [type(r).__name__ for r in result] == ["ndarray", "list", "list", "list", "list"]
    assert [len(r) for r in result[1:]] == [2, 1, 2, 1]


def backward_simple(units: int = 1, **args: Any) -> dict[str, Any]:
    """A Bidirectional node with its own backward_layer (a SimpleRNN reading backwards)."""
    node = bidi("concat", **args)
    node["backward_layer"] = simple(units, activation="linear", go_backwards=True, **args)
    return node


def test_bidirectional_backward_layer_has_its_own_weights_and_units() -> None:
    """Keras's get_weights order: the forward layer's, then the backward layer's (here 2 units)."""
    # backward: h = [x, -x] + h U with U = [[1, 0], [0, 0]] (h0 accumulates, h1 = -x).
    backward = [w([1.0, -1.0]), w([1.0, 0.0], [0.0, 0.0]), np.zeros(2)]
    node = backward_simple(2, return_sequences=True, return_state=True)
    out, h_fwd, h_bwd = parts(reference_call(node, [*LINEAR_HALF, *backward], seq(1, 2)), 3)
    # forward [1, 2.5]; backward reads [2, 1]: [2, -2], [3, -1]; flipped to time order
    np.testing.assert_allclose(out[0], [[1.0, 3.0, -1.0], [2.5, 2.0, -2.0]])
    np.testing.assert_allclose(flat(h_fwd), [2.5])
    np.testing.assert_allclose(flat(h_bwd), [3.0, -1.0])


def test_bidirectional_backward_layer_keeps_its_arguments() -> None:
    """The backward layer's own activation is used (not a copy of the forward layer's)."""
    node = backward_simple()
    node["backward_layer"]["args"]["activation"] = "relu"
    weights = [*LINEAR_HALF, w([-1.0]), w([1.0]), np.zeros(1)]
    out = arr(reference_call(node, weights, seq(1, 2)))
    np.testing.assert_allclose(flat(out), [2.5, 0.0])  # relu(-2) = 0, relu(-1 + 0) = 0


@pytest.mark.parametrize(
    ("change", "message"),
    [({"go_backwards": False}, "other way"), ({"return_sequences": True}, "return_sequences")],
)
def test_bidirectional_backward_layer_must_mirror_the_forward_one(change: dict[str, Any], message: str) -> None:
    node = backward_simple()
    node["backward_layer"]["args"].update(change)
    with pytest.raises(ValueError, match=message):
        reference_call(node, BIDI_WEIGHTS, seq(1, 2))


def test_bidirectional_backward_layer_is_masked_and_zeroed_like_the_copy() -> None:
    """Same numbers as the copied backward layer when the backward layer equals the copy."""
    mask = np.array([[1, 1, 0]], dtype=bool)
    args = {"return_sequences": True, "return_state": True}
    copied = reference_call(bidi("concat", **args), BIDI_WEIGHTS, seq(1, 2, 4), mask=mask)
    given = reference_call(backward_simple(**args), BIDI_WEIGHTS, seq(1, 2, 4), mask=mask)
    assert isinstance(copied, tuple)
    assert isinstance(given, tuple)
    for a, b in zip(copied, given, strict=True):
        np.testing.assert_allclose(a, b)


# --------------------------------------------------------------------------
# ConvLSTM
# --------------------------------------------------------------------------


def conv_kernel(i: list[float], f: list[float], c: list[float], o: list[float]) -> np.ndarray:
    """1D kernel (k, Cin=1, 4 gates * filters=1) from per-gate taps."""
    return np.stack([i, f, c, o], axis=-1)[:, None, :].astype(np.float64)


def conv1d(padding: str, kernel_size: int = 3, **args: Any) -> dict[str, Any]:
    return {"class": "ConvLSTM1D", "args": {"filters": 1, "kernel_size": kernel_size, "padding": padding, **args}}


X3 = np.array([1.0, 2.0, 3.0]).reshape(1, 1, 3, 1)  # (B, T, width, C)
TAPS = conv_kernel(i=[1, 0, 0], f=[0, 0, 0], c=[0, 1, 0], o=[0, 0, 1])


def test_conv_lstm1d_valid() -> None:
    out = arr(reference_call(conv1d("valid"), [TAPS, np.zeros((3, 1, 4)), np.zeros(4)], X3))
    assert out.shape == (1, 1, 1)
    c = sig(1.0) * np.tanh(2.0)
    np.testing.assert_allclose(flat(out), [sig(3.0) * np.tanh(c)])


def test_conv_lstm1d_same() -> None:
    out = arr(reference_call(conv1d("same"), [TAPS, np.zeros((3, 1, 4)), np.zeros(4)], X3))
    zi, zc, zo = np.array([0.0, 1.0, 2.0]), np.array([1.0, 2.0, 3.0]), np.array([2.0, 3.0, 0.0])
    c = (1 / (1 + np.exp(-zi))) * np.tanh(zc)
    np.testing.assert_allclose(flat(out), (1 / (1 + np.exp(-zo))) * np.tanh(c))


def test_conv_lstm1d_same_even_kernel_pads_after() -> None:
    # TensorFlow 'same' with k=2 pads 0 before and 1 after: window [x_p, x_{p+1}].
    taps = conv_kernel(i=[1, 0], f=[0, 0], c=[0, 1], o=[0, 0])
    out = arr(reference_call(conv1d("same", kernel_size=2), [taps, np.zeros((2, 1, 4)), np.zeros(4)], X3))
    zi, zc = np.array([1.0, 2.0, 3.0]), np.array([2.0, 3.0, 0.0])
    c = (1 / (1 + np.exp(-zi))) * np.tanh(zc)
    np.testing.assert_allclose(flat(out), 0.5 * np.tanh(c))


def test_conv_lstm1d_recurrent_conv_is_same_padded() -> None:
    # Valid input conv leaves one position; the recurrent conv must still run
    # 'same' on it (tap [1, 0, 0] then only sees padding) and keep the carry.
    x = np.concatenate([X3, np.zeros_like(X3)], axis=1)
    recurrent = conv_kernel(i=[0, 0, 0], f=[0, 0, 0], c=[1, 0, 0], o=[0, 0, 0])
    node = conv1d("valid", return_state=True)
    out, h, c = parts(reference_call(node, [TAPS, recurrent, np.zeros(4)], x), 3)
    c1 = sig(1.0) * np.tanh(2.0)
    c2 = 0.5 * c1 + 0.5 * np.tanh(0.0)
    np.testing.assert_allclose(flat(c), [c2])
    np.testing.assert_allclose(flat(h), [0.5 * np.tanh(c2)])
    np.testing.assert_allclose(flat(out), flat(h))


def test_conv_lstm2d_valid_kernel_covers_image() -> None:
    x = np.array([[1.0, 2.0], [3.0, 4.0]]).reshape(1, 1, 2, 2, 1)
    gates = np.zeros((2, 2, 1, 4))
    gates[0, 0, 0, 0] = 1.0  # i sees x[0, 0]
    gates[1, 1, 0, 2] = 1.0  # c sees x[1, 1]
    gates[0, 1, 0, 3] = gates[1, 0, 0, 3] = 1.0  # o sees x[0, 1] + x[1, 0]
    node = {"class": "ConvLSTM2D", "args": {"filters": 1, "kernel_size": 2}}
    out = arr(reference_call(node, [gates, np.zeros((2, 2, 1, 4)), np.zeros(4)], x))
    assert out.shape == (1, 1, 1, 1)
    np.testing.assert_allclose(flat(out), [sig(5.0) * np.tanh(sig(1.0) * np.tanh(4.0))])


def test_conv_lstm3d_pointwise_is_a_per_voxel_lstm() -> None:
    x = np.array([1.0, -1.0]).reshape(1, 1, 1, 1, 2, 1)
    kernel = np.array([1.0, 0.0, 0.5, -1.0]).reshape(1, 1, 1, 1, 4)
    node = {"class": "ConvLSTM3D", "args": {"filters": 1, "kernel_size": 1, "padding": "same"}}
    out = arr(reference_call(node, [kernel, np.zeros((1, 1, 1, 1, 4)), np.zeros(4)], x))
    expected = [sig(-v) * np.tanh(sig(v) * np.tanh(0.5 * v)) for v in (1.0, -1.0)]
    np.testing.assert_allclose(flat(out), expected)


# --------------------------------------------------------------------------
# Argument handling
# --------------------------------------------------------------------------


def test_inference_irrelevant_args_are_ignored() -> None:
    node = simple(unroll=True, stateful=False, dropout=0.5, recurrent_dropout=0.5, seed=3, kernel_initializer="zeros")
    out = arr(reference_call(node, [w([0.5]), w([1.0]), np.zeros(1)], seq(1, 2)))
    np.testing.assert_allclose(flat(out), [np.tanh(1.0 + np.tanh(0.5))])


@pytest.mark.parametrize(
    "node",
    [
        {"class": "Dense", "args": {"units": 1}},
        simple(time_major=True),
        simple(activation="swish"),
        conv1d("valid", strides=2),
        conv1d("valid", dilation_rate=2),
        conv1d("causal"),
        conv1d("valid", data_format="channels_first"),
        {"class": "RNN", "args": {}, "cell": {"class": "ConvLSTMCell", "args": {}}},
        {"class": "Bidirectional", "args": {"merge_mode": "max"}, "layer": simple()},
    ],
)
def test_unsupported_raises_not_implemented(node: dict[str, Any]) -> None:
    weights = [np.zeros((3, 1, 4)), np.zeros((3, 1, 4)), np.zeros(4)]
    with pytest.raises(NotImplementedError):
        reference_call(node, weights, np.zeros((1, 1, 3, 1)))


@pytest.mark.parametrize("n_weights", [2, 4])
def test_wrong_weight_count_raises(n_weights: int) -> None:
    weights = [w([0.5]), w([1.0]), np.zeros(1), np.zeros(1)][:n_weights]
    with pytest.raises(ValueError, match="weight"):
        reference_call(simple(), weights, seq(1))


@pytest.mark.parametrize(
    ("node", "weights"),
    [
        (gru(), [GRU_W, GRU_U, np.zeros(3)]),  # reset_after=True needs a (2, 3U) bias
        (gru(reset_after=False), [GRU_W, GRU_U, np.zeros((2, 3))]),
        (lstm(), [LSTM_U.T, LSTM_U, LSTM_B]),  # kernel and recurrent kernel swapped/transposed
        (conv1d("valid"), [np.zeros((2, 1, 4)), np.zeros((3, 1, 4)), np.zeros(4)]),  # kernel_size 3
    ],
)
def test_misshaped_weights_raise(node: dict[str, Any], weights: list[np.ndarray]) -> None:
    with pytest.raises(ValueError, match="shape"):
        reference_call(node, weights, X3 if node["class"] == "ConvLSTM1D" else seq(1))


def test_mask_must_be_batch_by_time() -> None:
    with pytest.raises(ValueError, match="mask"):
        reference_call(simple(), LINEAR_HALF, seq(1, 2), mask=np.ones((1, 3), dtype=bool))


# --------------------------------------------------------------------------
# The package itself
# --------------------------------------------------------------------------


def test_the_reference_imports_no_keras() -> None:
    """The oracle stays independent: importing it (and computing) loads no Keras nor TensorFlow."""
    import subprocess
    import sys

    code = (
        "import sys, numpy as np\n"
        "from rnnspec.reference import reference_call\n"
        "reference_call({'class': 'SimpleRNN', 'args': {'units': 1}}, [np.ones((1, 1))] * 2 + [np.zeros(1)],"
        " np.ones((1, 2, 1)))\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('keras', 'tensorflow', 'tf_keras', 'jax', 'torch')))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.strip() == "[]", done.stdout + done.stderr


def test_layers_are_dispatched_by_a_class_table() -> None:
    """Every layer and cell class the reference computes is a key of one table."""
    from rnnspec.reference import BUILDERS

    assert set(BUILDERS) == {
        *("SimpleRNN", "LSTM", "GRU", "SimpleRNNCell", "LSTMCell", "GRUCell"),
        *("ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D", "RNN", "Bidirectional"),
    }


def test_a_cell_alone_is_not_a_layer() -> None:
    with pytest.raises(NotImplementedError, match="RNN"):
        reference_call({"class": "LSTMCell", "args": {"units": 1}}, [], seq(1))
