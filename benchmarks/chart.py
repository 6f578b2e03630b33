"""Render a pytest-benchmark JSON (``make bench``) as reports/benchmarks.svg.

One panel per size; in each, one row per layer and one bar per mode x device, the NumPy
reference beside them, on a log time axis. The SVG is deterministic for the same JSON
(fixed hash salt, no date), so an unchanged result gives an unchanged file.

    python -m benchmarks.chart [reports/benchmarks.json] [reports/benchmarks.svg]
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

SERIES = [  # (mode, device, colour): the order of the bars in every row
    ("eager", "cpu", "#4c72b0"),
    ("compiled", "cpu", "#55a868"),
    ("eager", "gpu", "#8172b2"),
    ("compiled", "gpu", "#64b5cd"),
    ("numpy", "cpu", "#c44e52"),
]


def _label(mode: str, device: str) -> str:
    return "NumPy reference (float64)" if mode == "numpy" else f"Keras {mode}, {device}"


def render(data: dict[str, Any], out: Path) -> None:
    rows = [b for b in data["benchmarks"] if "layer" in b.get("extra_info", {})]
    if not rows:
        raise SystemExit("no rnnspec benchmarks in the JSON (was timing disabled, e.g. under xdist?)")
    sizes = list(dict.fromkeys(b["extra_info"]["size"] for b in rows))
    layers = list(dict.fromkeys(b["extra_info"]["layer"] for b in rows))
    present = [s for s in SERIES if any((b["extra_info"]["mode"], b["extra_info"]["device"]) == s[:2] for b in rows)]
    median = {
        (b["extra_info"]["layer"], b["extra_info"]["size"], b["extra_info"]["mode"], b["extra_info"]["device"]): b[
            "stats"
        ]["median"]
        for b in rows
    }

    matplotlib.rcParams["svg.hashsalt"] = "rnnspec-benchmarks"
    matplotlib.rcParams["svg.fonttype"] = "none"
    height = 0.8 / max(len(present), 1)
    fig, axes = plt.subplots(1, len(sizes), figsize=(6 * len(sizes), 0.6 + 0.45 * len(layers) * len(present) / 2))
    axes = [axes] if len(sizes) == 1 else list(axes)
    for ax, size in zip(axes, sizes, strict=True):
        for index, (mode, device, colour) in enumerate(present):
            ys, xs = [], []
            for row, layer in enumerate(layers):
                value = median.get((layer, size, mode, device))
                if value is not None:
                    ys.append(row - 0.4 + height * (index + 0.5))
                    xs.append(value * 1e3)
            ax.barh(ys, xs, height=height * 0.9, color=colour, label=_label(mode, device))
        ax.set_xscale("log")
        ax.set_yticks(range(len(layers)), layers)
        ax.invert_yaxis()
        ax.set_xlabel("median time of one forward call (ms, log scale)")
        ax.set_title(f"{size} size")
        ax.grid(axis="x", which="both", alpha=0.3)
    axes[0].legend(loc="lower right", fontsize="small")
    info = data.get("machine_info", {}).get("rnnspec", {})
    fig.suptitle(
        "Core step per layer: Keras {keras} ({backend}, TF {tensorflow}), NumPy {numpy}; CPU {cpu_model}; GPU {gpu}".format(
            **{k: info.get(k) for k in ("keras", "backend", "tensorflow", "numpy", "cpu_model", "gpu")}
        ),
        fontsize="medium",
    )
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, format="svg", metadata={"Date": None})
    plt.close(fig)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("json", nargs="?", default="reports/benchmarks.json", type=Path)
    parser.add_argument("svg", nargs="?", default="reports/benchmarks.svg", type=Path)
    args = parser.parse_args(argv)
    render(json.loads(args.json.read_text(encoding="utf-8")), args.svg)
    print(f"wrote {args.svg}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
