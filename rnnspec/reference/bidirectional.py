"""Keras ``Bidirectional``: a forward layer and a backward layer, merged.

Keras behaviours reproduced on purpose (``keras/src/layers/rnn/bidirectional.py``): both
directions get ``zero_output_for_mask = return_sequences`` whatever the wrapped layer said;
the backward sequence is flipped back to time order only when ``return_sequences`` is true;
states come out forward first; an initial state list is split in two equal halves. The
backward direction is a copy of ``layer`` reading the other way, or the node's own
``backward_layer`` (with its own weights and arguments: Keras requires its ``go_backwards``
to differ from the forward layer's), as given.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from rnnspec.reference.activations import Array
from rnnspec.reference.args import resolve_args
from rnnspec.reference.layers import Plan, Weights
from rnnspec.reference.loop import Layer, finish

MERGES: dict[str, Callable[[Array, Array], Array]] = {
    "concat": lambda a, b: np.concatenate([a, b], axis=-1),
    "sum": lambda a, b: a + b,
    "mul": lambda a, b: a * b,
    "ave": lambda a, b: (a + b) / 2.0,
}


def _halves(states: list[Array] | None) -> tuple[list[Array] | None, list[Array] | None]:
    """Keras splits a Bidirectional initial_state list in two equal halves."""
    if states is None:
        return None, None
    half = len(states) // 2
    return states[:half], states[half:]


@dataclass
class Bidirectional:
    """The two directions and how their outputs merge (``None``: returned separately)."""

    forward: Layer
    backward: Layer
    merge_mode: str | None

    def __call__(self, inputs: Array, mask: NDArray[np.bool_] | None, initial_state: list[Array] | None) -> object:
        forward, backward = self.forward, self.backward
        fwd_init, bwd_init = _halves(initial_state)
        y, fwd_states = forward(inputs, mask, fwd_init)
        y_rev, bwd_states = backward(inputs, mask, bwd_init)
        if forward.loop["return_sequences"]:
            y_rev = np.flip(y_rev, axis=1)
        states = [*fwd_states, *bwd_states]
        if self.merge_mode is None:
            return (y, y_rev, *states) if forward.loop["return_state"] else (y, y_rev)
        return finish(MERGES[self.merge_mode](y, y_rev), states, forward.loop["return_state"])


def bidirectional(node: Mapping[str, Any], kids: dict[str, Any]) -> Plan:
    """The plan of a Bidirectional node: checks its merge mode before any weight is read."""
    args = resolve_args("Bidirectional", node.get("args", {}), {"merge_mode": "concat"})
    merge_mode = args["merge_mode"]
    if merge_mode is not None and merge_mode not in MERGES:
        raise NotImplementedError(f"Bidirectional: merge_mode={merge_mode!r}")
    inner = kids.get("layer")
    if not isinstance(node.get("layer"), Mapping) or inner is None:
        raise TypeError("Bidirectional node needs a 'layer' dict")
    backward_plan = kids.get("backward_layer")
    for plan in (inner, backward_plan):
        if plan is not None and plan.kind != "layer":
            raise NotImplementedError(f"Bidirectional over {plan.name!r}")

    def make(weights: Weights) -> Bidirectional:
        forward = inner.make(weights)
        if backward_plan is None:
            backward = inner.make(weights)
            # The backward copy reads the other way than the wrapped layer. Keras 3 rejects a
            # wrapped go_backwards=True layer; Keras 2 accepts it, and still flips the sequence.
            backward.loop["go_backwards"] = not forward.loop["go_backwards"]
        else:
            backward = backward_plan.make(weights)
            for arg in ("return_sequences", "return_state"):
                if backward.loop[arg] != forward.loop[arg]:
                    raise ValueError(f"Bidirectional: backward_layer {arg}={backward.loop[arg]!r}, layer's differs")
            if backward.loop["go_backwards"] == forward.loop["go_backwards"]:
                raise ValueError("Bidirectional: backward_layer must read the other way (go_backwards)")
        for layer in (forward, backward):
            layer.loop["zero_output_for_mask"] = layer.loop["return_sequences"]
        return Bidirectional(forward, backward, merge_mode)

    return Plan("wrapper", make, "Bidirectional")
