"""What a case feeds its layer: seeded inputs, the mask its axis asks for, its initial state.

Everything random is drawn from a generator seeded by the file and the shapes drawn, so a
case uses the same weights, inputs, mask and initial state on every version and device;
that is what makes numbers comparable across devices, flags and upgrades. No Keras here.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from rnnspec.layerargs import built_args
from rnnspec.masks import make_mask
from rnnspec.structure import Container, Shape, Structure

if TYPE_CHECKING:
    from rnnspec.spec import Case


@dataclass
class CallInputs:
    """What a case feeds its layer, all NumPy, all seeded."""

    x: np.ndarray
    mask: np.ndarray | None
    initial_state: list[Any] | None  # nested as the layer takes it (stacked cells: a list per cell)
    weights: list[np.ndarray] = field(default_factory=list)


def file_seed(case: Case, purpose: str, shapes: object) -> int:
    """Keyed by the file and the shapes drawn, not by the flags: every combination in a file
    gets the same weights, inputs and initial states, so their numbers can be compared side by
    side, and a relation's twin call is often another case's call (rnnspec/calls.py)."""
    return zlib.crc32(f"{case.seed}:{case.path.name}:{purpose}{shapes}".encode())


def weights_seed(case: Case, shapes: list[tuple[int, ...]]) -> int:
    return file_seed(case, "", shapes)


def inputs_seed(case: Case, shape: tuple[int, ...]) -> int:
    return file_seed(case, "inputs", shape)


def states_seed(case: Case) -> int:
    structure = case.expectation.states
    leaves = _leaves(structure) if structure is not None else []
    return file_seed(case, "states", [tuple(d.evaluate(case.sizes) for d in leaf.dims) for leaf in leaves])


def _leaves(structure: Structure) -> list[Shape]:
    if isinstance(structure, Shape):
        return [structure]
    return [leaf for item in structure.items for leaf in _leaves(item)]


def reads_reversed(case: Case) -> bool:
    """A layer built with go_backwards=True reads the file's drawn sequence reversed in time
    (its mask is not reversed). It then mirrors its forward sibling: the twin that
    backwards_is_reversed_forward needs, the forward layer on the reversed sequence, is that
    sibling's own call, already made. Asked of the built layer, not of an axis name.
    """
    return case.input_values is None and built_args(case.node)["go_backwards"] is True


def input_shape(case: Case) -> tuple[int, ...]:
    return tuple(d.evaluate(case.sizes) for d in case.inputs.dims)


def make_inputs(case: Case) -> CallInputs:
    """Seeded inputs, the mask the case's mask axis asks for, and its initial state."""
    shape = input_shape(case)
    if case.input_values is not None:
        x = np.asarray(case.input_values, dtype="float32").reshape(shape)
    else:
        x = np.random.default_rng(inputs_seed(case, shape)).uniform(-1.0, 1.0, shape).astype("float32")
        if reads_reversed(case):
            x = np.ascontiguousarray(x[:, ::-1])
    mask = make_mask(case.values.get("mask", "none"), shape[0], shape[1])
    states = None
    structure = case.expectation.states
    if case.values.get("initial_state"):
        if structure is None:
            raise ValueError("initial_state is true but no states structure is declared for this case")
        rng = np.random.default_rng(states_seed(case))

        def draw(node: Structure) -> Any:
            if isinstance(node, Shape):
                return rng.uniform(-1.0, 1.0, tuple(d.evaluate(case.sizes) for d in node.dims)).astype("float32")
            return [draw(item) for item in node.items]

        states = draw(structure) if isinstance(structure, Container) else [draw(structure)]
    return CallInputs(x, mask, states)
