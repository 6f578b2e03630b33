"""The benchmark cases of ``benchmarks.yaml`` and the arithmetic of each layer's step.

Nothing here imports Keras: the cases are plain data, so the chart and the helpers can use
them without starting TensorFlow.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
CASES_FILE = HERE / "benchmarks.yaml"

#: Matrix multiplications per step and unit: one per gate (LSTM i, f, c, o; GRU z, r, h).
GATES = {"SimpleRNN": 1, "LSTM": 4, "GRU": 3, "SimpleRNNCell": 1, "LSTMCell": 4, "GRUCell": 3}


@dataclass(frozen=True)
class BenchCase:
    """One layer x size x mode x device (mode ``numpy``: the NumPy reference, cpu only)."""

    layer: str
    size: str
    mode: str
    device: str
    node: Mapping[str, Any]
    input_shape: tuple[int, ...]

    @property
    def id(self) -> str:
        return f"{self.layer}-{self.size}-{self.mode}-{self.device}"

    @property
    def key(self) -> str:
        """Layer and size only: the same weights and inputs in every mode and on every device."""
        return f"{self.layer}-{self.size}"

    @property
    def macs(self) -> int:
        return step_macs(self.node, self.input_shape)


def load(path: Path = CASES_FILE) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        data: dict[str, Any] = yaml.safe_load(handle)
    return data


def keras_cases(data: Mapping[str, Any] | None = None) -> list[BenchCase]:
    data = load() if data is None else data
    return [
        BenchCase(layer, size, mode, device, entry["build"], tuple(entry["input"]))
        for layer, sizes in data["layers"].items()
        for size, entry in sizes.items()
        for mode in data["modes"]
        for device in data["devices"]
    ]


def reference_cases(data: Mapping[str, Any] | None = None) -> list[BenchCase]:
    data = load() if data is None else data
    return [
        BenchCase(layer, size, "numpy", "cpu", entry["build"], tuple(entry["input"]))
        for layer, sizes in data["layers"].items()
        for size, entry in sizes.items()
    ]


def _pair(value: Any, rank: int) -> tuple[int, ...]:
    return tuple(value) if isinstance(value, (list, tuple)) else (int(value),) * rank


def step_macs(node: Mapping[str, Any], shape: tuple[int, ...]) -> int:
    """Multiply-adds of one forward call over the whole sequence (biases and activations not counted).

    Dense cells: gates * B * T * units * (F + units). Bidirectional: twice its layer. Stacked
    cells: the sum of the cells, each fed the previous cell's units. ConvLSTM:
    4 * B * T * prod(output spatial) * filters * prod(kernel) * (C + filters), the input
    convolution with the layer's padding and the recurrent one with padding same.
    """
    cls = node["class"]
    args = node.get("args", {})
    if cls == "Bidirectional":
        return 2 * step_macs(node["layer"], shape)
    if cls == "RNN":
        cells = node["cell"] if isinstance(node["cell"], list) else [node["cell"]]
        batch, steps, features = shape
        total = 0
        for cell in cells:
            units = int(cell["args"]["units"])
            total += GATES[cell["class"]] * batch * steps * units * (features + units)
            features = units
        return total
    if cls in GATES:
        batch, steps, features = shape
        units = int(args["units"])
        return GATES[cls] * batch * steps * units * (features + units)
    if cls.startswith("ConvLSTM"):
        batch, steps, *spatial, channels = shape
        rank = len(spatial)
        kernel = _pair(args["kernel_size"], rank)
        strides = _pair(args.get("strides", 1), rank)
        padding = args.get("padding", "valid")
        if padding == "same":
            out = [math.ceil(s / st) for s, st in zip(spatial, strides, strict=True)]
        else:
            out = [(s - k) // st + 1 for s, k, st in zip(spatial, kernel, strides, strict=True)]
        filters = int(args["filters"])
        return 4 * batch * steps * math.prod(out) * filters * math.prod(kernel) * (channels + filters)
    raise ValueError(f"no arithmetic for {cls}: add it to benchmarks/cases.py step_macs")
