"""Time the core step of every layer: one forward call over a whole sequence.

Cases come from benchmarks.yaml (layer x size) crossed with its modes and devices. The layer
is built and given seeded weights, and called once (tracing, placement), before anything is
timed; the timed callable calls the layer and converts the output to NumPy, so that the
device has finished when the clock stops. Each layer x size also times the NumPy reference
(rnnspec.reference.reference_call) on the same weights and inputs.

Run with ``make bench`` (see the README); under xdist pytest-benchmark disables timing.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from benchmarks.cases import BenchCase, keras_cases, load, reference_cases

_DATA = load()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    for name, cases in (("keras_case", keras_cases(_DATA)), ("reference_case", reference_cases(_DATA))):
        if name in metafunc.fixturenames:
            metafunc.parametrize(name, [pytest.param(c, id=c.id, marks=getattr(pytest.mark, c.device)) for c in cases])


def _rng(case: BenchCase, purpose: str) -> np.random.Generator:
    return np.random.default_rng(zlib.crc32(f"benchmarks:{case.key}:{purpose}".encode()))


def _inputs(case: BenchCase) -> np.ndarray:
    return _rng(case, "inputs").uniform(-1.0, 1.0, case.input_shape).astype("float32")


def _weights(case: BenchCase, shapes: list[tuple[int, ...]]) -> list[np.ndarray]:
    """Seeded like rnnspec.runner's: uniform(-0.5, 0.5), keyed by layer and size only."""
    rng = _rng(case, f"weights:{shapes}")
    return [rng.uniform(-0.5, 0.5, shape).astype("float32") for shape in shapes]


def _slowed(step: Callable[[], Any], seconds: float) -> Callable[[], Any]:
    if not seconds:
        return step

    def slow() -> Any:
        time.sleep(seconds)
        return step()

    return slow


def _describe(benchmark: Any, case: BenchCase, **extra: Any) -> None:
    """Before timing: the group (layer and size, the reference beside) and what was timed."""
    benchmark.group = case.key
    benchmark.extra_info.update(
        layer=case.layer,
        size=case.size,
        mode=case.mode,
        device=case.device,
        input_shape=list(case.input_shape),
        macs_per_step=case.macs,
        **extra,
    )


def _record_rate(benchmark: Any, case: BenchCase) -> None:
    """After timing: achieved FLOP/s, 2 * multiply-adds / median time."""
    stats = getattr(benchmark, "stats", None)
    if stats is not None:  # None when timing is disabled (xdist, --benchmark-disable)
        median = stats.stats.median
        benchmark.extra_info["median_s"] = median
        benchmark.extra_info["flops"] = 2 * case.macs / median if median > 0 else None


def _compiled(layer: Any, backend: str) -> Callable[[Any], Any]:
    if backend == "tensorflow":
        import tensorflow as tf

        return tf.function(lambda x: layer(x), jit_compile=False)  # type: ignore[no-any-return]
    if backend == "jax":
        import jax

        return jax.jit(lambda x: layer(x))  # type: ignore[no-any-return]
    pytest.skip(f"compiled mode is not benchmarked on the {backend} backend (torch.compile is not used)")


def test_keras_step(benchmark: Any, keras_case: BenchCase, devices: dict[str, str | None], slowdown: float) -> None:
    from rnnspec.devices import on_device, placed_on
    from rnnspec.kerasapi import backend_name, keras
    from rnnspec.registry import keras_layer_registry
    from rnnspec.runner import build_layer

    case = keras_case
    backend = backend_name()
    device = devices.get(case.device)
    if device is None:
        pytest.skip(f"no {case.device.upper()} visible to the {backend} backend on this machine")
    x_host = _inputs(case)
    with on_device(device):
        layer = build_layer(case.node, keras_layer_registry())
        layer.build(x_host.shape)
        layer.set_weights(_weights(case, [tuple(w.shape) for w in layer.get_weights()]))
        x = keras.ops.convert_to_tensor(x_host)
        call = _compiled(layer, backend) if case.mode == "compiled" else layer

    def step() -> np.ndarray:
        with on_device(device):
            out = call(x)
        return np.asarray(keras.ops.convert_to_numpy(out))  # waits for the device

    first = step()  # trace / compile / place before timing
    with on_device(device):
        placed = placed_on(call(x))
    _describe(benchmark, case, backend=backend, placed_on=placed, output_shape=list(first.shape))
    benchmark(_slowed(step, slowdown))
    _record_rate(benchmark, case)


def test_reference_step(benchmark: Any, reference_case: BenchCase, slowdown: float) -> None:
    from rnnspec.reference import reference_call
    from rnnspec.registry import keras_layer_registry
    from rnnspec.runner import build_layer

    case = reference_case
    x = _inputs(case)
    layer = build_layer(case.node, keras_layer_registry())  # only for the weights' shapes and order
    layer.build(x.shape)
    weights = _weights(case, [tuple(w.shape) for w in layer.get_weights()])
    del layer
    x64 = x.astype(np.float64)

    def step() -> Any:
        return reference_call(dict(case.node), weights, x64)

    step()
    _describe(benchmark, case, backend="numpy", dtype="float64")
    benchmark(_slowed(step, slowdown))
    _record_rate(benchmark, case)
