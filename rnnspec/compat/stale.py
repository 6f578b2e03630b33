"""Which environments' results were made from other tables than those under ``spec/`` now.

Results go stale without anything failing: a table changes, and the committed files go on
describing the tables as they were. Each condensed file records the digest of the tables its
run read (``rnnspec.compat.digest``); an environment whose digest differs from the current
tables', or that has none (made before the digest existed, "unknown tables"), is *stale*. The
page says so in a banner, in its environments table and on the picture's column labels, and
``python -m rnnspec.compat stale`` lists them (exit 1) for CI. No test fails on stale results
alone: re-running the matrix is a scheduled job, and the marking is the guard until it ran.
"""

from __future__ import annotations

from collections.abc import Sequence

from rnnspec.compat.condensed import Environment
from rnnspec.compat.digest import short_digest


def stale_reason(env: Environment, current: str) -> str | None:
    """Why ENV's results are stale against the CURRENT digest, or None when they are current."""
    if env.tables_digest is None:
        return "made from unknown tables (recorded before the table digest)"
    if env.tables_digest != current:
        # not the current digest itself: the page would change with every edit of a table even
        # where no environment's state changes (it changes when one turns stale, as it must)
        return f"made from other tables (digest {short_digest(env.tables_digest)})"
    return None


def stale_environments(envs: Sequence[Environment], current: str) -> dict[str, str]:
    """The stale environments, in the order given, each with its reason."""
    found = {env.name: stale_reason(env, current) for env in envs}
    return {name: why for name, why in found.items() if why is not None}
