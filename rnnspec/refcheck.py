"""Every returned tensor against the NumPy reference (rnnspec/reference/), within tolerance.

The oracle is the project's own reference, or the one a plugin registered for a custom class
anywhere in the layer tree (a custom cell inside ``RNN(...)`` computes the whole layer).
No Keras here: the values come in as NumPy.
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from rnnspec.inputs import CallInputs
from rnnspec.nodes import classes
from rnnspec.reference import reference_call
from rnnspec.relations import flatten

if TYPE_CHECKING:
    from rnnspec.registry import LayerRegistry
    from rnnspec.spec import Case


@dataclass
class ReferenceCheck:
    """How the returned tensors compare with the NumPy reference."""

    max_error: float | None = None
    not_checked: str | None = None
    problems: list[str] = field(default_factory=list)
    reference: list[np.ndarray] = field(default_factory=list)


def described(function: Any) -> str:
    """``minimal_rnn_reference (conftest.py:12)``: a user's reference as a failure names it."""
    code = getattr(function, "__code__", None)
    name = getattr(function, "__qualname__", None) or repr(function)
    return f"{name} ({Path(code.co_filename).name}:{code.co_firstlineno})" if code is not None else name


def raised_in(function: Any, exc: BaseException) -> str:
    """``ValueError: bad shape at conftest.py:17``: an exception in a user's reference in one
    line, at the deepest line of the reference's own file (not a traceback through pytest)."""
    code = getattr(function, "__code__", None)
    frames = traceback.extract_tb(exc.__traceback__)
    own = [f for f in frames if code is not None and f.filename == code.co_filename] or frames[-1:]
    where = f" at {Path(own[-1].filename).name}:{own[-1].lineno}" if own else ""
    return f"{type(exc).__name__}: {exc}{where}"


def compare_with_reference(case: Case, registry: LayerRegistry, inputs: CallInputs, values: Any) -> ReferenceCheck:
    """Every returned tensor (``values``: the outputs as NumPy) against the NumPy reference.

    A registered reference that raises (anything but ``NotImplementedError``, which says it
    does not cover the case) fails the case in one line naming the reference: the error is in
    the user's code, and pytest's traceback through the runner would hide it.
    """
    custom = [registry.references[name] for name in classes(case.node) if name in registry.references]
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
    except Exception as exc:
        if not custom:
            raise  # the project's own reference: a bug of rnnspec, with its whole traceback
        return ReferenceCheck(problems=[f"the reference {described(oracle)} raised {raised_in(oracle, exc)}"])
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


def rounded_values(values: Any, check: ReferenceCheck) -> dict[str, list[Any]]:
    """Values to print in the report, rounded so that they read the same on every run."""

    def rounded(arrays: list[np.ndarray]) -> list[Any]:
        return [np.round(a, 4).tolist() for a in arrays]

    return {"actual": rounded(flatten(values)), "reference": rounded(check.reference)}
