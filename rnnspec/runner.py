"""Run one case: build the layer on its device, call it, and check what it returned.

Everything random is drawn from a generator seeded by the file and the shapes drawn, so a
case uses the same weights, inputs, mask and initial state on every version and device;
that is what makes numbers comparable across devices, flags and upgrades.
"""

from __future__ import annotations

import time
import traceback
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from rnnspec import behaviours  # noqa: F401 - registers the relations that need twin calls
from rnnspec.calls import CallMemo, call_key, is_stateful, layer_key
from rnnspec.devices import on_device, placed_on
from rnnspec.kerasapi import keras
from rnnspec.masks import make_mask
from rnnspec.reference import reference_call
from rnnspec.registry import LayerRegistry
from rnnspec.relations import RelationContext, check_relations, flatten
from rnnspec.spec import Case, buildable_node
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
    max_error: float | None = None  # largest |layer - reference| over every returned tensor
    reference: str = "not run"
    values: dict[str, list[Any]] | None = None  # rounded actual and reference values, when the table asks
    arrays: list[np.ndarray] | None = None  # every returned tensor, float64, for baselines

    @property
    def ok(self) -> bool:
        return not self.problems and not self.relation_failures and self.error is None


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
    """A go_backwards=True case reads the file's drawn sequence reversed in time (its mask is
    not reversed). It then mirrors its forward sibling: the twin that backwards_is_reversed_forward
    needs, the forward layer on the reversed sequence, is that sibling's own call, already made.
    """
    return case.input_values is None and case.values.get("go_backwards") is True


def make_inputs(case: Case) -> CallInputs:
    """Seeded inputs, the mask the case's mask axis asks for, and its initial state."""
    shape = tuple(d.evaluate(case.sizes) for d in case.inputs.dims)
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
    shapes = [tuple(int(n) for n in w.shape) for w in layer.weights]  # get_weights() would read every value
    rng = np.random.default_rng(weights_seed(case, shapes))
    weights = [rng.uniform(-0.5, 0.5, s).astype("float32") for s in shapes]
    layer.set_weights(weights)
    return weights


def call_kwargs(mask: np.ndarray | None, initial_state: Any) -> dict[str, Any]:
    """The keyword arguments of a layer call: a mask as a tensor, states as a list, if given."""
    kwargs: dict[str, Any] = {}
    if mask is not None:
        kwargs["mask"] = keras.ops.convert_to_tensor(mask) if hasattr(keras, "ops") else mask
    if initial_state is not None:
        kwargs["initial_state"] = list(initial_state) if hasattr(keras, "ops") else _tensors(list(initial_state))
    return kwargs


def _tensors(value: Any) -> Any:
    """Keras 2 takes initial states only as tensors (it rejects NumPy arrays); Keras 3 takes both."""
    import tensorflow as tf

    return tf.nest.map_structure(tf.convert_to_tensor, value)


def call_layer(case: Case, registry: LayerRegistry, device: str) -> tuple[Any, Any, CallInputs, dict[str, float]]:
    """Build with seeded weights and call once on the device; returns layer and raw outputs."""
    inputs = make_inputs(case)
    timings: dict[str, float] = {}
    with on_device(device):
        start = time.perf_counter()
        layer = build_layer(case.node, registry)
        inputs.weights = _set_seeded_weights(layer, case, inputs.x.shape)
        timings["build"] = time.perf_counter() - start
        kwargs = call_kwargs(inputs.mask, inputs.initial_state)
        start = time.perf_counter()
        outputs = layer(inputs.x, **kwargs)
        timings["call"] = time.perf_counter() - start
    return layer, outputs, inputs, timings


