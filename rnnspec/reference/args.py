"""A layer node's arguments as the reference reads them: Keras defaults filled in, the
arguments that cannot change an inference call's numbers ignored, anything else refused.

Refusing unknown names keeps the oracle honest: an argument it does not model must not
silently fall back to a default.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np

from rnnspec.reference.activations import Array

# Arguments that cannot change the numbers of a single inference call on a
# fresh layer, so the oracle accepts and ignores them.
IGNORED_ARGS = frozenset(
    {
        "unroll",
        "stateful",
        "use_cudnn",
        "dropout",
        "recurrent_dropout",
        "seed",
        "dtype",
        "name",
        "trainable",
        "implementation",
        "unit_forget_bias",
        "kernel_initializer",
        "recurrent_initializer",
        "bias_initializer",
        "kernel_regularizer",
        "recurrent_regularizer",
        "bias_regularizer",
        "activity_regularizer",
        "kernel_constraint",
        "recurrent_constraint",
        "bias_constraint",
    }
)

# Marks an argument Keras has no default for (units, filters, kernel_size).
REQUIRED: Any = object()

#: What the time loop reads (rnnspec/reference/loop.py), with Keras's defaults.
LOOP_DEFAULTS: dict[str, Any] = {
    "return_sequences": False,
    "return_state": False,
    "go_backwards": False,
    "zero_output_for_mask": False,
}


def resolve_args(what: str, given: Mapping[str, Any], defaults: Mapping[str, Any]) -> dict[str, Any]:
    """Fill Keras defaults, drop ignorable args, reject anything unknown."""
    unknown = set(given) - set(defaults) - IGNORED_ARGS
    if unknown:
        raise NotImplementedError(f"{what}: unsupported args {sorted(unknown)}")
    args = {**defaults, **{k: v for k, v in given.items() if k in defaults}}
    missing = [k for k, v in args.items() if v is REQUIRED]
    if missing:
        raise ValueError(f"{what}: missing required args {missing}")
    return args


def split_args(
    what: str, given: Mapping[str, Any], cell_defaults: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Split a layer's args into (cell args, loop args)."""
    args = resolve_args(what, given, {**cell_defaults, **LOOP_DEFAULTS})
    cell_args = {k: args[k] for k in cell_defaults}
    loop_args = {k: args[k] for k in LOOP_DEFAULTS}
    return cell_args, loop_args


def take(weights: Iterator[Array], n: int, what: str) -> list[Array]:
    """Consume the next ``n`` arrays of the layer's ``get_weights()`` list."""
    taken = [np.asarray(w, dtype=np.float64) for _, w in zip(range(n), weights, strict=False)]
    if len(taken) != n:
        raise ValueError(f"{what}: expected {n} more weight arrays")
    return taken


def dense_weights(weights: Iterator[Array], use_bias: bool, what: str) -> tuple[Array, Array, Array | None]:
    """kernel, recurrent_kernel and (if use_bias) bias, in get_weights order."""
    kernel, recurrent = take(weights, 2, what)
    bias = take(weights, 1, what)[0] if use_bias else None
    return kernel, recurrent, bias
