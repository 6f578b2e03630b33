"""Named relations that need a second look at the layer: a twin call, other inputs, training.

Each compares what the case returned with what a twin of the layer (same seeded weights,
some arguments or inputs changed) returns, because the behaviours users rely on are
relations between calls: unrolled equals looped, go_backwards equals reversed input,
two stateful halves equal one whole call, a right-padded row equals its unpadded prefix,
dropout is off at inference and on in training. Which of them hold where is data in the
tables; this module only says what each name means.

``extra_calls=True`` marks those whose calls no case makes (the memo of rnnspec/calls.py
cannot serve them): a file's ``standard: {extra_calls: ...}`` says on which combinations the
default depth runs them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

# The call modes, the mask passed on and the training relations (issue 14) register here too,
# so that whoever reads a table (rnnspec/table.py) knows their names without importing Keras.
from rnnspec import callmodes, maskflow, training  # noqa: F401
from rnnspec.relations import RelationContext, flatten, relation
from rnnspec.relations import compare_all as _compare_all
from rnnspec.relations import twin_of as _twin


@relation("same_as_loop")
def same_as_loop(ctx: RelationContext) -> list[str]:
    """unroll=True computes exactly what the symbolic loop (unroll=False) computes."""
    twin = _twin(ctx)
    return _compare_all(ctx, ctx.outputs, twin.call({"unroll": False}), "unroll=True vs unroll=False")


@relation("same_as_cudnn_auto")
def same_as_cudnn_auto(ctx: RelationContext) -> list[str]:
    """use_cudnn=False (generic kernel) equals use_cudnn='auto' (cuDNN where it can)."""
    twin = _twin(ctx)
    return _compare_all(ctx, ctx.outputs, twin.call({"use_cudnn": "auto"}), "use_cudnn=False vs 'auto'")


@relation("dropout_off_at_inference", extra_calls=True)
def dropout_off_at_inference(ctx: RelationContext) -> list[str]:
    """At inference a layer with dropout equals the same layer without, and calls repeat."""
    twin = _twin(ctx)
    plain = twin.call({"dropout": 0.0, "recurrent_dropout": 0.0})
    if ctx.args.get("stateful"):  # the second call would go on from the first's state
        layer = twin.own_layer()
        (getattr(layer, "reset_state", None) or layer.reset_states)()
    again = twin.call_again()
    return _compare_all(ctx, ctx.outputs, plain, "with dropout vs without") + _compare_all(
        ctx, ctx.outputs, again, "two inference calls"
    )


@relation("dropout_on_in_training", extra_calls=True)
def dropout_on_in_training(ctx: RelationContext) -> list[str]:
    """With training=True dropout changes the result."""
    twin = _twin(ctx)
    trained = flatten(twin.call({}, training=True))
    # any difference at all, as initial_state_matters: in bfloat16 a recurrent dropout's effect
    # can stay below the case's tolerance (found by the covering designs, issue 15)
    if all(a.shape == b.shape and np.array_equal(a, b) for a, b in zip(flatten(ctx.outputs), trained, strict=True)):
        return ["training=True output vs inference output: every returned tensor is equal, they must differ"]
    return []


@relation("backwards_is_reversed_forward")
def backwards_is_reversed_forward(ctx: RelationContext) -> list[str]:
    """go_backwards=True on x equals the forward layer on x reversed in time (mask too)."""
    twin = _twin(ctx)
    x = twin.inputs.x[:, ::-1]
    mask = None if twin.inputs.mask is None else twin.inputs.mask[:, ::-1]
    forward = twin.call({"go_backwards": False}, x=x, mask=mask)
    return _compare_all(ctx, ctx.outputs, forward, "go_backwards vs forward on reversed input")


@relation("zero_initial_state_is_default", extra_calls=True)
def zero_initial_state_is_default(ctx: RelationContext) -> list[str]:
    """Passing all-zero initial states equals passing none."""
    twin = _twin(ctx)
    zeros = _zeros_like(twin.inputs.initial_state)
    return _compare_all(
        ctx, twin.call({}, initial_state=zeros), twin.call({}, initial_state=None), "zero states vs none"
    )


@relation("initial_state_matters")
def initial_state_matters(ctx: RelationContext) -> list[str]:
    """Non-zero initial states change the result (the layer does not ignore them)."""
    twin = _twin(ctx)
    mine, without = flatten(ctx.outputs), flatten(twin.call({}, initial_state=None))
    # Any difference at all: both calls run the same operations on the same weights and inputs,
    # so an ignored initial state gives equal bits. The case's tolerance is not the bar: in
    # bfloat16 the states' effect on a last output can fade below it (found by the covering
    # designs, issue 15: SimpleRNN and LSTM with initial_state, mixed_bfloat16, 5 steps).
    if all(a.shape == b.shape and np.array_equal(a, b) for a, b in zip(mine, without, strict=True)):
        return ["with initial states vs without: every returned tensor is equal, they must differ"]
    return []


def _zeros_like(states: Any) -> Any:
    if isinstance(states, list):
        return [_zeros_like(s) for s in states]
    return np.zeros_like(states)


@relation("stateful_halves_equal_whole", extra_calls=True)
def stateful_halves_equal_whole(ctx: RelationContext) -> list[str]:
    """A stateful layer fed two halves returns what one call on the whole returns."""
    twin = _twin(ctx)
    layer = twin.build({})
    x, mask = twin.inputs.x, twin.inputs.mask
    half = x.shape[1] // 2
    # the mask is split with the input, and the initial state starts the first half only
    # (found by the covering designs, issue 15: the halves were called without either)
    first = twin.call_layer(layer, x[:, :half], None if mask is None else mask[:, :half], twin.inputs.initial_state)
    second = twin.call_layer(layer, x[:, half:], None if mask is None else mask[:, half:])
    joined = flatten(second)
    if ctx.args.get("return_sequences"):
        joined[0] = np.concatenate([flatten(first)[0], joined[0]], axis=1)
    problems: list[str] = []
    for index, (a, b) in enumerate(zip(flatten(ctx.outputs), joined, strict=True)):
        problems += ctx.close(a, b, f"whole call vs two stateful halves, tensor {index}")
    return problems


def _restarts_after(ctx: RelationContext, reset: str) -> list[str]:
    # The case's own layer has made its first call (ctx.outputs): reset it and call again.
    twin = _twin(ctx)
    getattr(twin.own_layer(), reset)()
    return _compare_all(ctx, ctx.outputs, twin.call_again(), f"after {reset}() vs first call")


@relation("reset_state_restarts", extra_calls=True)
def reset_state_restarts(ctx: RelationContext) -> list[str]:
    """After a call, reset_state() makes a stateful layer reproduce its first call."""
    return _restarts_after(ctx, "reset_state")


@relation("reset_states_restarts", extra_calls=True)
def reset_states_restarts(ctx: RelationContext) -> list[str]:
    """The same through reset_states(): Keras 2's only name for it, kept by Keras 3 as an alias."""
    return _restarts_after(ctx, "reset_states")


