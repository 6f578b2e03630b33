"""Named relations between the tensors a layer returns, checked numerically.

A table names the relations that hold for a combination (``relations: [output_is_h]``);
each name here is a small function that looks at the returned values and says, in a
sentence, what does not hold. The relations are about Keras's contract, so which of them
apply where is data in the tables; only their meaning lives here.

Relations read what the layer was built with (``ctx.args``: rnnspec/layerargs.py), never the
names a table gives its axes: a table that calls ``return_sequences`` something else, or sets
it as a constant in ``build.args``, gets the same relations.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass
class RelationContext:
    """What a relation may look at: the returned values (float64 numpy) and the case."""

    outputs: Any  # the returned structure with numpy leaves
    args: Mapping[str, Any]  # the layer's loop arguments as built (layerargs.built_args), defaults included
    sizes: Mapping[str, int]
    tolerance: float
    mask: np.ndarray | None  # (B, T) bool, time order, or None
    twin: Any = None  # twins.Twin: builds and calls copies of the layer (rnnspec/behaviours.py)
    reference_problems: list[str] | None = None  # differences from the NumPy reference

    @property
    def flat(self) -> list[np.ndarray]:
        return flatten(self.outputs)

    def close(self, a: np.ndarray, b: np.ndarray, what: str) -> list[str]:
        if a.shape != b.shape:
            return [f"{what}: shapes differ, {a.shape} vs {b.shape}"]
        err = float(np.max(np.abs(a - b))) if a.size else 0.0
        if err > self.tolerance:
            return [f"{what}: max |difference| {err:.3g} > tolerance {self.tolerance:.3g}"]
        return []

    def differ(self, a: np.ndarray, b: np.ndarray, what: str) -> list[str]:
        if a.shape == b.shape and (a.size == 0 or float(np.max(np.abs(a - b))) <= self.tolerance):
            return [f"{what}: the two are equal, they must differ"]
        return []


Relation = Callable[[RelationContext], list[str]]
RELATIONS: dict[str, Relation] = {}
#: Relations that make calls no case makes (a training call, a fresh stateful layer, a call
#: after a reset...): they cost about a case each, so the default depth may run them on fewer
#: combinations (a spec file's ``standard: {extra_calls: ...}``). A relation whose twin is
#: another case's call (the memo of rnnspec/calls.py serves it) is not one of them.
EXTRA_CALLS: set[str] = set()


def relation(name: str, *, extra_calls: bool = False) -> Callable[[Relation], Relation]:
    def register(fn: Relation) -> Relation:
        RELATIONS[name] = fn
        if extra_calls:
            EXTRA_CALLS.add(name)
        return fn

    return register


def flatten(value: Any) -> list[np.ndarray]:
    if isinstance(value, (list, tuple)):
        return [leaf for item in value for leaf in flatten(item)]
    return [value]


def twin_of(ctx: RelationContext) -> Any:
    """The context's twin (rnnspec/twins.py), for relations that call copies of the layer."""
    if ctx.twin is None:
        raise TypeError("this relation needs a twin call, which the runner did not provide")
    return ctx.twin


def compare_all(ctx: RelationContext, mine: Any, theirs: Any, what: str) -> list[str]:
    """Every tensor of two returned structures equal within tolerance, flattened in order."""
    problems: list[str] = []
    for index, (a, b) in enumerate(zip(flatten(mine), flatten(theirs), strict=True)):
        problems += ctx.close(a, b, f"{what}, tensor {index}")
    return problems


def _final_step(output: np.ndarray, ctx: RelationContext) -> np.ndarray:
    """The output of the last processed step: the output itself, or its last time step."""
    return output[:, -1] if ctx.args.get("return_sequences") else output


@relation("matches_reference")
def matches_reference(ctx: RelationContext) -> list[str]:
    """Every returned tensor equals the NumPy reference (rnnspec/reference/) within tolerance.

    Checked on every case without being named; a table names it only to declare a deviation.
    """
    if ctx.reference_problems is None:
        return ["the reference was not computed for this case"]
    return ctx.reference_problems


@relation("output_is_h")
def output_is_h(ctx: RelationContext) -> list[str]:
    """The first state is h, and the output of the last processed step is that same h."""
    flat = ctx.flat
    return ctx.close(_final_step(flat[0], ctx), flat[1], "last output vs returned h (states[0])")


@relation("last_step_is_h")
def last_step_is_h(ctx: RelationContext) -> list[str]:
    """With return_sequences, the sequence's last step (in processing order) is the final h."""
    flat = ctx.flat
    return ctx.close(flat[0][:, -1], flat[1], "output[:, -1] vs returned h (states[0])")


