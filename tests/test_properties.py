"""Property-based checks: random sizes and flags, shapes from the tables, numbers from the reference.

The tables fix B, T, F and units per file; here hypothesis draws them (and the flags), asks the
table what the layer must return for those flags, evaluates that structure with the drawn sizes,
and compares the layer's numbers with the NumPy reference. Profiles (see README): ``ci``
(default: few examples, derandomized, so CI is reproducible) and ``thorough`` (many examples);
choose with ``HYPOTHESIS_PROFILE=thorough`` (hypothesis's pytest plugin is off, see pyproject.toml).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from rnnspec.kerasapi import keras
from rnnspec.masks import make_mask
from rnnspec.reference import reference_call
from rnnspec.registry import keras_layer_registry
from rnnspec.relations import flatten
from rnnspec.runner import to_numpy
from rnnspec.spec import expectation_for, load_table, resolve_node
from rnnspec.structure import compare, describe

ROOT = Path(__file__).resolve().parent.parent
REGISTRY = keras_layer_registry()
TABLES = {name: load_table(ROOT / "spec" / f"{name}.yaml", REGISTRY) for name in ("simple_rnn", "lstm", "gru")}


@st.composite
def cases(draw: st.DrawFn) -> dict[str, Any]:
    """A layer family, sizes and flags, within what the tables declare."""
    return {
        "table": draw(st.sampled_from(sorted(TABLES))),
        "sizes": {
            "B": draw(st.integers(1, 3)),
            "T": draw(st.integers(1, 6)),
            "F": draw(st.integers(1, 4)),
            "units": draw(st.integers(1, 5)),
        },
        "values": {
            "return_sequences": draw(st.booleans()),
            "return_state": draw(st.booleans()),
            "go_backwards": draw(st.booleans()),
            "unroll": draw(st.booleans()),
            "mask": draw(st.sampled_from(["none", "right", "left"])),
        },
        "seed": draw(st.integers(0, 2**16)),
    }


@given(cases())
def test_shapes_follow_the_table_and_numbers_the_reference(case: dict[str, Any]) -> None:
    spec = TABLES[case["table"]]
    values = {**spec.defaults, **case["values"]}
    sizes = {**spec.sizes, **case["sizes"]}
    expectation = expectation_for(spec, values)
    node = resolve_node(spec.template, values, sizes)
    rng = np.random.default_rng(case["seed"])
    shape = (sizes["B"], sizes["T"], sizes["F"])
    x = rng.uniform(-1, 1, shape).astype("float32")
    mask = make_mask(values["mask"], sizes["B"], sizes["T"])

    layer = REGISTRY.get(node["class"])(**node["args"])  # type: ignore[misc]
    layer.build(shape)
    weights = [rng.uniform(-0.5, 0.5, w.shape).astype("float32") for w in layer.get_weights()]
    layer.set_weights(weights)
    kwargs = {} if mask is None else {"mask": keras.ops.convert_to_tensor(mask)}
    outputs = layer(x, **kwargs)

    differences = list(compare(expectation.returns, describe(outputs), sizes, expectation.dtype))
    assert differences == [], f"{node} on {shape}: {differences}"
    expected = reference_call(node, weights, x.astype(np.float64), mask=mask)
    for got, want in zip(flatten(to_numpy(outputs)), flatten(expected), strict=True):
        np.testing.assert_allclose(got, want, atol=1e-5, err_msg=f"{node} on {shape}, mask {values['mask']}")
