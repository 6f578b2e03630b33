"""The speed guard works: a baseline is saved, a deliberately slowed layer fails the compare.

Runs the real benchmark module (benchmarks/test_core_step.py) on its cheapest case, twice, in
fresh interpreters: once saving a baseline, once with ``RNNSPEC_BENCH_SLOWDOWN`` (a sleep
added to every timed call, read by benchmarks/conftest.py) compared against it with the
threshold ``make bench-compare`` uses (``BENCH_FAIL`` in the Makefile).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CASE = "test_reference_step and SimpleRNN-seed-numpy-cpu"


def _makefile_threshold() -> str:
    match = re.search(r"^BENCH_FAIL\s*\?=\s*(\S+)\s*$", (ROOT / "Makefile").read_text(encoding="utf-8"), re.M)
    assert match, "the Makefile defines no BENCH_FAIL"
    return match.group(1)


def _bench(storage: Path, *args: str, slowdown: float = 0.0) -> subprocess.CompletedProcess[str]:
    # Inherited xdist variables would make pytest-benchmark think it runs in a worker and
    # disable timing (the self-tests themselves run under -n 2).
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_XDIST", "PYTEST_ADDOPTS"))}
    env["RNNSPEC_BENCH_SLOWDOWN"] = str(slowdown)
    command = [
        sys.executable,
        "-m",
        "pytest",
        str(ROOT / "benchmarks" / "test_core_step.py"),
        "-n",
        "0",
        "-q",
        "-k",
        CASE,
        "--benchmark-min-rounds=5",
        "--benchmark-max-time=0.1",
        "--benchmark-warmup=off",
        f"--benchmark-storage=file://{storage}",
        *args,
    ]
    # cwd is the storage's parent: pytest-benchmark prints the storage relative to the cwd.
    return subprocess.run(
        command, cwd=storage.parent, env=env, capture_output=True, text=True, timeout=180, check=False
    )


def test_slower_layer_fails_the_compare(tmp_path: Path) -> None:
    storage = tmp_path / "store"
    saved = _bench(storage, "--benchmark-save=baseline")
    assert saved.returncode == 0, saved.stdout + saved.stderr
    baselines = sorted(storage.glob("*/*_baseline.json"))
    assert len(baselines) == 1, f"no baseline saved under {storage}:\n{saved.stdout}"
    assert "SimpleRNN-seed-numpy-cpu" in baselines[0].read_text(encoding="utf-8")

    slowed = _bench(
        storage,
        f"--benchmark-compare={baselines[0]}",
        f"--benchmark-compare-fail={_makefile_threshold()}",
        slowdown=0.02,  # ~0.1 ms per call made ~20 ms: far beyond any threshold
    )
    output = slowed.stdout + slowed.stderr
    assert slowed.returncode != 0, output
    assert "Performance has regressed" in output, output
    assert "SimpleRNN-seed-numpy-cpu" in output
