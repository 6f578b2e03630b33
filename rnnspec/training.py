"""Relations of training calls and of a second batch size.

- ``training_calls_differ``: calls with ``training=True`` draw new dropout masks, so they
  differ (some of four); two inference calls (``dropout_off_at_inference``) do not.
- ``training_stays_bounded``: over a longer sequence (T = 20) in training, the returned
  output stays within the activation's range ([-1, 1] for tanh), call after call: GRU's
  recurrent dropout leaked into the carried state until Keras 3.8 (keras#20276) and its
  outputs grew to 1e25.
- ``other_batch_matches``: a stateless layer called again with one more row (a copy of row 0)
  returns the first call's rows and, for the copy, row 0's result: the same numbers, hence the
  reference's, whatever the batch size.
- ``stateful_other_batch_raises``: a stateful layer called with another batch size than it
  was built for raises (Keras 3.12+; before, it broadcast silently: keras#21183).

Keras's dropout masks (``DropoutRNNCell.get_dropout_mask``) are made inside the call and reset
at its end (``RNN._maybe_reset_dropout_masks``): no public API hands them out, so a training
call is compared with relations, not with the NumPy reference.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from rnnspec.relations import RelationContext, flatten, relation
from rnnspec.relations import compare_all as _compare_all
from rnnspec.relations import twin_of as _twin

#: The sequence length of the bounded-in-training relation (issue 14 asks for T >= 20).
LONG_T = 20
#: How many training calls it makes on the long sequence.
LONG_CALLS = 2


#: How many training calls ``training_calls_differ`` compares with the first: two calls on a
#: small layer draw the same masks now and then (seen 2 times in 11 on LSTM(4), B=2, F=3).
TRAINING_CALLS = 4


@relation("training_calls_differ", extra_calls=True)
def training_calls_differ(ctx: RelationContext) -> list[str]:
    """Training calls draw new dropout masks: of four, some differ from the first. In bits:
    under bfloat16 the case's tolerance (0.06) is larger than what recurrent dropout moves in a
    few steps of a small layer (seen with GRU, recurrent_dropout=0.5, mixed_bfloat16)."""
    twin = _twin(ctx)
    first = flatten(twin.call({}, training=True))[0]
    for _ in range(TRAINING_CALLS - 1):
        other = flatten(twin.call({}, training=True))[0]
        if first.shape != other.shape or not np.array_equal(first, other):
            return []
    return [f"{TRAINING_CALLS} training=True calls: all equal, dropout must draw new masks"]


@relation("training_stays_bounded", extra_calls=True)
def training_stays_bounded(ctx: RelationContext) -> list[str]:
    """In training, over T = 20 steps, the output stays within [-1, 1] (tanh), call after call;
    within [-2, 2] where Bidirectional sums its two directions (merge_mode='sum'). Declared
    only where the activation is bounded (the rows: not for activation='relu')."""
    bound = 2.0 if ctx.args.get("merge_mode") == "sum" else 1.0
    twin = _twin(ctx)
    x = twin.inputs.x
    rng = np.random.default_rng(20276)
    long_x = rng.uniform(-1.0, 1.0, (x.shape[0], LONG_T, *x.shape[2:])).astype(x.dtype)
    layer = twin.build({}, shape=long_x.shape)
    problems: list[str] = []
    for call in range(LONG_CALLS):
        out = flatten(twin.call_layer(layer, long_x, training=True))[0]
        peak = float(np.max(np.abs(out))) if out.size else 0.0
        if not np.isfinite(peak) or peak > bound + ctx.tolerance:
            problems.append(f"training call {call + 1} on T={LONG_T}: max |output| {peak:.3g} > {bound:g}")
    return problems


def _one_more_row(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, list):
        return [_one_more_row(v) for v in value]
    return np.concatenate([value, value[:1]], axis=0)


@relation("other_batch_matches", extra_calls=True)
def other_batch_matches(ctx: RelationContext) -> list[str]:
    """Called on B + 1 rows (row 0 repeated last), the layer returns the B rows it returned
    before and row 0's result for the copy."""
    twin = _twin(ctx)
    inputs = twin.inputs
    bigger = twin.call(
        {},
        x=_one_more_row(inputs.x),
        mask=_one_more_row(inputs.mask),
        initial_state=_one_more_row(inputs.initial_state),
    )
    batch = inputs.x.shape[0]
    mine = flatten(ctx.outputs)
    theirs = flatten(bigger)
    if len(mine) != len(theirs):
        return [f"B + 1 rows returned {len(theirs)} tensors, B rows {len(mine)}"]
    firsts = [t[:batch] for t in theirs]
    copies = [t[batch:] for t in theirs]
    return _compare_all(ctx, mine, firsts, f"rows of a call with batch {batch + 1} vs batch {batch}") + _compare_all(
        ctx, [m[:1] for m in mine], copies, "the repeated row 0 vs row 0"
    )


@relation("stateful_other_batch_raises", extra_calls=True)
def stateful_other_batch_raises(ctx: RelationContext) -> list[str]:
    """A stateful layer built for B rows rejects a call on B + 1 rows (ValueError)."""
    twin = _twin(ctx)
    inputs = twin.inputs
    layer = twin.build({})
    twin.call_layer(layer, inputs.x, inputs.mask, inputs.initial_state)
    try:
        out = twin.call_layer(
            layer, _one_more_row(inputs.x), _one_more_row(inputs.mask), _one_more_row(inputs.initial_state)
        )
    except ValueError:
        return []
    shapes = [a.shape for a in flatten(out)]
    return [f"a call with batch {inputs.x.shape[0] + 1} returned {shapes} instead of raising ValueError"]
