"""The activations a table may name, as NumPy functions (Keras 3 definitions).

Kept apart because two readers need them: the cells here, and the table loader, which
checks that a table names only activations the reference can compute.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]
Activation = Callable[[Array], Array]


def _sigmoid(x: Array) -> Array:
    return 1.0 / (1.0 + np.exp(-x))


def _hard_sigmoid(x: Array) -> Array:
    """Keras 3 ``relu6(x + 3) / 6``; Keras 2 used ``0.2 * x + 0.5``."""
    return np.clip(x + 3.0, 0.0, 6.0) / 6.0


def _keras2_hard_sigmoid(x: Array) -> Array:
    """Keras 2's ``hard_sigmoid``: ``0.2 * x + 0.5`` clipped to [0, 1] (a table names it so)."""
    return np.clip(0.2 * x + 0.5, 0.0, 1.0)


def _elu(x: Array) -> Array:
    return np.where(x > 0, x, np.expm1(np.minimum(x, 0.0)))


ACTIVATIONS: dict[str, Activation] = {
    "tanh": np.tanh,
    "sigmoid": _sigmoid,
    "relu": lambda x: np.maximum(x, 0.0),
    "linear": lambda x: x,
    "hard_sigmoid": _hard_sigmoid,
    "keras2_hard_sigmoid": _keras2_hard_sigmoid,
    "softsign": lambda x: x / (1.0 + np.abs(x)),
    "elu": _elu,
}


def activation(name: object) -> Activation:
    """Look an activation up by name; ``None`` means linear as in Keras."""
    if name is None:
        return ACTIVATIONS["linear"]
    if not isinstance(name, str) or name not in ACTIVATIONS:
        raise NotImplementedError(f"unsupported activation: {name!r}")
    return ACTIVATIONS[name]
