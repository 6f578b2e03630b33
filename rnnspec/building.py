"""Building a case's layer and calling it once: class from the allowlist, seeded weights.

The layer tree is built bottom-up by the one node walk (:func:`rnnspec.nodes.fold`): each
child (``layer``, ``backward_layer``, ``cell``) is built first and passed under its own key,
which is the constructor argument's name. Keras 2/3 differences in the call's arguments are
the adapter's (rnnspec/kerasapi.py).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from rnnspec.devices import on_device
from rnnspec.inputs import CallInputs, make_inputs, weights_seed
from rnnspec.kerasapi import as_initial_state, to_tensor_mask
from rnnspec.nodes import fold
from rnnspec.registry import LayerRegistry

if TYPE_CHECKING:
    from rnnspec.spec import Case


def build_layer(node: Mapping[str, Any], registry: LayerRegistry) -> Any:
    """Instantiate a resolved layer node: class from the allowlist, arguments as given."""

    def visit(node: Mapping[str, Any], kids: dict[str, Any]) -> Any:
        cls = registry.get(node["class"])
        if cls is None:
            raise LookupError(f"layer {node['class']!r} is not registered")
        return cls(**{**node.get("args", {}), **kids})

    return fold(node, visit)


def first_tensor(value: Any) -> Any:
    while isinstance(value, (list, tuple)) and value:
        value = value[0]
    return value


def set_seeded_weights(layer: Any, case: Case, shape: tuple[int, ...]) -> list[np.ndarray]:
    """Builds ``layer`` for ``shape`` and gives it the file's seeded weights (returned)."""
    layer.build(shape)
    shapes = [tuple(int(n) for n in w.shape) for w in layer.weights]  # get_weights() would read every value
    rng = np.random.default_rng(weights_seed(case, shapes))
    weights = [rng.uniform(-0.5, 0.5, s).astype("float32") for s in shapes]
    layer.set_weights(weights)
    return weights


def call_kwargs(mask: np.ndarray | None, initial_state: Any) -> dict[str, Any]:
    """The keyword arguments of a layer call: a mask and states, if given, as Keras takes them."""
    kwargs: dict[str, Any] = {}
    if mask is not None:
        kwargs["mask"] = to_tensor_mask(mask)
    if initial_state is not None:
        kwargs["initial_state"] = as_initial_state(initial_state)
    return kwargs


def call_layer(case: Case, registry: LayerRegistry, device: str) -> tuple[Any, Any, CallInputs, dict[str, float]]:
    """Build with seeded weights and call once on the device; returns layer and raw outputs."""
    inputs = make_inputs(case)
    timings: dict[str, float] = {}
    with on_device(device):
        start = time.perf_counter()
        layer = build_layer(case.node, registry)
        inputs.weights = set_seeded_weights(layer, case, inputs.x.shape)
        timings["build"] = time.perf_counter() - start
        kwargs = call_kwargs(inputs.mask, inputs.initial_state)
        start = time.perf_counter()
        outputs = layer(inputs.x, **kwargs)
        timings["call"] = time.perf_counter() - start
    return layer, outputs, inputs, timings
