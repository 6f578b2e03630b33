"""Call modes as relations: the case's layer called symbolically, in a model, compiled, saved.

Each compares another way of calling the layer with the case's eager call (issue 14):

- ``symbolic_matches_returns``: the layer called on ``keras.Input`` (batch known, then
  ``None``) returns the structure the table's ``returns`` row declares, with ``None`` for an
  unknown batch, and ``compute_output_shape`` gives the same shapes. The row is the single
  source: the symbolic call is checked against it as the eager call is.
- ``model_matches_eager``: the layer inside ``keras.Model``, called with ``model.predict``
  (compiled by Keras) and ``model(x)``, returns the row's structure and the eager numbers.
- ``jit_compiled_matches_eager``: the same model compiled with ``jit_compile=True`` (XLA on
  TensorFlow, jax.jit on JAX), where the backend has it (rows say where: ``versions``).
- ``saved_matches_eager``: ``get_config`` -> ``from_config`` keeps every constructor argument,
  the structure and the numbers; ``model.save(.keras)`` -> ``load_model`` keeps the layer's
  config and the numbers, and the loaded layer called eagerly returns the row's structure.

All build their own copy of the layer (rnnspec/twins.py) with the case's weights: they make
calls no case makes (``extra_calls``), priced by the depth policy like the other such
relations. The calls themselves are rnnspec/modelcalls.py's, imported when a relation runs:
reading a table imports no Keras.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rnnspec import SYMBOLIC_RETURNED
from rnnspec.calls import is_stateful
from rnnspec.relations import RelationContext, compare_all, relation, twin_of
from rnnspec.structure import Actual, Shape, Structure, TensorInfo, compare, describe, format_actual

#: Stands for an unknown batch size in a symbolic shape, so that the table's row (whose
#: dimensions are integers) is evaluated and compared as for the eager call.
UNKNOWN = 1_000_003


def as_unknown_batch(actual: Actual) -> Actual:
    """A symbolic call's description with an unknown (None) dimension written as ``UNKNOWN``."""
    if isinstance(actual, TensorInfo):
        return TensorInfo(tuple(UNKNOWN if d is None else d for d in actual.shape), actual.dtype)
    if isinstance(actual, tuple):
        return tuple(as_unknown_batch(a) for a in actual)
    if isinstance(actual, list):
        return [as_unknown_batch(a) for a in actual]
    return actual


def row_problems(ctx: RelationContext, got: Actual, what: str, batch: int | None) -> list[str]:
    """Where ``got`` differs from the table's returns row, with B = ``batch`` (None: unknown)."""
    case = twin_of(ctx).case
    exp = case.expectation
    sizes = dict(case.sizes)
    if "B" in sizes:
        sizes["B"] = UNKNOWN if batch is None else batch
    found = compare(exp.returns, as_unknown_batch(got), sizes, exp.dtype)
    return [f"{what}: {p}".replace(str(UNKNOWN), "None") for p in found]


def _expected_shapes(structure: Structure, sizes: Mapping[str, int]) -> list[tuple[int | None, ...]]:
    if isinstance(structure, Shape):
        dims = (d.evaluate(sizes) for d in structure.dims)
        return [tuple(None if d == UNKNOWN else d for d in dims)]
    return [leaf for item in structure.items for leaf in _expected_shapes(item, sizes)]


def _as_saved(value: Any) -> Any:
    """A config value as a .keras file stores it (JSON: tuples become lists), without the
    layers' names (a loaded copy may be renamed)."""
    if isinstance(value, (list, tuple)):
        return [_as_saved(v) for v in value]
    if isinstance(value, Mapping):
        return {k: _as_saved(v) for k, v in value.items() if k != "name"}
    return value


def config_differences(before: Mapping[str, Any], after: Mapping[str, Any], path: str = "") -> list[str]:
    """Keys whose values a round trip changed (nested layer configs compared inside; names aside)."""
    problems: list[str] = []
    for key in sorted(set(before) | set(after)):
        where = f"{path}{key}"
        a, b = before.get(key, "<absent>"), after.get(key, "<absent>")
        if isinstance(a, Mapping) and isinstance(b, Mapping):
            problems += config_differences(a, b, f"{where}.")
        elif key != "name" and _as_saved(a) != _as_saved(b):
            problems.append(f"config {where}: {_short(a)} before, {_short(b)} after")
    return problems


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 120 else text[:117] + "..."


_PLAIN = (bool, int, float, str, type(None))


def lost_arguments(layer: Any, node: Mapping[str, Any], who: str) -> list[str]:
    """Constructor arguments the layer no longer holds (read as its attributes, where it has
    one of a plain type; ``dtype`` is a policy, compared by the dtype check instead)."""
    problems: list[str] = []
    for name, value in node.get("args", {}).items():
        held = getattr(layer, name, None)
        if name == "dtype" or not hasattr(layer, name) or not isinstance(held, _PLAIN):
            continue
        if held != value:
            problems.append(f"{who}: {name}={held!r}, the layer was built with {value!r}")
    if "layer" in node and hasattr(layer, "forward_layer"):
        problems += lost_arguments(layer.forward_layer, node["layer"], f"{who}'s forward layer")
    return problems


