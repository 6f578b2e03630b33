"""The "reproduce with" snippet: a few lines of Python that rebuild and call a case's layer
by hand, with the same seeded weights, inputs, mask and initial state as the runner's.

It prints Keras class paths, so it asks Keras which names ``keras.layers`` has.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from rnnspec.inputs import input_shape, inputs_seed, reads_reversed, states_seed
from rnnspec.kerasapi import keras
from rnnspec.masks import make_mask
from rnnspec.nodes import classes, fold
from rnnspec.registry import LayerRegistry
from rnnspec.structure import Container, Shape, Structure

if TYPE_CHECKING:
    from rnnspec.spec import Case


def _draw_code(structure: Structure, sizes: Mapping[str, int]) -> str:
    """Python source drawing arrays of the structure's shapes in the runner's order."""
    if isinstance(structure, Shape):
        return f"rng.uniform(-1, 1, {tuple(d.evaluate(sizes) for d in structure.dims)}).astype('float32')"
    return "[" + ", ".join(_draw_code(item, sizes) for item in structure.items) + "]"


def _qualified(name: str) -> str:
    """keras.layers.X for Keras's own classes; registered ones are imported by name."""
    return f"keras.layers.{name}" if getattr(keras.layers, name, None) is not None else name


def _imports(node: Mapping[str, Any], registry: LayerRegistry | None) -> list[str]:
    lines = []
    for name in dict.fromkeys(classes(node)):
        cls = registry.get(name) if registry is not None else None
        if getattr(keras.layers, name, None) is None and cls is not None:
            lines.append(f"from {cls.__module__} import {cls.__qualname__} as {name}")
    return lines


def constructor(node: Mapping[str, Any]) -> str:
    """``keras.layers.X(arg=..., layer=..., cell=[...])``: the node as a constructor call."""

    def visit(node: Mapping[str, Any], kids: dict[str, Any]) -> str:
        args = [f"{k}={v!r}" for k, v in node.get("args", {}).items()]
        for key, text in kids.items():
            args.append(f"{key}=[{', '.join(text)}]" if isinstance(text, list) else f"{key}={text}")
        return f"{_qualified(node['class'])}({', '.join(args)})"

    result: str = fold(node, visit)
    return result


def reproduction(case: Case, registry: LayerRegistry | None = None) -> str:
    """A few lines of Python that rebuild and call the case's layer by hand."""
    shape = input_shape(case)
    if case.input_values is not None:
        x_code = f"np.asarray({np.asarray(case.input_values).tolist()!r}, 'float32').reshape({shape})"
    else:
        x_code = f"np.random.default_rng({inputs_seed(case, shape)}).uniform(-1, 1, {shape}).astype('float32')"
        x_code += "[:, ::-1]  # go_backwards cases read the sequence reversed" if reads_reversed(case) else ""
    lines = [
        "import zlib, numpy as np, keras",
        *_imports(case.node, registry),
        f"layer = {constructor(case.node)}",
        f"x = {x_code}",
        "layer.build(x.shape)  # the same seeded weights as the case",
        "shapes = [tuple(w.shape) for w in layer.get_weights()]",
        f"rng = np.random.default_rng(zlib.crc32(f'{case.seed}:{case.path.name}:{{shapes}}'.encode()))",
        "layer.set_weights([rng.uniform(-0.5, 0.5, s).astype('float32') for s in shapes])",
    ]
    call = "layer(x"
    mask_kind = case.values.get("mask", "none")
    if mask_kind != "none":
        mask = make_mask(mask_kind, shape[0], shape[1])
        assert mask is not None
        lines.append(f"mask = np.array({mask.tolist()!r})")
        call += ", mask=mask"
    if case.values.get("initial_state") and case.expectation.states is not None:
        structure = case.expectation.states
        drawn = _draw_code(structure, case.sizes)
        lines.append(f"rng = np.random.default_rng({states_seed(case)})")
        lines.append(f"initial_state = {drawn if isinstance(structure, Container) else '[' + drawn + ']'}")
        call += ", initial_state=initial_state"
    lines.append(f"outputs = {call})")
    lines.append("print(type(outputs), [getattr(o, 'shape', o) for o in keras.tree.flatten(outputs)])")
    return "\n".join(lines)
