"""Wall clocks for the durable schedule runner: the real one and one tests move by hand.

Due times are wall-clock seconds since the epoch (UTC), since they are kept in the store and
compared across processes and restarts.

>>> clock = ManualWallClock(1000.0)
>>> clock.sleep(2.5)
>>> clock.time()
1002.5
"""

from __future__ import annotations

import threading
import time
from typing import Protocol


class WallClock(Protocol):
    """Seconds since the epoch, and a sleep that a stop request cuts short."""

    def time(self) -> float: ...

    def sleep(self, seconds: float, stop: threading.Event | None = None) -> None: ...


class SystemClock:
    """The real clock (``time.time``); ``sleep`` waits on the stop event."""

    def time(self) -> float:
        return time.time()

    def sleep(self, seconds: float, stop: threading.Event | None = None) -> None:
        if seconds <= 0:
            return
        if stop is None:
            time.sleep(seconds)
        else:
            stop.wait(seconds)


class ManualWallClock:
    """A clock that moves only when told: ``sleep`` and ``advance`` move it at once, so tests
    never sleep through real periods."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self._now = float(start)
        self._lock = threading.Lock()

    def time(self) -> float:
        return self._now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += max(0.0, float(seconds))

    def set(self, when: float) -> None:
        """Jump to ``when`` (never backwards)."""
        with self._lock:
            self._now = max(self._now, float(when))

    def sleep(self, seconds: float, stop: threading.Event | None = None) -> None:
        self.advance(seconds)