class Twin:
    """Copies of the case's layer with the same seeded weights, for relations between calls.

    Calls of stateless layers outside training go through the session's memo
    (rnnspec/calls.py): a twin that is another case of the same file costs nothing.
    """

    def __init__(
        self,
        case: Case,
        registry: LayerRegistry,
        device: str,
        inputs: CallInputs,
        layer: Any = None,
        memo: CallMemo | None = None,
    ) -> None:
        self.case, self.registry, self.device, self.inputs = case, registry, device, inputs
        self.layer = layer  # the case's own layer, already called once
        self.memo = memo if memo is not None else CallMemo()

    def node(self, overrides: Mapping[str, Any]) -> dict[str, Any]:
        case = self.case
        values = {**case.values, **overrides}
        return buildable_node(case.template, values, case.sizes, case.defaults, case.missing_args)[0]

    def build(
        self,
        overrides: Mapping[str, Any],
        node: Mapping[str, Any] | None = None,
        weights: list[np.ndarray] | None = None,
        shape: tuple[int, ...] | None = None,
    ) -> Any:
        """A freshly built twin, never shared: for relations about state kept between calls."""
        node = node if node is not None else self.node(overrides)
        with on_device(self.device):
            layer = build_layer(node, self.registry)
            layer.build(shape or self.inputs.x.shape)
            layer.set_weights(self.inputs.weights if weights is None else weights)
        return layer

    def call_layer(
        self,
        layer: Any,
        x: np.ndarray,
        mask: np.ndarray | None = None,
        initial_state: Any = None,
        training: bool = False,
    ) -> Any:
        kwargs = {"training": training, **call_kwargs(mask, initial_state)}
        with on_device(self.device):
            return to_numpy(layer(x, **kwargs))

    def run(
        self,
        node: Mapping[str, Any],
        x: np.ndarray,
        mask: np.ndarray | None,
        initial_state: Any,
        training: bool = False,
        weights: list[np.ndarray] | None = None,
    ) -> Any:
        """``node`` built with ``weights`` and called: shared through the memo where that is sound."""
        weights = self.inputs.weights if weights is None else weights
        if is_stateful(node):
            return self.call_layer(self.build({}, node, weights, x.shape), x, mask, initial_state, training)
        key = layer_key(node, self.device, weights)
        layer = self.memo.layer(key, lambda: self.build({}, node, weights, x.shape))
        if training:
            return self.call_layer(layer, x, mask, initial_state, training=True)
        return self.memo.result(
            call_key(key, x, mask, initial_state), lambda: self.call_layer(layer, x, mask, initial_state)
        )

    _KEEP: Any = object()

    def call(
        self,
        overrides: Mapping[str, Any],
        x: np.ndarray | None = None,
        mask: Any = _KEEP,
        initial_state: Any = _KEEP,
        training: bool = False,
        batch_row: int | None = None,
    ) -> Any:
        """A twin with some axis values overridden, called on the case's inputs or others."""
        x = self.inputs.x if x is None else x
        mask = self.inputs.mask if mask is self._KEEP else mask
        states = self.inputs.initial_state if initial_state is self._KEEP else initial_state
        if batch_row is not None and states is not None:
            states = _rows(states, batch_row)
        return self.run(self.node(overrides), x, mask, states, training)

    def own_layer(self) -> Any:
        """The layer that made the case's call, for relations about that very layer."""
        if self.layer is None:
            raise TypeError("this relation needs the case's own layer, which the runner did not provide")
        return self.layer

    def call_again(self, training: bool = False) -> Any:
        """The case's own layer called a second time on the same inputs: a real call, never shared."""
        return self.call_layer(self.own_layer(), self.inputs.x, self.inputs.mask, self.inputs.initial_state, training)

    def bidi_directions(self) -> tuple[Any, Any]:
        """The wrapped layer built twice (forward and go_backwards) with each half of the weights.

        Only their states are compared, and Keras documents states as independent of
        ``return_sequences`` and of the wrapper's ``merge_mode``: both directions are built with
        ``return_state=True`` and ``return_sequences=False`` whatever the case says, so that the
        cases of one file that differ only in those share the two twins (and their calls) through
        the memo. Where a backend picks its kernel by ``return_sequences`` (cuDNN on GPU), a case
        with ``return_sequences=True`` is thus compared across kernels, within the table's
        tolerance for the device.
        """
        inner = dict(self.case.node["layer"])
        half = len(self.inputs.weights) // 2
        states = self.inputs.initial_state
        n_states = len(states) // 2 if states is not None else 0
        directions = (
            (False, self.inputs.weights[:half], None if states is None else states[:n_states]),
            (True, self.inputs.weights[half:], None if states is None else states[n_states:]),
        )
        results = []
        for backwards, weights, initial in directions:
            args = {**inner["args"], "go_backwards": backwards, "return_state": True, "return_sequences": False}
            node = {**inner, "args": args}
            results.append(self.run(node, self.inputs.x, self.inputs.mask, initial, weights=weights))
        return results[0], results[1]


