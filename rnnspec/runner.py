"""Run one case: build the layer on its device, call it, and check what it returned.

Everything random is drawn from a generator seeded by the case's device-free key, so a
case uses the same weights, inputs, mask and initial state on every version and device;
that is what makes numbers comparable across devices and across upgrades.
"""

from __future__ import annotations

import time
import traceback
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from rnnspec.devices import on_device, placed_on
from rnnspec.kerasapi import keras
from rnnspec.registry import LayerRegistry
from rnnspec.relations import RelationContext, check_relations
from rnnspec.spec import Case
from rnnspec.structure import (
    Actual,
    Container,
    Shape,
    Structure,
    compare,
    count_tensors,
    describe,
    format_actual,
    format_expected,
)


@dataclass
class CallInputs:
    """What a case feeds its layer, all NumPy, all seeded."""

    x: np.ndarray
    mask: np.ndarray | None
    initial_state: list[Any] | None  # nested as the layer takes it (stacked cells: a list per cell)
    weights: list[np.ndarray] = field(default_factory=list)


@dataclass
class Outcome:
    """What running a case found; the plugin turns it into a pytest outcome and a record."""

    problems: list[str]
    relation_failures: dict[str, list[str]]
    expected_text: str
    actual_text: str
    arity: int | None
    placed: str | None
    timings: dict[str, float]
    error: str | None = None
    deviations: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and not self.relation_failures and self.error is None


def case_rng(case: Case, purpose: str) -> np.random.Generator:
    """A generator per case and purpose, identical on every device, version and run."""
    key = f"{case.seed}:{case.case_key}:{purpose}".encode()
    return np.random.default_rng(zlib.crc32(key))


def _leaves(structure: Structure) -> list[Shape]:
    if isinstance(structure, Shape):
        return [structure]
    return [leaf for item in structure.items for leaf in _leaves(item)]


def make_inputs(case: Case) -> CallInputs:
    """Seeded inputs, the mask the case's mask axis asks for, and its initial state."""
    shape = tuple(d.evaluate(case.sizes) for d in case.inputs.dims)
    if case.input_values is not None:
        x = np.asarray(case.input_values, dtype="float32").reshape(shape)
    else:
        x = case_rng(case, "inputs").uniform(-1.0, 1.0, shape).astype("float32")
    mask = make_mask(case.values.get("mask", "none"), shape[0], shape[1])
    states = None
    structure = case.expectation.states
    if case.values.get("initial_state"):
        if structure is None:
            raise ValueError("initial_state is true but no states structure is declared for this case")
        rng = case_rng(case, "states")

        def draw(node: Structure) -> Any:
            if isinstance(node, Shape):
                return rng.uniform(-1.0, 1.0, tuple(d.evaluate(case.sizes) for d in node.dims)).astype("float32")
            return [draw(item) for item in node.items]

        states = draw(structure) if isinstance(structure, Container) else [draw(structure)]
    return CallInputs(x, mask, states)


def make_mask(kind: str, batch: int, steps: int) -> np.ndarray | None:
    """Right-padded (valid steps first) or left-padded (``pad_sequences``'s default) masks.

    Row b keeps max(1, steps - 2b) valid steps: the first row is unpadded, later rows are
    padded more, and no row is fully masked (cuDNN refuses fully masked rows).
    """
    if kind == "none":
        return None
    lengths = [max(1, steps - 2 * b) for b in range(batch)]
    mask = np.zeros((batch, steps), dtype=bool)
    for b, length in enumerate(lengths):
        if kind == "right":
            mask[b, :length] = True
        else:
            mask[b, steps - length :] = True
    return mask


def build_layer(node: Mapping[str, Any], registry: LayerRegistry) -> Any:
    """Instantiate a resolved layer node: class from the allowlist, arguments as given."""
    cls = registry.get(node["class"])
    if cls is None:
        raise LookupError(f"layer {node['class']!r} is not registered")
    kwargs = dict(node.get("args", {}))
    for key in ("layer", "backward_layer"):
        if key in node:
            kwargs[key] = build_layer(node[key], registry)
    if "cell" in node:
        cell = node["cell"]
        kwargs["cell"] = (
            [build_layer(c, registry) for c in cell] if isinstance(cell, list) else build_layer(cell, registry)
        )
    return cls(**kwargs)


def to_numpy(value: Any) -> Any:
    """Returned tensors as float64 NumPy arrays, containers kept."""
    if isinstance(value, list):
        return [to_numpy(v) for v in value]
    if isinstance(value, tuple):
        return tuple(to_numpy(v) for v in value)
    ops = getattr(keras, "ops", None)
    array = ops.convert_to_numpy(value) if ops is not None else value.numpy()
    return np.asarray(array).astype(np.float64)


def _first_tensor(value: Any) -> Any:
    while isinstance(value, (list, tuple)) and value:
        value = value[0]
    return value


def _set_seeded_weights(layer: Any, case: Case, shape: tuple[int, ...]) -> list[np.ndarray]:
    layer.build(shape)
    rng = case_rng(case, "weights")
    weights = [rng.uniform(-0.5, 0.5, w.shape).astype("float32") for w in layer.get_weights()]
    layer.set_weights(weights)
    return weights


