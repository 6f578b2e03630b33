"""Render a pytest-benchmark JSON (``make bench``) as reports/benchmarks.png (or .svg).

One panel per size; in each, one row per layer and one bar per mode x device, the NumPy
reference beside them, on a log time axis. The file's format is its suffix's (PNG for
``.png``, SVG for ``.svg``; another suffix is an error, never a file in the wrong format).
The title (what ran, on which machine) is wrapped to the figure's width and the legend sits
below the panels, so neither is clipped nor covers a bar. The output is deterministic for the
same JSON (fixed hash salt, no date), so an unchanged result gives an unchanged file.

    python -m benchmarks.chart [reports/benchmarks.json] [reports/benchmarks.png]
"""

from __future__ import annotations

import argparse
import json
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.figure import Figure

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
    """Write the chart of DATA to OUT, in the format its suffix names."""
    chosen = chart_format(out)  # before any drawing: a wrong suffix writes nothing
    fig = figure(data)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, format=chosen, metadata={"Date": None} if chosen == "svg" else {"Software": None})
    plt.close(fig)


def figure(data: dict[str, Any]) -> Figure:
    """The chart of a pytest-benchmark JSON, drawn and laid out."""
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
    width = 6 * len(sizes)
    fig, axes = plt.subplots(
        1,
        len(sizes),
        figsize=(width, 1.6 + 0.45 * len(layers) * len(present) / 2),
        layout="constrained",
    )
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
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=min(len(present), 3), fontsize="small")
    fig.suptitle(title(data.get("machine_info", {}).get("rnnspec", {}), width), fontsize="medium")
    return fig


def title(info: dict[str, Any], width_inches: float) -> str:
    """What ran on which machine, wrapped to the figure's width (about 14 characters an inch
    at the title's size), so that a long CPU name is not clipped."""
    text = "Core step per layer: Keras {keras} ({backend}, TF {tensorflow}), NumPy {numpy}; CPU {cpu_model}; GPU {gpu}"
    values = {k: info.get(k) for k in ("keras", "backend", "tensorflow", "numpy", "cpu_model", "gpu")}
    filled = text.format(**{**values, "gpu": values["gpu"] or "none"})
    return "\n".join(textwrap.wrap(filled, width=int(width_inches * 14)))


def chart_format(out: Path) -> str:
    """The format the file's suffix asks for: png or svg."""
    suffix = out.suffix.lower().lstrip(".")
    if suffix not in ("png", "svg"):
        raise SystemExit(f"{out}: write the chart to a .png or .svg file")
    return suffix


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("json", nargs="?", default="reports/benchmarks.json", type=Path)
    parser.add_argument("chart", nargs="?", default="reports/benchmarks.png", type=Path, help=".png or .svg")
    args = parser.parse_args(argv)
    render(json.loads(args.json.read_text(encoding="utf-8")), args.chart)
    print(f"wrote {args.chart}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