def _classes(node: Mapping[str, Any]) -> list[str]:
    """Class names in a layer tree, outermost first: a registered reference for a custom
    cell inside RNN(...) computes the whole layer."""
    names = [node["class"]]
    children = [node[k] for k in ("layer", "backward_layer") if k in node]
    cell = node.get("cell")
    children += cell if isinstance(cell, list) else [cell] if cell is not None else []
    for child in children:
        names += _classes(child)
    return names


def _rows(states: Any, row: int) -> Any:
    if isinstance(states, list):
        return [_rows(s, row) for s in states]
    return states[row : row + 1]


@dataclass
class ReferenceCheck:
    """How the returned tensors compare with the NumPy reference."""

    max_error: float | None = None
    not_checked: str | None = None
    problems: list[str] = field(default_factory=list)
    reference: list[np.ndarray] = field(default_factory=list)


def compare_with_reference(case: Case, registry: LayerRegistry, inputs: CallInputs, values: Any) -> ReferenceCheck:
    """Every returned tensor (``values``: the outputs as NumPy) against the NumPy reference."""
    custom = [registry.references[name] for name in _classes(case.node) if name in registry.references]
    oracle = custom[0] if custom else reference_call
    node = dict(case.node)
    if case.expectation.layer_defaults:  # this release's defaults, where they differ from Keras 3's
        node["args"] = {**case.expectation.layer_defaults, **node.get("args", {})}
    try:
        expected = oracle(
            node,
            list(inputs.weights),
            inputs.x.astype(np.float64),
            mask=inputs.mask,
            initial_state=inputs.initial_state,
        )
    except NotImplementedError as exc:
        if case.expectation.layer_defaults:  # a row asked for these numbers: not checking them is a failure
            return ReferenceCheck(problems=[f"the reference cannot compute with layer_defaults: {exc}"])
        return ReferenceCheck(not_checked=f"no reference: {exc}")
    mine, theirs = flatten(values), flatten(expected)
    check = ReferenceCheck(max_error=0.0, reference=[np.asarray(t, dtype=np.float64) for t in theirs])
    if len(mine) != len(theirs):
        check.problems.append(f"reference returns {len(theirs)} tensors, the layer {len(mine)}")
        return check
    for index, (a, b) in enumerate(zip(mine, check.reference, strict=True)):
        if a.shape != b.shape:
            check.problems.append(f"tensor {index}: shape {a.shape}, reference {b.shape}")
            continue
        error = float(np.max(np.abs(a - b))) if a.size else 0.0
        check.max_error = max(check.max_error or 0.0, error)
        if not error <= case.tolerance:
            check.problems.append(
                f"tensor {index}: max |layer - reference| {error:.3g} > tolerance {case.tolerance:.3g}"
            )
    return check


def expected_text(case: Case) -> str:
    """The expected structure with sizes and dtypes filled in, as failures and reports show it."""
    exp = case.expectation
    return f"raises {exp.raises}" if exp.raises else format_expected(exp.returns, case.sizes, exp.dtype)


