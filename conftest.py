"""Loads the rnnspec plugin for runs inside this repository, installed or not.

The installed package registers the same module through its ``pytest11`` entry point under
the name ``rnnspec.plugin``, so pytest sees it once either way.
"""

pytest_plugins = ["rnnspec.plugin"]
