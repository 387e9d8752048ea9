"""Per-trigger statistics: how often a trigger fired and failed, its last error, when it last
fired and how long its target takes.

``fired`` counts every run of the target (successful or not); ``failed`` the runs that raised
and the firings stopped by the cascade limit or cycle detection; ``skipped`` the scheduled runs
whose condition was false; ``dropped`` the queued firings cancelled because the trigger was
removed.

>>> s = TriggerStats("(PingTriggerLink ...)")
>>> s.ran(0.002, None, 1.0); s.ran(0.004, "ValueError: bad", 2.0)
>>> s.fired, s.failed, s.last_error, round(s.mean_duration, 6)
(2, 1, 'ValueError: bad', 0.003)
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any


@dataclass(slots=True)
class StatsSnapshot:
    """A copy of a trigger's statistics at one moment (safe to keep and compare)."""

    trigger: str
    fired: int
    failed: int
    skipped: int
    dropped: int
    last_error: str | None
    last_fired: float | None
    """Wall-clock time (``time.time()``) of the last run's start, or None."""
    mean_duration: float
    """Mean seconds per run, or 0.0 before the first."""

    def as_dict(self) -> dict[str, Any]:
        return {
            "trigger": self.trigger,
            "fired": self.fired,
            "failed": self.failed,
            "skipped": self.skipped,
            "dropped": self.dropped,
            "last_error": self.last_error,
            "last_fired": self.last_fired,
            "mean_duration": self.mean_duration,
        }


class TriggerStats:
    """The live counters of one trigger; updated by the runner from any thread."""

    __slots__ = (
        "_lock",
        "dropped",
        "failed",
        "fired",
        "last_error",
        "last_fired",
        "skipped",
        "total_duration",
        "trigger",
    )

    def __init__(self, trigger: str) -> None:
        self.trigger = trigger
        self.fired = 0
        self.failed = 0
        self.skipped = 0
        self.dropped = 0
        self.last_error: str | None = None
        self.last_fired: float | None = None
        self.total_duration = 0.0
        self._lock = threading.Lock()

    def ran(self, duration: float, error: str | None, started: float) -> None:
        """Count one run of the target that took ``duration`` seconds."""
        with self._lock:
            self.fired += 1
            self.total_duration += duration
            self.last_fired = started
            if error is not None:
                self.failed += 1
                self.last_error = error

    def stopped(self, error: str) -> None:
        """Count a firing that was not run (cascade limit, cycle, bad option)."""
        with self._lock:
            self.failed += 1
            self.last_error = error

    def note(self, error: str) -> None:
        """Record an error that is not a run (a bad option value) as the last error."""
        with self._lock:
            self.last_error = error

    def skip(self) -> None:
        with self._lock:
            self.skipped += 1

    def drop(self, n: int = 1) -> None:
        with self._lock:
            self.dropped += n

    @property
    def mean_duration(self) -> float:
        return self.total_duration / self.fired if self.fired else 0.0

    def snapshot(self) -> StatsSnapshot:
        with self._lock:
            return StatsSnapshot(self.trigger, self.fired, self.failed, self.skipped,
                                 self.dropped, self.last_error, self.last_fired,
                                 self.mean_duration)

    def restore(self, data: dict[str, Any]) -> None:
        """Load counters saved with :meth:`StatsSnapshot.as_dict` (the store does this on open)."""
        with self._lock:
            self.fired = int(data.get("fired", 0))
            self.failed = int(data.get("failed", 0))
            self.skipped = int(data.get("skipped", 0))
            self.dropped = int(data.get("dropped", 0))
            self.last_error = data.get("last_error")
            self.last_fired = data.get("last_fired")
            self.total_duration = float(data.get("mean_duration", 0.0)) * self.fired
