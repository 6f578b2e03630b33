"""Under ``pytest -n N``, keep each spec file's cases on one worker.

A relation's twin call is usually another case of the same file (rnnspec/calls.py), and the
memo of calls lives in one worker process: xdist's default ``load`` scheduling scatters a
file's cases over the workers and would make each worker call those twins again. Whole files
are the unit of work here, largest first (``LoadScopeScheduling`` with its size ordering);
items that are not from spec files stay units of their own, as under ``load``.
"""

from __future__ import annotations

from typing import Any

from xdist.scheduler import LoadScopeScheduling

SPEC_SUFFIXES = (".yaml", ".yml")


class SpecFileScheduling(LoadScopeScheduling):  # type: ignore[misc]  # xdist ships no types
    def _split_scope(self, nodeid: str) -> str:
        path = nodeid.split("::", 1)[0]
        return path if path.endswith(SPEC_SUFFIXES) else nodeid

    def remove_node(self, node: Any) -> str | None:
        """As LoadScopeScheduling's, except that the case that crashed its worker is not
        handed to the next worker: the base class puts the whole unfinished file back,
        crashing case included, until every worker has died on it."""
        workload = self.assigned_work.pop(node)
        if not self._pending_of(workload):
            return None
        crashitem: str = next(nodeid for unit in workload.values() for nodeid, done in unit.items() if not done)
        for unit in workload.values():
            if crashitem in unit:
                unit[crashitem] = True  # reported as crashed by xdist, never run again
        self.workqueue.update({scope: unit for scope, unit in workload.items() if not all(unit.values())})
        for other in self.assigned_work:
            self._reschedule(other)
        return crashitem
