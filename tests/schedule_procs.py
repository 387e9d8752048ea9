"""Grounded schemas the schedule tests run (``py:schedule_procs.NAME``), in-process and in
runner subprocesses (which get ``--allow-module schedule_procs``)."""

from __future__ import annotations

import os
import time

from atomtrig.triggers import current_firing

CALLS: list[float] = []


def note_due(*atoms):  # type: ignore[no-untyped-def]
    """Remember the due time of the run (and append it, with the pid, to $SCHEDULE_LOG)."""
    firing = current_firing()
    assert firing is not None and firing.due is not None
    CALLS.append(firing.due)
    path = os.environ.get("SCHEDULE_LOG")
    if path:
        with open(path, "a") as handle:
            handle.write(f"{os.getpid()} {firing.due!r}\n")


def fail(*atoms):  # type: ignore[no-untyped-def]
    raise RuntimeError("the body failed on purpose")


def slow_first(*atoms):  # type: ignore[no-untyped-def]
    """The first run anywhere writes $SCHEDULE_MARKER and hangs (the test kills it there)."""
    marker = os.environ["SCHEDULE_MARKER"]
    if not os.path.exists(marker):
        with open(marker, "w") as handle:
            handle.write(str(os.getpid()))
        time.sleep(60)
    note_due()


class Crash(BaseException):
    """Stands for the process dying in the middle of a run (not an Exception: nothing in the
    runner catches it, so the run's transaction is rolled back as a kill would lose it)."""


def die(*atoms):  # type: ignore[no-untyped-def]
    raise Crash("killed mid-run")
