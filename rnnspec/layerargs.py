"""What a layer was built with, read from its resolved node: the arguments relations and twins
go by, whatever a table calls its axes.

A table may name an axis differently from the argument it feeds (``seq: [false, true]`` into
``return_sequences: $seq``), or set the argument as a constant in ``build.args``; relations
must still know whether the layer returns sequences or reads backwards. So they read
:func:`built_args` of the case's resolved node (Keras's defaults where the node says nothing),
and twins change arguments in the node (:func:`with_args`), never axis values. No Keras here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from rnnspec.nodes import fold, walk

#: Keras's defaults for the arguments of the time loop that relations read.
LOOP_DEFAULTS: dict[str, Any] = {
    "return_sequences": False,
    "return_state": False,
    "go_backwards": False,
    "zero_output_for_mask": False,
    "stateful": False,
    "unroll": False,
}
#: A wrapper's own arguments (Bidirectional), with Keras's defaults.
WRAPPER_DEFAULTS: dict[str, Any] = {"merge_mode": "concat"}


def is_wrapper(node: Mapping[str, Any]) -> bool:
    """A node that wraps a recurrent layer (Bidirectional) instead of running a loop itself."""
    return "layer" in node


def recurrent_nodes(node: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The nodes that run a loop over time: a wrapper's layer (and backward_layer), else the node."""
    if is_wrapper(node):
        return [node[key] for key in ("layer", "backward_layer") if key in node]
    return [node]


def built_args(node: Mapping[str, Any]) -> dict[str, Any]:
    """The loop arguments the layer was built with, as the layer answers them.

    For a wrapper: its forward layer's loop arguments and the wrapper's own (``merge_mode``);
    Bidirectional forces ``zero_output_for_mask`` to ``return_sequences`` on both directions.
    """
    loop = recurrent_nodes(node)[0]
    args = {**LOOP_DEFAULTS, **{k: v for k, v in loop.get("args", {}).items() if k in LOOP_DEFAULTS}}
    if is_wrapper(node):
        args.update({**WRAPPER_DEFAULTS, **{k: v for k, v in node.get("args", {}).items() if k in WRAPPER_DEFAULTS}})
        args["zero_output_for_mask"] = args["return_sequences"]
    return args


def copy_node(node: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of the tree whose ``args`` can be changed without touching the original."""

    def visit(node: Mapping[str, Any], kids: dict[str, Any]) -> dict[str, Any]:
        copied = {**node, **kids}
        if "args" in node:
            copied["args"] = dict(node["args"])
        return copied

    result: dict[str, Any] = fold(node, visit)
    return result


def with_args(node: Mapping[str, Any], overrides: Mapping[str, Any], missing: Iterable[str] = ()) -> dict[str, Any]:
    """The node with some arguments changed, wherever in the tree the layer takes them.

    An argument is replaced in every node that was built with it; a backward_layer mirrors its
    forward layer, so it gets ``go_backwards`` negated and every other value as is. An argument
    no node names (the layer used Keras's default) is added to the nodes that run the loop,
    except one this release lacks (``missing``): the layer cannot be given it, so it keeps the
    default, as the table's ``available`` says.
    """
    copied = copy_node(node)
    backward = copied.get("backward_layer")
    mirrored = {id(n) for n in walk(backward)} if isinstance(backward, Mapping) else set()
    skip = set(missing)
    for name, value in overrides.items():
        owners = [n for n in walk(copied) if name in n.get("args", {})]
        if not owners and name not in skip:
            owners = recurrent_nodes(copied)
        for owner in owners:
            mirror = id(owner) in mirrored and name == "go_backwards"
            assert isinstance(owner, dict)  # copy_node's copies
            owner.setdefault("args", {})[name] = (not value) if mirror else value
    return copied
