"""What each relation costs on a case, beside the case's own build and call.

The depth policy prices relations by what they cost (spec/_recurrent.yaml says where the call
modes of issue 14 run, and why); this script is where those prices come from. It expands the
selected cases of one spec file at the exhaustive depth, builds and calls each (as the runner
does), then times each named relation on it, in one interpreter, warm (the first case pays
Keras's start-up; its row is printed, the median ignores nothing, so select a few cases).

    python benchmarks/relation_cost.py spec/lstm.yaml "LSTM[core-" [--relations a,b,c] [--cases N]

Prints one row per relation: its time on each case and the median, next to the median of the
case's own build + call.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from rnnspec.relations import RELATIONS, RelationContext

DEFAULT = (
    "symbolic_matches_returns,model_matches_eager,jit_compiled_matches_eager,saved_matches_eager,other_batch_matches"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("file", help="a spec file, e.g. spec/lstm.yaml")
    parser.add_argument("select", help="a substring of the case names to time, e.g. 'LSTM[core-'")
    parser.add_argument("--relations", default=DEFAULT, help="comma-separated relation names")
    parser.add_argument("--cases", type=int, default=4, help="how many of the selected cases")
    args = parser.parse_args()

    from rnnspec.building import call_layer
    from rnnspec.calls import CallMemo
    from rnnspec.kerasapi import to_numpy, versions
    from rnnspec.layerargs import built_args
    from rnnspec.registry import keras_layer_registry
    from rnnspec.spec import expand, load_table
    from rnnspec.twins import Twin

    registry = keras_layer_registry()
    cases = [c for c in expand(load_table(Path(args.file), registry), ("cpu",), "exhaustive") if args.select in c.name]
    cases = cases[: args.cases]
    names = [n.strip() for n in args.relations.split(",") if n.strip()]
    timings: dict[str, list[float]] = {name: [] for name in ["(build + call)", *names]}
    for case in cases:
        start = time.perf_counter()
        layer, outputs, inputs, _ = call_layer(case, registry, "cpu")
        timings["(build + call)"].append(time.perf_counter() - start)
        twin = Twin(case, registry, "cpu", inputs, layer, CallMemo())
        context = RelationContext(
            to_numpy(outputs), built_args(case.node), case.sizes, case.tolerance, inputs.mask, twin, []
        )
        for name in names:
            start = time.perf_counter()
            RELATIONS[name](context)
            timings[name].append(time.perf_counter() - start)
    info = versions()
    print(f"keras {info['keras']} ({info['backend']}), {len(cases)} cases of {args.file} matching {args.select!r}")
    for name, values in timings.items():
        row = " ".join(f"{v:6.2f}" for v in values)
        print(f"{name:30s} median {statistics.median(values):6.2f} s   [{row}]")


if __name__ == "__main__":
    main()