@relation("h_then_c")
def h_then_c(ctx: RelationContext) -> list[str]:
    """LSTM states come as [h, c]: h is the last output, c is not (and c is unbounded).

    Where c is all zeros, h = o * activation(c) is too, and nothing tells c from h: only the
    first half is checked (found by the hunt, issue 15: relu activations without bias, where
    every gate of a row can be 0)."""
    flat = ctx.flat
    last = _final_step(flat[0], ctx)
    problems = ctx.close(last, flat[1], "states[0] (h) vs last output")
    if np.any(flat[2]):
        problems += ctx.differ(last, flat[2], "states[1] (c) vs last output")
    return problems


@relation("output_is_last_cell_h")
def output_is_last_cell_h(ctx: RelationContext) -> list[str]:
    """For stacked cells the layer's output is the h of the last cell (its first state)."""
    last_group = ctx.outputs[-1]
    h = flatten(last_group)[0]
    return ctx.close(_final_step(ctx.flat[0], ctx), h, "last output vs last cell's h")


def _bidi_parts(ctx: RelationContext, n_outputs: int) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    flat = ctx.flat
    n_states = (len(flat) - n_outputs) // 2
    return flat[:n_outputs], flat[n_outputs], flat[n_outputs + n_states]


@relation("bidi_forward_states_first")
def bidi_forward_states_first(ctx: RelationContext) -> list[str]:
    """Bidirectional (concat) returns forward states then backward states, matching the halves."""
    (out,), fwd_h, bwd_h = _bidi_parts(ctx, 1)
    units = fwd_h.shape[-1]
    if ctx.args.get("return_sequences"):
        fwd_last, bwd_last = out[:, -1, :units], out[:, 0, units:]
    else:
        fwd_last, bwd_last = out[:, :units], out[:, units:]
    return ctx.close(fwd_last, fwd_h, "forward half of the output vs forward h") + ctx.close(
        bwd_last, bwd_h, "backward half of the output vs backward h"
    )


@relation("bidi_merge")
def bidi_merge(ctx: RelationContext) -> list[str]:
    """Without sequences, sum/mul/ave/concat merge the two final h exactly as their names say."""
    (out,), fwd_h, bwd_h = _bidi_parts(ctx, 1)
    mode = ctx.args.get("merge_mode")
    merged: dict[str, np.ndarray] = {
        "sum": fwd_h + bwd_h,
        "mul": fwd_h * bwd_h,
        "ave": (fwd_h + bwd_h) / 2,
        "concat": np.concatenate([fwd_h, bwd_h], axis=-1),
    }
    if mode not in merged:
        return [f"bidi_merge does not apply to merge_mode={mode!r}"]
    return ctx.close(out, merged[mode], f"output vs {mode} of forward and backward h")


@relation("bidi_unmerged")
def bidi_unmerged(ctx: RelationContext) -> list[str]:
    """merge_mode=None returns the two directions' outputs first, then their states."""
    (fwd_out, bwd_out), fwd_h, bwd_h = _bidi_parts(ctx, 2)
    if ctx.args.get("return_sequences"):
        fwd_last, bwd_last = fwd_out[:, -1], bwd_out[:, 0]
    else:
        fwd_last, bwd_last = fwd_out, bwd_out
    return ctx.close(fwd_last, fwd_h, "forward output vs forward h") + ctx.close(
        bwd_last, bwd_h, "backward output vs backward h"
    )


def _processing_mask(ctx: RelationContext) -> np.ndarray:
    if ctx.mask is None:
        raise ValueError("this relation needs a mask; the case has mask: none")
    return ctx.mask[:, ::-1] if ctx.args.get("go_backwards") else ctx.mask


@relation("masked_steps_repeat")
def masked_steps_repeat(ctx: RelationContext) -> list[str]:
    """A masked step outputs the previous step's output (zeros before the first valid step)."""
    seq = ctx.flat[0]
    mask = _processing_mask(ctx)
    problems: list[str] = []
    for b, t in zip(*np.nonzero(~mask), strict=True):
        previous = seq[b, t - 1] if t > 0 else np.zeros_like(seq[b, t])
        problems += ctx.close(seq[b, t], previous, f"masked step output[{b}, {t}] vs the step before")
    return problems[:3]


@relation("masked_steps_zero")
def masked_steps_zero(ctx: RelationContext) -> list[str]:
    """With zero_output_for_mask, every masked step of the returned sequence is zero."""
    seq = ctx.flat[0]
    mask = _processing_mask(ctx)
    problems: list[str] = []
    for b, t in zip(*np.nonzero(~mask), strict=True):
        problems += ctx.close(seq[b, t], np.zeros_like(seq[b, t]), f"masked step output[{b}, {t}] vs zeros")
    return problems[:3]


def check_relations(names: tuple[str, ...], ctx: RelationContext) -> dict[str, list[str]]:
    """Run the named relations; returns the problems of those that do not hold."""
    failures: dict[str, list[str]] = {}
    for name in names:
        try:
            problems = RELATIONS[name](ctx)
        except Exception as exc:  # a layer that breaks a relation's calls breaks the relation
            first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
            problems = [f"raised {type(exc).__name__}: {first_line}"]
        if problems:
            failures[name] = problems
    return failures