@relation("padding_equals_truncation", extra_calls=True)
def padding_equals_truncation(ctx: RelationContext) -> list[str]:
    """With a right-padded mask, each padded row's final states equal those of its unpadded prefix."""
    twin = _twin(ctx)
    assert twin.inputs.mask is not None
    problems: list[str] = []
    padded = 0
    states = flatten(ctx.outputs)[1:]
    for b, row in enumerate(twin.inputs.mask):
        length = int(row.sum())
        if not row[:length].all():
            return [f"row {b} is not right-padded; this relation needs mask: right"]
        if length == len(row):
            continue  # no padding: nothing to compare with (the reference checks the row's numbers)
        padded += 1
        # States do not depend on return_sequences: one twin call serves both values of it.
        prefix = twin.call({"return_sequences": False}, x=twin.inputs.x[b : b + 1, :length], mask=None, batch_row=b)
        prefix = flatten(prefix)[1:]
        for index, (mine, theirs) in enumerate(zip(states, prefix, strict=True)):
            problems += ctx.close(
                mine[b : b + 1], theirs, f"row {b}: state {index} vs unpadded prefix of {length} steps"
            )
    if not padded:
        problems.append("no row of the mask is padded: the relation checked nothing")
    return problems


@relation("bidi_equals_two_layers")
def bidi_equals_two_layers(ctx: RelationContext) -> list[str]:
    """Each direction equals a separately built layer (forward, and go_backwards=True or the
    wrapper's own backward_layer) holding that direction's part of the weights."""
    twin = _twin(ctx)
    forward, backward = twin.bidi_directions()
    n_forward, n_backward = len(flatten(forward)) - 1, len(flatten(backward)) - 1
    mine = flatten(ctx.outputs)
    fwd_states, bwd_states = mine[-(n_forward + n_backward) : -n_backward], mine[-n_backward:]
    problems: list[str] = []
    for index, (a, b) in enumerate(zip(fwd_states, flatten(forward)[1:], strict=True)):
        problems += ctx.close(a, b, f"forward state {index} vs separate forward layer")
    for index, (a, b) in enumerate(zip(bwd_states, flatten(backward)[1:], strict=True)):
        problems += ctx.close(a, b, f"backward state {index} vs separate go_backwards layer")
    return problems
