"""Scratch check: rnnspec.reference.reference_call against real Keras 3.

Builds many Keras recurrent layers from the same plain-data nodes the oracle
reads, sets seeded weights with ``set_weights``, calls both on seeded inputs
and compares every output leaf (max abs error, float32 Keras vs float64
oracle) and the result structure (tuple/list nesting).

Run: ``.venv/bin/python scratch_reference_vs_keras.py [-v]``. Exit status is
non-zero when anything disagrees that is not listed as a known Keras quirk.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras
import numpy as np

from rnnspec.reference import reference_call

Node = dict[str, Any]
TOL = 1e-5
B, T, F = 4, 5, 3

# Row 0 full, row 1 right-padded, row 2 left-padded, row 3 holes.
MASKS: dict[str, np.ndarray | None] = {
    "none": None,
    "mixed": np.array(
        [
            [1, 1, 1, 1, 1],
            [1, 1, 1, 0, 0],
            [0, 0, 1, 1, 1],
            [1, 0, 1, 0, 1],
        ],
        dtype=bool,
    ),
    "right": np.array([[1, 1, 1, 1, 1], [1, 1, 1, 1, 0], [1, 1, 0, 0, 0], [1, 0, 0, 0, 0]], dtype=bool),
    "left": np.array([[1, 1, 1, 1, 1], [0, 1, 1, 1, 1], [0, 0, 0, 1, 1], [0, 0, 0, 0, 1]], dtype=bool),
    "all_false_row": np.array([[1, 1, 1, 1, 1], [0, 0, 0, 0, 0], [1, 1, 0, 0, 0], [0, 0, 0, 1, 1]], dtype=bool),
}


@dataclass
class Case:
    name: str
    node: dict[str, Any]
    inputs_shape: tuple[int, ...] = (B, T, F)
    mask: str = "none"
    init: bool = False  # pass a random initial_state
    nested_init: bool = False  # pass it per cell (stacked RNN) to Keras
    expect_keras_differs: str = ""  # known quirk; disagreement is expected
    extra: dict[str, Any] = field(default_factory=dict)


# --------------------------------------------------------------------------
# node -> keras layer
# --------------------------------------------------------------------------

CELLS = {
    "SimpleRNNCell": keras.layers.SimpleRNNCell,
    "LSTMCell": keras.layers.LSTMCell,
    "GRUCell": keras.layers.GRUCell,
}
LAYERS = {
    "SimpleRNN": keras.layers.SimpleRNN,
    "LSTM": keras.layers.LSTM,
    "GRU": keras.layers.GRU,
    "ConvLSTM1D": keras.layers.ConvLSTM1D,
    "ConvLSTM2D": keras.layers.ConvLSTM2D,
    "ConvLSTM3D": keras.layers.ConvLSTM3D,
}


def keras_layer(node: dict[str, Any]) -> keras.layers.Layer:
    cls, args = node["class"], dict(node.get("args", {}))
    if cls == "Bidirectional":
        return keras.layers.Bidirectional(keras_layer(node["layer"]), **args)
    if cls == "RNN":
        spec = node["cell"]
        if isinstance(spec, list):
            cell = [CELLS[s["class"]](**s.get("args", {})) for s in spec]
        else:
            cell = CELLS[spec["class"]](**spec.get("args", {}))
        return keras.layers.RNN(cell, **args)
    return LAYERS[cls](**args)


# --------------------------------------------------------------------------
# structure and comparison
# --------------------------------------------------------------------------


def structure(obj: Any) -> Any:
    if isinstance(obj, tuple):
        return ("tuple", [structure(o) for o in obj])
    if isinstance(obj, list):
        return ("list", [structure(o) for o in obj])
    return ("array", tuple(np.shape(obj)))


def leaves(obj: Any) -> Iterator[np.ndarray]:
    if isinstance(obj, (tuple, list)):
        for o in obj:
            yield from leaves(o)
    else:
        yield np.asarray(obj)


def to_numpy(obj: Any) -> Any:
    if isinstance(obj, tuple):
        return tuple(to_numpy(o) for o in obj)
    if isinstance(obj, list):
        return [to_numpy(o) for o in obj]
    return keras.ops.convert_to_numpy(obj)


# --------------------------------------------------------------------------
# one case
# --------------------------------------------------------------------------


def random_initial_state(x: np.ndarray, rng: np.random.Generator, node: dict[str, Any]) -> list[Any]:
    """Random states shaped like the ones a return_state copy returns."""
    out = to_numpy(keras_layer(_with_return_state(node))(x))
    two_outputs = node["class"] == "Bidirectional" and node["args"].get("merge_mode", "concat") is None
    states = out[2:] if two_outputs else out[1:]
    return [_rand_like(s, rng) for s in states]


def _rand_like(s: Any, rng: np.random.Generator) -> Any:
    if isinstance(s, (list, tuple)):
        return [_rand_like(e, rng) for e in s]
    return rng.uniform(-0.9, 0.9, np.shape(s)).astype("float32")


def _with_return_state(node: dict[str, Any]) -> dict[str, Any]:
    node = {**node, "args": dict(node.get("args", {}))}
    if node["class"] == "Bidirectional":
        node["layer"] = _with_return_state(node["layer"])
    else:
        node["args"]["return_state"] = True
    return node


def flat(states: Sequence[Any]) -> list[np.ndarray]:
    out: list[np.ndarray] = []
    for s in states:
        out.extend(flat(s) if isinstance(s, (list, tuple)) else [s])
    return out


def run_case(case: Case, seed: int) -> tuple[bool, str]:
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, case.inputs_shape).astype("float32")
    mask = MASKS[case.mask]
    layer = keras_layer(case.node)
    layer(x)  # build
    weights = [rng.uniform(-0.5, 0.5, w.shape).astype("float32") for w in layer.get_weights()]
    layer.set_weights(weights)

    kwargs: dict[str, Any] = {}
    init_flat = None
    if mask is not None:
        kwargs["mask"] = mask
    if case.init:
        init = random_initial_state(x, rng, case.node)
        init_flat = flat(init)
        kwargs["initial_state"] = init if case.nested_init else init_flat
    got = to_numpy(layer(x, **kwargs))
    ref = reference_call(case.node, layer.get_weights(), x, mask=mask, initial_state=init_flat)

    if structure(got) != structure(ref):
        return False, f"structure keras={structure(got)} ref={structure(ref)}"
    for r in leaves(ref):
        if r.dtype != np.float64:
            return False, f"reference leaf dtype {r.dtype}"
    err = max(float(np.max(np.abs(g - r))) for g, r in zip(leaves(got), leaves(ref), strict=True))
    if err > TOL:
        return False, f"max abs err {err:.3g}"
    return True, f"max abs err {err:.2g}"


# --------------------------------------------------------------------------
# the case list
# --------------------------------------------------------------------------


def loop_flags() -> Iterator[dict[str, Any]]:
    for rs in (False, True):
        for st in (False, True):
            for gb in (False, True):
                for z in (False, True):
                    yield {
                        "return_sequences": rs,
                        "return_state": st,
                        "go_backwards": gb,
                        "zero_output_for_mask": z,
                    }


def tag(flags: dict[str, Any]) -> str:
    return ",".join(k for k, v in flags.items() if v is True) or "defaults"


def cases() -> Iterator[Case]:
    node: Node
    layer: Node
    inner: Node
    # Plain layers: every loop flag x every mask.
    for cls, cell_args in (
        ("SimpleRNN", {"units": 3}),
        ("LSTM", {"units": 3}),
        ("GRU", {"units": 3}),
        ("GRU", {"units": 2, "reset_after": False}),
    ):
        for flags in loop_flags():
            for mask in MASKS:
                if mask != "none" or not flags["zero_output_for_mask"]:
                    node = {"class": cls, "args": {**cell_args, **flags}}
                    yield Case(f"{cls}{cell_args}[{tag(flags)}] mask={mask}", node, mask=mask)
        for mask in ("none", "mixed"):
            node = {
                "class": cls,
                "args": {**cell_args, "return_sequences": True, "return_state": True},
            }
            yield Case(f"{cls} initial_state mask={mask}", node, mask=mask, init=True)
            node = {
                "class": cls,
                "args": {
                    **cell_args,
                    "return_sequences": True,
                    "return_state": True,
                    "go_backwards": True,
                },
            }
            yield Case(
                f"{cls} go_backwards initial_state mask={mask}",
                node,
                mask=mask,
                init=True,
            )

    # Cell options.
    for cls in ("SimpleRNN", "LSTM", "GRU"):
        for extra in (
            {"use_bias": False},
            {"activation": "relu"},
            {"activation": "softsign"},
            {"activation": "elu"},
            {"activation": "linear"},
            {"activation": None},
            {
                "unroll": True,
                "stateful": False,
                "dropout": 0.3,
                "recurrent_dropout": 0.2,
                "seed": 1,
            },
        ):
            node = {
                "class": cls,
                "args": {
                    "units": 2,
                    "return_sequences": True,
                    "return_state": True,
                    **extra,
                },
            }
            yield Case(f"{cls} {extra}", node, mask="mixed")
        if cls != "SimpleRNN":
            for ra in ("hard_sigmoid", "tanh", "relu", "linear"):
                node = {
                    "class": cls,
                    "args": {
                        "units": 2,
                        "return_sequences": True,
                        "recurrent_activation": ra,
                    },
                }
                yield Case(f"{cls} recurrent_activation={ra}", node)
    for reset_after in (True, False):
        node = {
            "class": "GRU",
            "args": {
                "units": 2,
                "use_bias": False,
                "reset_after": reset_after,
                "return_sequences": True,
            },
        }
        yield Case(f"GRU use_bias=False reset_after={reset_after}", node, mask="mixed")
        node = {
            "class": "RNN",
            "args": {"return_sequences": True},
            "cell": {
                "class": "GRUCell",
                "args": {"units": 2, "reset_after": reset_after, "use_bias": False},
            },
        }
        yield Case(f"RNN(GRUCell use_bias=False reset_after={reset_after})", node)

    # RNN over single cells and stacked cells.
    single: list[Node] = [
        {"class": "SimpleRNNCell", "args": {"units": 2}},
        {"class": "LSTMCell", "args": {"units": 3}},
        {"class": "GRUCell", "args": {"units": 2, "reset_after": False}},
        {"class": "GRUCell", "args": {"units": 2}},
    ]
    stacks: list[list[Node]] = [
        [
            {"class": "LSTMCell", "args": {"units": 3}},
            {"class": "GRUCell", "args": {"units": 2, "reset_after": False}},
            {"class": "SimpleRNNCell", "args": {"units": 2}},
        ],
        [
            {"class": "GRUCell", "args": {"units": 2}},
            {"class": "LSTMCell", "args": {"units": 2, "activation": "relu"}},
        ],
        [
            {"class": "SimpleRNNCell", "args": {"units": 2}},
            {"class": "SimpleRNNCell", "args": {"units": 3, "use_bias": False}},
        ],
    ]
    for flags in loop_flags():
        for mask in ("none", "mixed", "right", "left"):
            if mask == "none" and flags["zero_output_for_mask"]:
                continue
            for spec in single[:2] + stacks[:1]:
                node = {"class": "RNN", "args": flags, "cell": spec}
                yield Case(f"RNN({_cells(spec)})[{tag(flags)}] mask={mask}", node, mask=mask)
    for spec in single + stacks:
        for mask in ("none", "mixed"):
            node = {
                "class": "RNN",
                "args": {"return_sequences": True, "return_state": True},
                "cell": spec,
            }
            yield Case(
                f"RNN({_cells(spec)}) init mask={mask}",
                node,
                mask=mask,
                init=True,
                nested_init=True,
            )
    for spec in single[1:3]:
        node = {"class": "RNN", "args": {"return_state": True}, "cell": [spec]}
        yield Case(f"RNN([{_cells(spec)}]) one-cell list", node)
        yield Case(
            f"RNN([{_cells(spec)}]) one-cell list mask=mixed",
            node,
            mask="mixed",
            expect_keras_differs="a one-cell list plus a mask: Keras raises",
        )
    inner = {
        "class": "RNN",
        "args": {"return_sequences": True, "return_state": True},
        "cell": stacks[0],
    }
    node = {"class": "Bidirectional", "args": {"merge_mode": "ave"}, "layer": inner}
    yield Case(
        "Bidirectional(stacked) nested init mask=mixed",
        node,
        mask="mixed",
        init=True,
        nested_init=True,
    )
    for spec in stacks[1:]:
        node = {
            "class": "RNN",
            "args": {"return_sequences": False, "return_state": True},
            "cell": spec,
        }
        yield Case(f"RNN({_cells(spec)}) mask=mixed", node, mask="mixed")

    # Bidirectional: inner layer kinds x merge modes x flags x masks.
    inners: list[Node] = [
        {"class": "LSTM", "args": {"units": 2}},
        {"class": "GRU", "args": {"units": 2}},
        {"class": "GRU", "args": {"units": 2, "reset_after": False}},
        {"class": "SimpleRNN", "args": {"units": 2}},
        {"class": "RNN", "args": {}, "cell": stacks[0]},
    ]
    for inner in inners:
        for merge in ("concat", "sum", "mul", "ave", None):
            for rs in (False, True):
                for st in (False, True):
                    for mask in ("none", "mixed"):
                        layer = {
                            **inner,
                            "args": {
                                **inner["args"],
                                "return_sequences": rs,
                                "return_state": st,
                            },
                        }
                        node = {
                            "class": "Bidirectional",
                            "args": {"merge_mode": merge},
                            "layer": layer,
                        }
                        yield Case(
                            f"Bidirectional[{merge}]({_inner(inner)} rs={rs} st={st}) mask={mask}",
                            node,
                            mask=mask,
                        )
        for z in (False, True):
            for rs in (False, True):
                layer = {
                    **inner,
                    "args": {
                        **inner["args"],
                        "return_sequences": rs,
                        "return_state": True,
                        "zero_output_for_mask": z,
                    },
                }
                node = {
                    "class": "Bidirectional",
                    "args": {"merge_mode": None},
                    "layer": layer,
                }
                yield Case(
                    f"Bidirectional({_inner(inner)} zero_output_for_mask={z} rs={rs}) mask=mixed",
                    node,
                    mask="mixed",
                )
        if inner["class"] != "RNN":
            layer = {
                **inner,
                "args": {
                    **inner["args"],
                    "return_sequences": True,
                    "return_state": True,
                },
            }
            node = {
                "class": "Bidirectional",
                "args": {"merge_mode": "concat"},
                "layer": layer,
            }
            yield Case(
                f"Bidirectional({_inner(inner)}) initial_state mask=mixed",
                node,
                mask="mixed",
                init=True,
            )

    # ConvLSTM.
    for rank, spatial in ((1, (6,)), (2, (5, 4)), (3, (4, 3, 3))):
        for padding in ("valid", "same"):
            for ks in (3, 2) if rank < 3 else (3,):
                for rs in (False, True):
                    for st in (False, True):
                        for gb in (False, True):
                            args = {
                                "filters": 2,
                                "kernel_size": ks,
                                "padding": padding,
                                "return_sequences": rs,
                                "return_state": st,
                                "go_backwards": gb,
                            }
                            node = {"class": f"ConvLSTM{rank}D", "args": args}
                            shape = (2, 3, *spatial, 2)
                            yield Case(
                                f"ConvLSTM{rank}D {padding} k={ks} rs={rs} st={st} gb={gb}",
                                node,
                                inputs_shape=shape,
                            )
        args = {
            "filters": 2,
            "kernel_size": 3,
            "padding": "same",
            "return_sequences": True,
            "return_state": True,
        }
        shape = (4, 5, *spatial, 2)
        for mask in ("mixed", "right"):
            for z in (False, True):
                node = {
                    "class": f"ConvLSTM{rank}D",
                    "args": {**args, "zero_output_for_mask": z},
                }
                yield Case(
                    f"ConvLSTM{rank}D mask={mask} zero_output_for_mask={z}",
                    node,
                    inputs_shape=shape,
                    mask=mask,
                )
        node = {
            "class": f"ConvLSTM{rank}D",
            "args": {**args, "use_bias": False, "activation": "relu"},
        }
        yield Case(
            f"ConvLSTM{rank}D use_bias=False relu init",
            node,
            inputs_shape=shape,
            init=True,
        )
    node = {
        "class": "Bidirectional",
        "args": {"merge_mode": "sum"},
        "layer": {
            "class": "ConvLSTM1D",
            "args": {
                "filters": 2,
                "kernel_size": 3,
                "padding": "same",
                "return_sequences": True,
            },
        },
    }
    yield Case(
        "Bidirectional(ConvLSTM1D) mask=mixed",
        node,
        inputs_shape=(4, 5, 6, 2),
        mask="mixed",
    )

    # Known Keras quirk: the unrolled TF loop masks zero_output_for_mask
    # outputs with the *unreversed* mask when go_backwards.
    for cls in ("SimpleRNN", "LSTM", "GRU"):
        node = {
            "class": cls,
            "args": {
                "units": 2,
                "unroll": True,
                "go_backwards": True,
                "zero_output_for_mask": True,
                "return_sequences": True,
            },
        }
        yield Case(
            f"{cls} unroll go_backwards zero_output_for_mask mask=right",
            node,
            mask="right",
            expect_keras_differs="unroll+go_backwards+zero_output_for_mask uses the unreversed mask",
        )
        node = {
            "class": cls,
            "args": {
                "units": 2,
                "unroll": True,
                "go_backwards": False,
                "zero_output_for_mask": True,
                "return_sequences": True,
            },
        }
        yield Case(f"{cls} unroll zero_output_for_mask mask=mixed", node, mask="mixed")


def _cells(spec: Any) -> str:
    if isinstance(spec, list):
        return "[" + ",".join(_cells(s) for s in spec) + "]"
    return str(spec["class"])


def _inner(inner: dict[str, Any]) -> str:
    return _cells(inner["cell"]) if inner["class"] == "RNN" else f"{inner['class']}{inner['args']}"


# --------------------------------------------------------------------------
# Keras facts the oracle relies on (printed, checked)
# --------------------------------------------------------------------------


def _shape_of(obj: Any) -> str:
    if isinstance(obj, (list, tuple)):
        inner = ",".join(_shape_of(o) for o in obj)
        return f"{type(obj).__name__}[{inner}]"
    return "x"


def keras_facts() -> list[tuple[str, bool]]:
    """Surprising Keras behaviours, each checked on the spot."""
    layers = keras.layers
    x = np.random.default_rng(0).uniform(-1, 1, (2, 3, 2)).astype("float32")

    def h(n: int) -> np.ndarray:
        return np.full((2, n), 0.7, "float32")

    def stack() -> list[Any]:
        return [layers.LSTMCell(3), layers.GRUCell(2), layers.SimpleRNNCell(2)]

    facts = []
    out = layers.RNN(stack(), return_state=True)(x, initial_state=[[h(3), h(3)], h(2), h(2)])
    facts.append(
        (
            (
                "stacked RNN: a bare (non-list) initial state for a single-state "
                "cell comes back bare: the state nesting follows the caller's"
            ),
            _shape_of(out) == "tuple[x,list[x,x],x,x]",
        )
    )
    try:
        layers.RNN(stack(), return_state=True)(x, initial_state=[h(3), h(3), h(2), h(2)])
        flat_fails = False
    except IndexError:
        flat_fails = True
    facts.append(("stacked RNN with an LSTMCell rejects a flat initial_state list", flat_fails))
    out = layers.RNN([layers.GRUCell(2)], return_state=True)(x)
    facts.append(
        (
            "RNN([GRUCell]) returns (output, [h]) (a list even for one cell)",
            _shape_of(out) == "tuple[x,list[x]]",
        )
    )
    try:
        layers.Bidirectional(layers.GRU(2, go_backwards=True))
        rejects = False
    except ValueError:
        rejects = True
    facts.append(("Bidirectional rejects a wrapped layer with go_backwards=True", rejects))
    b = layers.Bidirectional(layers.LSTM(2, zero_output_for_mask=True))
    b2 = layers.Bidirectional(layers.LSTM(2, return_sequences=True))
    facts.append(
        (
            "Bidirectional overrides zero_output_for_mask := return_sequences",
            not b.forward_layer.zero_output_for_mask
            and not b.backward_layer.zero_output_for_mask
            and b2.forward_layer.zero_output_for_mask
            and b2.backward_layer.zero_output_for_mask,
        )
    )
    layer = layers.SimpleRNN(2, return_sequences=True)
    seq = to_numpy(layer(x, mask=np.array([[0, 1, 1], [1, 1, 1]], bool), initial_state=[h(2)]))
    facts.append(
        (
            "left-padded masked steps output zeros, not the initial state",
            bool(np.all(seq[0, 0] == 0)),
        )
    )
    layer = layers.LSTM(2, zero_output_for_mask=True)
    last = to_numpy(layer(x, mask=np.array([[1, 1, 0], [1, 1, 1]], bool)))
    facts.append(
        (
            (
                "LSTM(zero_output_for_mask=True) is honoured; return_sequences="
                "False then returns 0 for a right-padded row"
            ),
            bool(np.all(last[0] == 0) and np.any(last[1] != 0)),
        )
    )
    return facts


def one_line(text: str) -> str:
    """Keras errors span many lines and carry ANSI codes; keep the gist."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", text)
    return " ".join(text.split())[:200]


def main() -> int:
    verbose = "-v" in sys.argv
    passed = 0
    failed: list[str] = []
    quirks_seen: list[str] = []
    quirks_missing: list[str] = []
    all_cases = list(cases())
    for i, case in enumerate(all_cases):
        try:
            ok, detail = run_case(case, seed=i)
        except Exception as exc:  # report and continue
            ok, detail = False, one_line(f"{type(exc).__name__}: {exc}")
        if case.expect_keras_differs:
            (quirks_seen if not ok else quirks_missing).append(f"{case.name}: {detail}")
            continue
        if ok:
            passed += 1
            if verbose:
                print(f"ok   {case.name}: {detail}")
        else:
            failed.append(f"FAIL {case.name}: {detail}")
            print(failed[-1])
    print(f"\n{passed} agree, {len(failed)} disagree, out of {passed + len(failed)} cases")
    for q in quirks_seen:
        print(f"known Keras quirk reproduced: {q}")
    for q in quirks_missing:
        print(f"known Keras quirk NOT reproduced (Keras agreed): {q}")
    for text, holds in keras_facts():
        print(f"fact {'holds' if holds else 'DOES NOT HOLD'}: {text}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
