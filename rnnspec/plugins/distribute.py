"""Under ``pytest -n``, hand whole spec files to the workers (rnnspec/scheduling.py says why).

Separate from the scheduler itself so that registering the plugin never imports xdist.
"""

from __future__ import annotations

from typing import Any

import pytest


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """One worker per spec file when -n asks for xdist's default ``load``; any other
    ``--dist`` is honoured as given."""
    if config.getvalue("dist") != "load":
        return None
    from rnnspec.scheduling import SpecFileScheduling

    return SpecFileScheduling(config, log)
