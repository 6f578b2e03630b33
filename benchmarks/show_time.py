"""How long ``rnnspec show`` takes without ``--live`` (the target: well under 0.5 s).

Runs ``python -m rnnspec show QUERY`` as a user would, ``--runs`` times per query, cold
(``--no-cache``: the table compiled, everything imported) and answered from the cache
(rnnspec/showcache.py), and prints the median wall time and the median CPU time (user +
system of the child: on a shared machine the wall time includes waiting for a core). Run it
from the repository root:

    python benchmarks/show_time.py [--runs 7] [QUERY ...]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

SEED = [
    f"{layer}(return_sequences={seq}, return_state={state})"
    for layer in ("SimpleRNN", "LSTM", "GRU")
    for seq in (False, True)
    for state in (False, True)
]


def timed(query: str, *options: str) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one command."""
    before = os.times()
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "rnnspec", "show", query, *options], check=True, capture_output=True)
    wall = time.perf_counter() - start
    after = os.times()
    return wall, (after.children_user - before.children_user) + (after.children_system - before.children_system)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("queries", nargs="*", default=SEED)
    args = parser.parse_args()
    results: dict[str, list[tuple[float, float]]] = {"cold": [], "cached": []}
    print(f"{'query':<52} {'cold wall':>10} {'cold cpu':>9} {'cached wall':>12} {'cached cpu':>11}")
    for query in args.queries:
        cold = [timed(query, "--no-cache") for _ in range(args.runs)]
        timed(query)  # fills the cache
        cached = [timed(query) for _ in range(args.runs)]
        results["cold"] += cold
        results["cached"] += cached
        cells = [statistics.median(r[i] for r in runs) for runs in (cold, cached) for i in (0, 1)]
        print(f"{query:<52} " + " ".join(f"{c:>{w}.3f}s" for c, w in zip(cells, (9, 8, 11, 10), strict=True)))
    cells = [statistics.median(r[i] for r in results[k]) for k in ("cold", "cached") for i in (0, 1)]
    print(f"{'median of all':<52} " + " ".join(f"{c:>{w}.3f}s" for c, w in zip(cells, (9, 8, 11, 10), strict=True)))
    print(f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
