"""Each environment against its base: the changes the page, the picture and ``when`` show.

A *step* is one recorded environment compared with its base (the environment before it in its
series, ``rnnspec.compat.environments``). Two rules keep noise out of every step:

- a point skipped on either side (``gpu`` without a GPU, mostly) says nothing about the layer,
  so it is not compared: a GPU point skipped everywhere is no change, and neither is a GPU
  point that is n/a in one release and skipped in the next;
- between runs of different depths, a point that only the deeper run has is not a change
  (the standard depth leaves it out); between runs of the same depth it is (added or removed).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rnnspec.compat.compare import Change, changes
from rnnspec.compat.condensed import Environment, Point
from rnnspec.compat.environments import Matrix
from rnnspec.compat.page import PointIndex
from rnnspec.status import SKIPPED


def point_changes(
    before: Mapping[str, Any] | None, after: Mapping[str, Any] | None, same_depth: bool = True
) -> list[Change] | None:
    """What changed for one point between a base and an environment; None: not comparable."""
    if (before is not None and before["status"] == SKIPPED) or (after is not None and after["status"] == SKIPPED):
        return None
    if (before is None or after is None) and not same_depth:
        return None
    return changes(before, after)


@dataclass(frozen=True)
class Step:
    """One environment against its base: every compared point's changes, in the index's order."""

    env: Environment
    base: Environment
    changed: dict[Point, list[Change]]
    compared: Counter[str]  # points compared, per table file
    changed_per_file: Counter[str]

    @property
    def total_compared(self) -> int:
        return sum(self.compared.values())


def step(env: Environment, base: Environment, index: PointIndex) -> Step:
    """ENV against BASE over the index's points."""
    same_depth = env.depth == base.depth
    changed: dict[Point, list[Change]] = {}
    compared: Counter[str] = Counter()
    per_file: Counter[str] = Counter()
    for point in index.points:
        found = point_changes(base.cases.get(point), env.cases.get(point), same_depth)
        if found is None or (point not in base.cases and point not in env.cases):
            continue
        compared[index.file(point)] += 1
        if found:
            changed[point] = found
            per_file[index.file(point)] += 1
    return Step(env, base, changed, compared, per_file)


def steps(matrix: Matrix, index: PointIndex) -> list[Step]:
    """Every recorded environment that has a recorded base, against it, in manifest order."""
    out = []
    for env in matrix.envs:
        base = matrix.base_of(env.name)
        if base is not None:
            out.append(step(env, base, index))
    return out
