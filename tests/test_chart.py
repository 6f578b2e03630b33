"""benchmarks/chart.py: the format its suffix asks for, a title inside the figure, and a
legend that covers no bar (each proved on a chart drawn from a small benchmark JSON)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import pytest

from benchmarks.chart import figure, render

LAYERS = ("SimpleRNN", "LSTM", "GRU", "Bidirectional-LSTM", "RNN-LSTMCell-GRUCell", "ConvLSTM2D")


def _data() -> dict[str, Any]:
    rows = [
        {
            "extra_info": {"layer": layer, "size": size, "mode": mode, "device": "cpu"},
            "stats": {"median": 0.001 * (i + 1) * (10 if mode == "eager" else 1)},
        }
        for i, layer in enumerate(LAYERS)
        for size in ("realistic", "seed")
        for mode in ("eager", "compiled", "numpy")
    ]
    info = {
        "keras": "3.15.1",
        "backend": "tensorflow",
        "tensorflow": "2.21.0",
        "numpy": "2.4.6",
        "cpu_model": "Intel(R) Xeon(R) Platinum 8480C " * 4
        + "(a long model name, which an unwrapped title lets run off the page)",
        "gpu": None,
    }
    return {"benchmarks": rows, "machine_info": {"rnnspec": info}}


def test_the_suffix_chooses_the_format(tmp_path: Path) -> None:
    render(_data(), tmp_path / "chart.png")
    assert (tmp_path / "chart.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    render(_data(), tmp_path / "chart.svg")
    assert b"<svg" in (tmp_path / "chart.svg").read_bytes()[:500]
    with pytest.raises(SystemExit, match=r"\.png or \.svg"):
        render(_data(), tmp_path / "chart.jpg")
    assert not (tmp_path / "chart.jpg").exists()


def test_title_inside_and_legend_off_the_bars() -> None:
    fig = figure(_data())
    try:
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
        page = fig.bbox
        title = fig._suptitle.get_window_extent(renderer)  # type: ignore[union-attr]
        assert page.x0 <= title.x0, (title, page)
        assert title.x1 <= page.x1, (title, page)
        assert title.y1 <= page.y1
        legends = [*fig.legends, *(ax.get_legend() for ax in fig.axes if ax.get_legend() is not None)]
        assert legends
        for legend in legends:
            box = legend.get_window_extent(renderer)
            for ax in fig.axes:
                assert not box.overlaps(ax.get_window_extent(renderer)), "the legend covers a panel"
    finally:
        plt.close(fig)
