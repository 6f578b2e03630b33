"""Layer calls shared between the cases of one session, so that a relation's twin call is
made once, not once per case that needs it.

Most relations compare a case with a twin of its layer: same seeded weights, one argument
changed (``unroll=False``, ``dropout=0``, no initial state). That twin is very often another
case of the same file (the core table's combination), which has already been built and
called on the same inputs in this process: re-running it would only measure Keras's
determinism twice. So results of deterministic calls (a stateless layer, ``training``
false) are kept under a key made of everything that determines them: the resolved layer
node, the device, the weights and the inputs, hashed. Stateless layers are also kept, so a
twin called on other inputs (the reversed sequence, one row's unpadded prefix) reuses the
built layer instead of building it again.

What is never shared: stateful layers (a call changes them), calls in training mode
(dropout draws new masks), and a relation that is about repeating a call
(``dropout_off_at_inference``'s second call) asks for a real call explicitly.
The memo lives in the pytest session (one per xdist worker) and dies with it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from rnnspec.nodes import walk


def is_stateful(node: Mapping[str, Any]) -> bool:
    """Whether any layer in a resolved node tree keeps state between calls."""
    return any(n.get("args", {}).get("stateful") for n in walk(node))


def _digest(hasher: Any, value: Any) -> None:
    """Feeds arrays (shape, dtype, bytes), nested lists of them and None into a hash."""
    if value is None:
        hasher.update(b"N")
    elif isinstance(value, (list, tuple)):
        hasher.update(b"[%d" % len(value))
        for item in value:
            _digest(hasher, item)
        hasher.update(b"]")
    else:
        array = np.ascontiguousarray(value)
        hasher.update(f"{array.shape}{array.dtype}".encode())
        hasher.update(array.tobytes())


def fingerprint(*parts: Any) -> str:
    hasher = hashlib.blake2b(digest_size=16)
    for part in parts:
        _digest(hasher, part)
    return hasher.hexdigest()


def layer_key(node: Mapping[str, Any], device: str, weights: list[np.ndarray]) -> str:
    return json.dumps([node, device], sort_keys=True, default=str) + fingerprint(weights)


class CallMemo:
    """Built stateless layers and the results of their deterministic calls, for one session."""

    def __init__(self) -> None:
        self._layers: dict[str, Any] = {}
        self._results: dict[str, Any] = {}
        self.hits = 0
        self.calls = 0

    def layer(self, key: str, build: Callable[[], Any]) -> Any:
        """The layer kept under ``key``, built (with its weights) on first use."""
        if key not in self._layers:
            self._layers[key] = build()
        return self._layers[key]

    def remember_layer(self, key: str, layer: Any) -> None:
        self._layers.setdefault(key, layer)

    def result(self, key: str, call: Callable[[], Any]) -> Any:
        """The result kept under ``key``, computed on first use."""
        if key in self._results:
            self.hits += 1
            return self._results[key]
        self.calls += 1
        self._results[key] = value = call()
        return value

    def remember_result(self, key: str, value: Any) -> None:
        self._results.setdefault(key, value)


def call_key(layer: str, x: np.ndarray, mask: np.ndarray | None, initial_state: Any) -> str:
    return layer + fingerprint(x, mask, initial_state)
