"""The mask a layer passes on, and what the next layer of a model computes with it.

A layer in a model hands its mask to the next one: ``supports_masking``, ``compute_mask`` and
the mask attached to each returned tensor (``_keras_mask``; read through rnnspec/kerasapi.py)
decide whether a second recurrent layer skips the padded steps. Which returned tensor carries
the input's mask is data in the tables, per ``return_sequences`` x ``return_state``:

- ``sequence_carries_mask``: the returned sequence(s) carry the input's mask, every state none;
- ``no_mask_returned``: nothing returned carries a mask (the output is one step, not a sequence).

All three build their own copy of the layer and call it on ``keras.Input``, calls no case
makes (``extra_calls``: 0.07 s a case; the default depth runs them on one case per file).

And the model-level twin of ``padding_equals_truncation``: ``model_padding_equals_truncation``
builds ``Masking -> the layer -> GRU`` and checks that each padded row (right or left, as the
case's mask pads it) gives what its unpadded steps alone give.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from rnnspec.relations import RelationContext, flatten, relation
from rnnspec.relations import twin_of as _twin


def _n_sequences(ctx: RelationContext) -> int:
    """How many of the leading returned tensors are outputs (Bidirectional merge_mode=None: 2)."""
    return 2 if "merge_mode" in ctx.args and ctx.args["merge_mode"] is None else 1


def _mask_problems(ctx: RelationContext, carriers: int) -> list[str]:
    """The first ``carriers`` returned tensors carry the input's mask, the others none: in
    ``compute_mask``, on the eager call's tensors and on the symbolic call's."""
    from rnnspec import modelcalls

    twin = _twin(ctx)
    inputs = twin.inputs
    if inputs.mask is None:
        return ["this relation needs a mask; the case has mask: none"]
    layer = twin.build({})
    problems = [] if layer.supports_masking else ["supports_masking is False"]
    eager = flatten(_as_list(modelcalls.eager_call(layer, inputs, twin.device)))
    computed = modelcalls.computed_mask(layer, inputs)
    symbolic = flatten(_as_list(modelcalls.symbolic_call(twin.build({}), inputs, None, twin.device)))
    computed_flat = [None] * len(eager) if computed is None else _flat_masks(computed)
    sources = (
        ("compute_mask", computed_flat),
        ("the eager call's tensors", modelcalls.masks_on(eager)),
        ("the keras.Input call's tensors", modelcalls.masks_on(symbolic)),
    )
    for where, masks in sources:
        if len(masks) < len(eager):
            masks = list(masks) + [None] * (len(eager) - len(masks))
        for index, mask in enumerate(masks):
            carries = index < carriers
            if carries and mask is None:
                problems.append(f"{where}: returned tensor {index} carries no mask, the input's expected")
            elif not carries and mask is not None:
                problems.append(f"{where}: returned tensor {index} carries a mask, none expected")
            elif carries and where != "the keras.Input call's tensors" and not _same_mask(mask, inputs.mask):
                problems.append(f"{where}: returned tensor {index} carries a mask other than the input's")
    return problems


def _same_mask(mask: Any, expected: np.ndarray) -> bool:
    from rnnspec.kerasapi import to_numpy

    return bool(np.array_equal(np.asarray(to_numpy(mask)).astype(bool), expected))


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _flat_masks(value: Any) -> list[Any]:
    """compute_mask's answer flattened: a list/tuple of masks (None for none), or one mask."""
    if isinstance(value, (list, tuple)):
        return [leaf for item in value for leaf in _flat_masks(item)]
    return [value]


@relation("sequence_carries_mask", extra_calls=True)
def sequence_carries_mask(ctx: RelationContext) -> list[str]:
    """The returned sequence(s) carry the input's mask; the states carry none."""
    return _mask_problems(ctx, _n_sequences(ctx))


@relation("no_mask_returned", extra_calls=True)
def no_mask_returned(ctx: RelationContext) -> list[str]:
    """Without return_sequences nothing returned carries a mask."""
    return _mask_problems(ctx, 0)


@relation("model_padding_equals_truncation", extra_calls=True)
def model_padding_equals_truncation(ctx: RelationContext) -> list[str]:
    """Masking -> the layer (return_sequences) -> GRU: a padded row equals its unpadded steps.

    The padded steps are zeroed, so ``Masking(0.0)`` finds them; the case's mask says which
    (right: valid steps first, left: padding first). The layer's weights are the case's.
    """
    from rnnspec import modelcalls
    from rnnspec.devices import on_device
    from rnnspec.kerasapi import to_numpy

    twin = _twin(ctx)
    inputs = twin.inputs
    if inputs.mask is None:
        return ["this relation needs a mask; the case has mask: none"]
    x = np.where(inputs.mask[..., None], inputs.x, 0.0).astype(inputs.x.dtype)
    model = modelcalls.padding_model(twin.build({}), x.shape[-1], twin.device)
    with on_device(twin.device):
        padded_out = to_numpy(model(x))
    problems: list[str] = []
    padded = 0
    for b, row in enumerate(inputs.mask):
        if row.all():
            continue
        padded += 1
        with on_device(twin.device):
            alone = to_numpy(model(x[b : b + 1, row]))
        problems += ctx.close(padded_out[b : b + 1], alone, f"row {b}: padded vs its {int(row.sum())} valid steps")
    if not padded:
        problems.append("no row of the mask is padded: the relation checked nothing")
    return problems
