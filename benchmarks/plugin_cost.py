"""What installing rnnspec costs a project that has no spec tables.

Times ``pytest`` on a throw-away project holding one ordinary test, with the rnnspec plugin
(``-p rnnspec.plugin``) and without it (``-p no:rnnspec.plugin``), hypothesis's plugin off in
both (see ``OTHERS``), alternating the two so that
machine load hits both alike, and prints the medians and their ratio. Then ``python -X
importtime`` says what importing the plugin itself costs. Run it from the repository root:

    python benchmarks/plugin_cost.py [--runs 9]

The plugin is the one Python imports (the installed package, or the checkout on PYTHONPATH).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PLUGIN = "rnnspec.plugin"
#: Left out of both variants: hypothesis's plugin imports all of hypothesis (over a second
#: here) whether rnnspec is there or not, which would drown the difference measured.
OTHERS = ("-p", "no:hypothesispytest")


def timed_run(project: Path, with_plugin: bool) -> float:
    """Seconds of one ``pytest`` process on the project, start to exit."""
    switch = PLUGIN if with_plugin else f"no:{PLUGIN}"
    # No -q: a plain run prints the report header, where rnnspec used to import TensorFlow.
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *OTHERS, "-p", switch]
    start = time.perf_counter()
    done = subprocess.run(command, cwd=project, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"pytest failed in {project}:\n{done.stdout}\n{done.stderr}")
    return elapsed


def import_time_us() -> int:
    """Cumulative microseconds ``python -X importtime`` reports for importing the plugin and
    every module it registers (after pytest, which any run imports anyway)."""
    code = f"import pytest, {PLUGIN} as p; [__import__(m) for m in p.pytest_plugins]"  # __import__: timed
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", code], capture_output=True, text=True, check=True)
    total = 0
    for line in done.stderr.splitlines():
        fields = line.removeprefix("import time:").split("|")
        # top-level imports only (nested ones are indented, and inside their parent's cumulative)
        if len(fields) == 3 and fields[2].startswith(" rnnspec"):
            total += int(fields[1])
    return total


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=9, help="runs of each variant (default 9)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp)
        (project / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
        (project / "test_one.py").write_text("def test_one():\n    assert True\n", encoding="utf-8")
        timed_run(project, True)  # warm the file cache and the bytecode of both variants
        timed_run(project, False)
        with_plugin, without = [], []
        for _ in range(args.runs):
            with_plugin.append(timed_run(project, True))
            without.append(timed_run(project, False))
    on, off = statistics.median(with_plugin), statistics.median(without)
    print(f"one-test project, {args.runs} runs each, alternating (seconds):")
    print(f"  with rnnspec.plugin:    median {on:.3f}  ({', '.join(f'{t:.2f}' for t in with_plugin)})")
    print(f"  without (-p no:...):    median {off:.3f}  ({', '.join(f'{t:.2f}' for t in without)})")
    print(f"  ratio with/without:     {on / off:.3f}  (difference {1000 * (on - off):+.0f} ms)")
    imports = sorted(import_time_us() / 1000 for _ in range(args.runs))
    print(
        f"import {PLUGIN} and its modules (after pytest): median {statistics.median(imports):.1f} ms "
        f"over {args.runs} runs of -X importtime (min {imports[0]:.1f}, max {imports[-1]:.1f})"
    )


if __name__ == "__main__":
    main()
