"""The pytest plugin's entry point: spec files become test items, results become reports.

Registered through the ``pytest11`` entry point (and by the repository's root conftest.py)
under the name ``rnnspec.plugin``, so ``pytest`` alone collects every YAML file under the
``rnnspec_paths`` folders (``spec/`` by default) next to ordinary Python tests. Each case is
one item, ``Title[table-flags-device]``; ``-k``, ``-m cpu|gpu``, ``-n``, ``--lf`` and the
xfail options work as usual. Each feature is its own plugin module under rnnspec/plugins/
(see its ``__init__``); this module only registers them and rnnspec's own hooks.
"""

from __future__ import annotations

import atexit
import gc

import pytest

from rnnspec import hookspecs

pytest_plugins = [
    "rnnspec.plugins.session",
    "rnnspec.plugins.items",
    "rnnspec.plugins.collection",
    "rnnspec.plugins.devices",
    "rnnspec.plugins.reports",
    "rnnspec.plugins.baseline",
    "rnnspec.plugins.distribute",
    "rnnspec.plugins.signals",
    "rnnspec.plugins.explore",
]


def pytest_addhooks(pluginmanager: pytest.PytestPluginManager) -> None:
    pluginmanager.add_hookspecs(hookspecs)


def _exit_without_final_collection() -> None:
    """At exit, Python's last garbage collections walk every object TensorFlow and Keras made,
    about 2 s per process on a 2-core machine, and the xdist controller waits for each worker's.
    Nothing runs after this: freezing the heap (``gc.freeze``) lets the process end at once."""
    gc.freeze()


atexit.register(_exit_without_final_collection)  # once per process: the module is imported once
