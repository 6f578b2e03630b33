"""Signals end a run the way pytest ends one on Ctrl-C: SIGINT, SIGTERM and SIGHUP.

pytest turns the first Ctrl-C into ``KeyboardInterrupt``, which ``wrap_session``
(``_pytest/main.py``) catches: it stops the run, calls ``pytest_sessionfinish`` (where the
reports are written from the journal) and exits with code 2 and no traceback. Two things
escaped that before: SIGTERM and SIGHUP (what CI runners, ``timeout`` and a closed terminal
send) killed the process at once, and a second Ctrl-C during the first's handling raised
``KeyboardInterrupt`` inside ``pytest_sessionfinish``, outside any handler, so the reports were
lost under a traceback.

So, in every process of the run (the xdist controller and each worker): the first of these
signals raises ``KeyboardInterrupt`` and notes why the run stopped (``meta.completeness``);
later ones, and any signal once the session is finishing, are only noted, so the reports are
written whatever the user presses. The journal (rnnspec/journal.py) holds what ran even if
the process is killed outright (SIGKILL). The previous handlers come back at the end.
"""

from __future__ import annotations

import signal
import sys
import threading
from types import FrameType
from typing import Any

import pytest

from rnnspec.plugins.session import state_of

#: The signals handled, and what the run is said to be when one of them stops it.
STOPPING = {"SIGINT": "interrupted", "SIGTERM": "cancelled", "SIGHUP": "cancelled"}

_HANDLER = pytest.StashKey["_Handler"]()


class _Handler:
    """The signal handler of one session."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.received: list[str] = []
        self.finishing = False
        self.previous: dict[signal.Signals, Any] = {}

    def install(self) -> None:
        for name in STOPPING:
            number = getattr(signal, name, None)
            if number is not None:
                self.previous[number] = signal.signal(number, self.handle)

    def restore(self) -> None:
        for number, previous in self.previous.items():
            signal.signal(number, previous)
        self.previous.clear()

    def handle(self, number: int, frame: FrameType | None) -> None:
        name = signal.Signals(number).name
        self.received.append(name)
        if len(self.received) == 1 and not self.finishing:
            state_of(self.config).stop(f"{STOPPING[name]} by {name}")
            raise KeyboardInterrupt
        if hasattr(self.config, "workerinput"):
            return  # the controller says it, once
        where = self.config.getoption("rnnspec_reports")
        then = f"writing the reports into {where}/" if where else "ending"
        sys.stderr.write(f"\nrnnspec: {name} received while the run is stopping: {then}, please wait\n")
        sys.stderr.flush()


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    config = session.config
    if not state_of(config).active or threading.current_thread() is not threading.main_thread():
        return  # signal handlers can only be set from the main thread
    handler = _Handler(config)
    handler.install()
    config.stash[_HANDLER] = handler


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_sessionfinish(session: pytest.Session) -> Any:
    """From here on the reports are being written: a signal is noted, never raised."""
    handler = session.config.stash.get(_HANDLER, None)
    if handler is not None:
        handler.finishing = True
    yield


def pytest_unconfigure(config: pytest.Config) -> None:
    handler = config.stash.get(_HANDLER, None)
    if handler is not None:
        handler.restore()
