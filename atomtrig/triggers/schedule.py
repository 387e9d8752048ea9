"""In-process scheduling of ScheduledExecutionLinks, with a clock tests can control.

``(ScheduledExecutionLink (NumberNode ms) (ConceptNode "Repeating"|"RunOnce") body [condition])``
first comes due ``ms`` milliseconds after it is added. When a run comes due the condition, if
any, is evaluated; if its strength is not above 0.5 the run is skipped (counted as ``skipped``),
otherwise ``body`` is executed as a firing of the link (sync by default, on the scheduler's
thread; ``trigger:mode "async"`` queues it on the pool). A ``"Repeating"`` schedule then comes
due every ``ms`` after its previous due time; if runs were missed (the process was busy), they
are coalesced into one run and the next due time is the first one still in the future. A
``"RunOnce"`` schedule runs once; its link stays in the store, inert. Removing the link cancels
its pending runs. (The ``atomtrig schedule`` runner makes schedules durable, with misfire
policies; this module is the in-process part.)

The clock is :class:`MonotonicClock` (a background thread sleeps until the next due time) or a
:class:`ManualClock`, whose :meth:`~ManualClock.advance` runs every run that comes due, in due
order, in the calling thread:

>>> clock = ManualClock()
>>> clock.advance(1.5)
>>> clock.now()
1.5
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from atomtrig.triggers.definitions import Trigger
    from atomtrig.triggers.engine import TriggerEngine

logger = logging.getLogger("atomtrig.triggers")


class Clock(Protocol):
    """Seconds on a monotonic scale."""

    def now(self) -> float: ...


class MonotonicClock:
    """The real clock (``time.monotonic``)."""

    def now(self) -> float:
        return time.monotonic()


class ManualClock:
    """A clock that moves only when told to; schedulers attached to it run what comes due."""

    def __init__(self, start: float = 0.0) -> None:
        self._now = float(start)
        self._schedulers: list[Scheduler] = []
        self._lock = threading.RLock()

    def now(self) -> float:
        return self._now

    def attach(self, scheduler: Scheduler) -> None:
        with self._lock:
            if scheduler not in self._schedulers:
                self._schedulers.append(scheduler)

    def advance(self, seconds: float) -> None:
        """Move time forward by ``seconds``, stopping at each due time on the way to run what is
        due then."""
        with self._lock:
            end = self._now + seconds
            while True:
                dues = [d for s in self._schedulers if (d := s.next_due()) is not None and d <= end]
                if not dues:
                    break
                self._now = max(self._now, min(dues))
                for scheduler in list(self._schedulers):
                    scheduler.run_due()
            self._now = end


class Scheduler:
    """The schedules of one engine."""

    def __init__(self, engine: TriggerEngine, clock: Clock | None = None) -> None:
        self.engine = engine
        self.clock: Clock = clock or MonotonicClock()
        self.enabled = True
        """False stops in-process runs (an external runner, such as ``atomtrig schedule``,
        owns the schedules)."""
        self._heap: list[tuple[float, int, Trigger]] = []
        self._due: dict[Trigger, float] = {}
        self._seq = itertools.count()
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None
        self._stopping = False
        if isinstance(self.clock, ManualClock):
            self.clock.attach(self)

    def use_clock(self, clock: Clock) -> None:
        """Switch clocks, keeping each pending run's remaining delay."""
        with self._cond:
            old_now, new_now = self.clock.now(), clock.now()
            self.clock = clock
            entries = [(due - old_now + new_now, t) for t, due in self._due.items()]
            self._heap.clear()
            self._due.clear()
            for due, trigger in entries:
                self._push(trigger, due)
            if isinstance(clock, ManualClock):
                clock.attach(self)
            self._cond.notify_all()

    def _push(self, trigger: Trigger, due: float) -> None:
        self._due[trigger] = due
        heapq.heappush(self._heap, (due, next(self._seq), trigger))

    def add(self, trigger: Trigger) -> None:
        with self._cond:
            self._push(trigger, self.clock.now() + trigger.period)
            self._cond.notify_all()
        if not isinstance(self.clock, ManualClock):
            self._ensure_thread()

    def reschedule(self, trigger: Trigger, due: float) -> None:
        """Make ``trigger``'s next run come due at ``due`` (seconds on this scheduler's clock);
        the durable store uses it to restore a saved due time."""
        with self._cond:
            self._push(trigger, due)
            self._cond.notify_all()

    def cancel(self, trigger: Trigger) -> None:
        """Forget ``trigger``'s pending runs (its heap entry is skipped when popped)."""
        with self._cond:
            self._due.pop(trigger, None)

    def next_due(self) -> float | None:
        """The earliest pending due time, or None."""
        with self._cond:
            while self._heap and self._due.get(self._heap[0][2]) != self._heap[0][0]:
                heapq.heappop(self._heap)
            return self._heap[0][0] if self._heap else None

    def pending(self) -> dict[Trigger, float]:
        """Every scheduled trigger with its next due time."""
        with self._cond:
            return dict(self._due)

    def run_due(self) -> int:
        """Run every run due at the clock's current time; returns how many came due."""
        count = 0
        while True:
            with self._cond:
                now = self.clock.now()
                if not self._heap or self._heap[0][0] > now:
                    return count
                due, _, trigger = heapq.heappop(self._heap)
                if self._due.get(trigger) != due:
                    continue  # cancelled or rescheduled
                if trigger.repeating:
                    following = due + trigger.period
                    if following <= now:  # coalesce missed runs into this one
                        missed = int((now - following) // trigger.period) + 1
                        following += missed * trigger.period
                    self._push(trigger, following)
                else:
                    del self._due[trigger]
            count += 1
            if self.enabled:
                self.engine.fire_scheduled(trigger, due)

    # -- the background thread for a real clock ------------------------------------------------
    def _ensure_thread(self) -> None:
        with self._cond:
            if self._thread is not None and self._thread.is_alive():
                return
            self._stopping = False
            self._thread = threading.Thread(target=self._loop, name="atomtrig-scheduler", daemon=True)
            self._thread.start()

    def _loop(self) -> None:
        while True:
            with self._cond:
                if self._stopping or isinstance(self.clock, ManualClock):
                    return
                due = self.next_due()
                delay = None if due is None else due - self.clock.now()
                if delay is None or delay > 0:
                    self._cond.wait(timeout=delay if delay is None else min(delay, 60.0))
                    continue
            try:
                self.run_due()
            except Exception:  # never let the scheduler thread die
                logger.exception("scheduler error")

    def stop(self) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=5)