def call_layer(case: Case, registry: LayerRegistry, device: str) -> tuple[Any, Any, CallInputs, dict[str, float]]:
    """Build with seeded weights and call once on the device; returns layer and raw outputs."""
    inputs = make_inputs(case)
    timings: dict[str, float] = {}
    with on_device(device):
        start = time.perf_counter()
        layer = build_layer(case.node, registry)
        inputs.weights = _set_seeded_weights(layer, case, inputs.x.shape)
        timings["build"] = time.perf_counter() - start
        kwargs: dict[str, Any] = {}
        if inputs.mask is not None:
            kwargs["mask"] = keras.ops.convert_to_tensor(inputs.mask) if hasattr(keras, "ops") else inputs.mask
        if inputs.initial_state is not None:
            kwargs["initial_state"] = list(inputs.initial_state)
        start = time.perf_counter()
        outputs = layer(inputs.x, **kwargs)
        timings["call"] = time.perf_counter() - start
    return layer, outputs, inputs, timings


def run_case(case: Case, registry: LayerRegistry, device: str) -> Outcome:
    """Build, call and check one case; never raises for faults of the code under test."""
    exp = case.expectation
    expected_text = format_expected(exp.returns, case.sizes, exp.dtype)
    if exp.raises:
        expected_text = f"raises {exp.raises}"
    try:
        _, outputs, inputs, timings = call_layer(case, registry, device)
    except Exception as exc:
        message = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        if exp.raises and exp.raises in {k.__name__ for k in type(exc).__mro__}:
            return Outcome([], {}, expected_text, f"raises {type(exc).__name__}", 0, None, {})
        return Outcome([], {}, expected_text, "", None, None, {}, error=message)
    if exp.raises:
        return Outcome(
            [f"expected the call to raise {exp.raises}, but it returned"],
            {},
            expected_text,
            format_actual(describe(outputs)),
            count_tensors(describe(outputs)),
            None,
            timings,
        )
    start = time.perf_counter()
    actual: Actual = describe(outputs)
    problems = list(compare(exp.returns, actual, case.sizes, exp.dtype))
    relation_failures: dict[str, list[str]] = {}
    deviations_seen: list[str] = []
    if not problems and (exp.relations or exp.deviations):
        context = RelationContext(to_numpy(outputs), case.values, case.sizes, case.tolerance, inputs.mask)
        relation_failures = check_relations(exp.relations, context)
        broken = check_relations(tuple(d.relation for d in exp.deviations), context)
        for deviation in exp.deviations:
            if deviation.relation in broken:
                deviations_seen.append(deviation.relation)
            else:
                problems.append(
                    f"documented deviation gone: {deviation.relation} now holds "
                    f"({case.path.name}:{deviation.line}: {deviation.reason}); update the table"
                )
    timings["check"] = time.perf_counter() - start
    return Outcome(
        problems,
        relation_failures,
        expected_text,
        format_actual(actual),
        count_tensors(actual),
        placed_on(_first_tensor(outputs)),
        timings,
        deviations=deviations_seen,
    )


def expected_arity(structure: Structure) -> int:
    return 1 if isinstance(structure, Shape) else sum(expected_arity(s) for s in structure.items)


def _ones_code(structure: Structure, sizes: Mapping[str, int]) -> str:
    """Python source for arrays of the structure's shapes, nested as the layer takes them."""
    if isinstance(structure, Shape):
        return f"np.ones({tuple(d.evaluate(sizes) for d in structure.dims)}, 'float32')"
    return "[" + ", ".join(_ones_code(item, sizes) for item in structure.items) + "]"


def reproduction(case: Case) -> str:
    """A few lines of Python that rebuild and call the case's layer by hand."""

    def ctor(node: Mapping[str, Any], indent: str) -> str:
        args = [f"{k}={v!r}" for k, v in node.get("args", {}).items()]
        for key in ("layer", "backward_layer"):
            if key in node:
                args.append(f"{key}={ctor(node[key], indent + '    ')}")
        if "cell" in node:
            cell = node["cell"]
            text = (
                "[" + ", ".join(ctor(c, indent) for c in cell) + "]" if isinstance(cell, list) else ctor(cell, indent)
            )
            args.append(f"cell={text}")
        return f"keras.layers.{node['class']}({', '.join(args)})"

    shape = tuple(d.evaluate(case.sizes) for d in case.inputs.dims)
    lines = [
        "import numpy as np, keras",
        f"layer = {ctor(case.node, '')}",
        f"x = np.random.default_rng(0).uniform(-1, 1, {shape}).astype('float32')",
    ]
    call = "layer(x"
    mask_kind = case.values.get("mask", "none")
    if mask_kind != "none":
        mask = make_mask(mask_kind, shape[0], shape[1])
        assert mask is not None
        lines.append(f"mask = np.array({mask.tolist()!r})")
        call += ", mask=mask"
    if case.values.get("initial_state") and case.expectation.states is not None:
        lines.append(f"initial_state = {_ones_code(case.expectation.states, case.sizes)}")
        call += ", initial_state=initial_state"
    lines.append(f"outputs = {call})")
    lines.append("print(type(outputs), [getattr(o, 'shape', o) for o in keras.tree.flatten(outputs)])")
    return "\n".join(lines)


__all__ = [
    "Container",
    "Outcome",
    "call_layer",
    "expected_arity",
    "make_inputs",
    "make_mask",
    "reproduction",
    "run_case",
]
