"""``--rnnspec-explore=N``: hunt each selected spec file for the smallest failing combination.

Instead of its cases, each spec file that the run selects (``-k``, paths) becomes one item,
``Title[explore]``, that draws N combinations of the file's axis values and sizes with
hypothesis on the CPU (rnnspec/hunt.py). It fails with the smallest combination that fails,
the ``expect`` row that would document it and the reproduction snippet; it passes when none of
the N fails. ``--rnnspec-explore-seed`` makes the draws reproducible; what a hunt found is kept
in pytest's cache folder (``.pytest_cache/d/rnnspec-hunt``) and tried first next time.
Runs on any stack of the matrix: ``tox -e jax -- spec --rnnspec-explore=2000``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from rnnspec.plugins.items import CaseItem
from rnnspec.plugins.session import state_of


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("rnnspec", "rnnspec: the Keras recurrent-layer contract")
    group.addoption(
        "--rnnspec-explore",
        type=int,
        default=0,
        metavar="N",
        help="instead of the cases, hunt each selected spec file with N hypothesis examples for the "
        "smallest failing combination of its axes and sizes, and print the expect row that documents it",
    )
    group.addoption(
        "--rnnspec-explore-seed",
        type=int,
        default=None,
        metavar="SEED",
        help="seed of the hunt's draws (default: hypothesis's own, varying from run to run)",
    )


class HuntFailure(Exception):
    """A hunt found a failing combination; the message is the whole finding."""


class ExploreItem(pytest.Item):
    """One spec file's hunt."""

    def __init__(self, *, table: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.table = table
        self.add_marker("rnnspec")

    def runtest(self) -> None:
        from rnnspec.hunt import hunt

        state = state_of(self.config)
        target = state.devices.get("cpu")
        if target is None:
            pytest.skip("no CPU visible to the backend")
        assert self.config.cache is not None
        finding = hunt(
            self.table,
            state.registry,
            "cpu",
            target,
            self.config.getoption("rnnspec_explore"),
            self.config.getoption("rnnspec_explore_seed"),
            Path(self.config.cache.mkdir("rnnspec-hunt")),
        )
        if finding is not None:
            raise HuntFailure(finding.text())

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, HuntFailure):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, f"hunt in {self.path.name}"


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """With --rnnspec-explore, each file that has a selected case is hunted instead."""
    if not config.getoption("rnnspec_explore"):
        return
    hunts: dict[Path, pytest.Item] = {}
    kept: list[pytest.Item] = []
    for item in items:
        if not isinstance(item, CaseItem):
            kept.append(item)
            continue
        if item.case.path not in hunts and item.parent is not None:
            name = f"{item.case.title}[explore]"
            hunts[item.case.path] = ExploreItem.from_parent(item.parent, name=name, table=item.case.spec)
    config.hook.pytest_deselected(items=[item for item in items if isinstance(item, CaseItem)])
    items[:] = [*hunts.values(), *kept]