@relation("symbolic_matches_returns", extra_calls=True)
def symbolic_matches_returns(ctx: RelationContext) -> list[str]:
    """On ``keras.Input`` (B known, then None) the layer returns what the row declares, and
    ``compute_output_shape`` agrees; a stateful layer needs its batch, so only B known."""
    from rnnspec import modelcalls

    twin = twin_of(ctx)
    case = twin.case
    batches: list[int | None] = [int(twin.inputs.x.shape[0])]
    if not is_stateful(case.node):
        batches.append(None)
    problems: list[str] = []
    for batch in batches:
        out = modelcalls.symbolic_call(twin.build({}), twin.inputs, batch, twin.device)
        found = row_problems(ctx, describe(out), f"on keras.Input with batch {batch}", batch)
        if found and not any(p.startswith(SYMBOLIC_RETURNED) for p in problems):
            problems.append(f"{SYMBOLIC_RETURNED}{format_actual(describe(out))} (batch {batch})")
        problems += found
        try:
            shapes = twin.build({}).compute_output_shape((batch, *twin.inputs.x.shape[1:]))
        except NotImplementedError:
            continue
        sizes = {**case.sizes, "B": UNKNOWN if batch is None else batch}
        want = _expected_shapes(case.expectation.returns, sizes)
        got = modelcalls.shape_leaves(shapes)
        if got != want:
            problems.append(f"compute_output_shape for batch {batch}: {got}, the row says {want}")
    return problems


def _model_problems(ctx: RelationContext, jit_compile: bool) -> list[str]:
    from rnnspec import modelcalls
    from rnnspec.kerasapi import to_numpy

    twin = twin_of(ctx)
    stateful = is_stateful(twin.case.node)
    batch = int(twin.inputs.x.shape[0])
    modes = (
        (("model.predict, jit_compile=True", True),) if jit_compile else (("model.predict", True), ("model(x)", False))
    )
    problems: list[str] = []
    for label, compiled in modes:
        model, values = modelcalls.functional_model(twin.build({}), twin.inputs, twin.device, stateful)
        if compiled:
            got = modelcalls.predict(model, values, twin.device, jit_compile)
        else:
            got = modelcalls.call_model(model, values, twin.device)
        structure = row_problems(ctx, describe(got), label, batch)
        problems += structure or compare_all(ctx, ctx.outputs, to_numpy(got), f"{label} vs the eager call")
    return problems


@relation("model_matches_eager", extra_calls=True)
def model_matches_eager(ctx: RelationContext) -> list[str]:
    """In a functional model, ``model.predict`` and ``model(x)`` return the row's structure and
    the eager call's numbers."""
    return _model_problems(ctx, jit_compile=False)


@relation("jit_compiled_matches_eager", extra_calls=True)
def jit_compiled_matches_eager(ctx: RelationContext) -> list[str]:
    """``model.compile(jit_compile=True)`` then ``predict``: the row's structure, the eager numbers."""
    return _model_problems(ctx, jit_compile=True)


@relation("saved_matches_eager", extra_calls=True)
def saved_matches_eager(ctx: RelationContext) -> list[str]:
    """``get_config``/``from_config`` and ``.keras`` save/load keep the arguments and the numbers."""
    from rnnspec import modelcalls
    from rnnspec.kerasapi import to_numpy

    twin = twin_of(ctx)
    inputs = twin.inputs
    batch = int(inputs.x.shape[0])
    layer = twin.build({})
    copy = modelcalls.config_copy(layer, inputs, twin.device)
    problems = [f"from_config: {p}" for p in config_differences(layer.get_config(), copy.get_config())]
    problems += lost_arguments(copy, twin.case.node, "the from_config copy")
    again = modelcalls.eager_call(copy, inputs, twin.device)
    structure = row_problems(ctx, describe(again), "the from_config copy", batch)
    problems += structure or compare_all(ctx, ctx.outputs, to_numpy(again), "the from_config copy vs the eager call")
    stateful = is_stateful(twin.case.node)
    model, values = modelcalls.functional_model(twin.build({}), inputs, twin.device, stateful)
    loaded = modelcalls.saved_and_loaded(model, twin.device)
    original = model.layers[-1]
    inner = loaded.get_layer(original.name)
    problems += [f"load_model: {p}" for p in config_differences(original.get_config(), inner.get_config())]
    problems += lost_arguments(inner, twin.case.node, "the loaded model's layer")
    # The loaded layer's first call (a stateful one starts from zeros, as the case's did)
    direct = modelcalls.eager_call(inner, inputs, twin.device)
    structure = row_problems(ctx, describe(direct), "the loaded model's layer", batch)
    problems += structure or compare_all(ctx, ctx.outputs, to_numpy(direct), "the loaded layer vs the eager call")
    if not stateful:  # a second call of a stateful layer goes on from the first
        got = modelcalls.call_model(loaded, values, twin.device)
        problems += compare_all(ctx, ctx.outputs, to_numpy(got), "the loaded .keras model vs the eager call")
    return problems


@relation("bidi_directions_keep_args")
def bidi_directions_keep_args(ctx: RelationContext) -> list[str]:
    """Bidirectional hands the wrapped layer's constructor arguments to both directions
    (the backward one with ``go_backwards`` negated); keras#20588 dropped ``use_cudnn``."""
    twin = twin_of(ctx)
    layer = twin.own_layer()
    given = dict(twin.case.node["layer"].get("args", {}))
    problems: list[str] = []
    for label, direction, flip in (("forward", layer.forward_layer, False), ("backward", layer.backward_layer, True)):
        config = direction.get_config()
        for name, value in given.items():
            want = (not value) if flip and name == "go_backwards" else value
            held = getattr(direction, name, config.get(name, "<absent>"))
            if name != "dtype" and isinstance(held, _PLAIN) and held != want:
                problems.append(f"{label} layer: {name}={held!r}, the wrapped layer was given {want!r}")
    return problems