def run_case(case: Case, registry: LayerRegistry, device: str, memo: CallMemo | None = None) -> Outcome:
    """Build, call and check one case; never raises for faults of the code under test.

    ``memo`` is the session's store of layer calls (rnnspec/calls.py): this case's call goes
    in, and the relations' twin calls come out of it when another case already made them.
    """
    exp = case.expectation
    expected = expected_text(case)
    memo = memo if memo is not None else CallMemo()
    # ``bare``: the whole of call_layer, raising or not, as benchmarks/suite_overhead.py's bare
    # loop times it for each case (its same-run overhead divides by the sum of these).
    begin = time.perf_counter()
    try:
        layer, outputs, inputs, timings = call_layer(case, registry, device)
        timings["bare"] = time.perf_counter() - begin
    except Exception as exc:
        raised = {"bare": time.perf_counter() - begin}
        message = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        if exp.raises and exp.raises in {k.__name__ for k in type(exc).__mro__}:
            return Outcome([], {}, expected, f"raises {type(exc).__name__}", 0, None, raised)
        return Outcome([], {}, expected, "", None, None, raised, error=message)
    if exp.raises:
        return Outcome(
            [f"expected the call to raise {exp.raises}, but it returned"],
            {},
            expected,
            format_actual(describe(outputs)),
            count_tensors(describe(outputs)),
            None,
            timings,
        )
    start = time.perf_counter()
    actual: Actual = describe(outputs)
    problems = list(compare(exp.returns, actual, case.sizes, exp.dtype))
    structure_ok = not problems
    relation_failures: dict[str, list[str]] = {}
    deviations_seen: list[str] = []
    check = ReferenceCheck(not_checked="not compared: the structure differs")
    values = to_numpy(outputs)  # once: the reference, the relations, the memo and baselines read it
    if structure_ok:
        _remember(memo, case, device, layer, inputs, values)
        check = compare_with_reference(case, registry, inputs, values)
        if "matches_reference" not in {d.relation for d in exp.deviations}:
            problems += [f"reference: {p}" for p in check.problems]
    # Relations run even when the numbers are off: which of them break tells what went wrong.
    if structure_ok and (exp.relations or exp.deviations):
        twin = Twin(case, registry, device, inputs, layer, memo)
        context = RelationContext(values, case.values, case.sizes, case.tolerance, inputs.mask, twin, check.problems)
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
        expected,
        format_actual(actual),
        count_tensors(actual),
        placed_on(_first_tensor(outputs)),
        timings,
        deviations=deviations_seen,
        max_error=check.max_error,
        reference=check.not_checked or "checked",
        values=_rounded_values(values, check) if case.show_values else None,
        arrays=flatten(values),
    )


def _remember(memo: CallMemo, case: Case, device: str, layer: Any, inputs: CallInputs, values: Any) -> None:
    """Offers this case's layer and result to later twin calls (deterministic calls only)."""
    if is_stateful(case.node):
        return
    key = layer_key(case.node, device, inputs.weights)
    memo.remember_layer(key, layer)
    memo.remember_result(call_key(key, inputs.x, inputs.mask, inputs.initial_state), values)


def _rounded_values(values: Any, check: ReferenceCheck) -> dict[str, list[Any]]:
    """Values to print in the report, rounded so that they read the same on every run."""

    def rounded(arrays: list[np.ndarray]) -> list[Any]:
        return [np.round(a, 4).tolist() for a in arrays]

    return {"actual": rounded(flatten(values)), "reference": rounded(check.reference)}


def expected_arity(structure: Structure) -> int:
    return 1 if isinstance(structure, Shape) else sum(expected_arity(s) for s in structure.items)


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
    for name in dict.fromkeys(_classes(node)):
        cls = registry.get(name) if registry is not None else None
        if getattr(keras.layers, name, None) is None and cls is not None:
            lines.append(f"from {cls.__module__} import {cls.__qualname__} as {name}")
    return lines


def reproduction(case: Case, registry: LayerRegistry | None = None) -> str:
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
        return f"{_qualified(node['class'])}({', '.join(args)})"

    shape = tuple(d.evaluate(case.sizes) for d in case.inputs.dims)
    if case.input_values is not None:
        x_code = f"np.asarray({np.asarray(case.input_values).tolist()!r}, 'float32').reshape({shape})"
    else:
        x_code = f"np.random.default_rng({inputs_seed(case, shape)}).uniform(-1, 1, {shape}).astype('float32')"
        x_code += "[:, ::-1]  # go_backwards cases read the sequence reversed" if reads_reversed(case) else ""
    lines = [
        "import zlib, numpy as np, keras",
        *_imports(case.node, registry),
        f"layer = {ctor(case.node, '')}",
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
