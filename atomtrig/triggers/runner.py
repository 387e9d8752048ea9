"""Running firings: synchronously in the thread that made the change, or asynchronously on a
per-trigger FIFO queue drained by a pool of worker threads; cascade limits; waiting.

- **sync** firings run before the call that caused them returns, in that call's thread, after
  the change was applied and the store's lock released.
- **async** firings are appended to their trigger's queue; at most one worker drains a given
  trigger's queue at a time, so a trigger's firings run one after another in the order their
  events happened (first come, first served), while different triggers run in parallel on up to
  ``workers`` threads. :meth:`Runner.wait` blocks until every queued firing has run.
- **cascades**: a target's own changes fire triggers in turn. Each firing carries the chain of
  firings above it. A firing deeper than the depth limit (the trigger's ``trigger:max-depth`` or
  the engine's ``max_depth``, 16 by default), or one whose cycle key is already in its chain (the
  same trigger fired by the same change again, which would repeat forever), is not run: a
  :class:`~atomtrig.triggers.errors.CascadeError` is logged and recorded in the trigger's stats.
  Sync cascades nest on the Python stack only ``SYNC_NESTING`` (8) targets deep; a sync firing
  caused deeper than that runs right after the target that caused it returns, still in the same
  thread and before the outermost call returns. So no depth limit can overflow the stack.
- **failures**: an exception from a target is logged on the ``atomtrig.triggers`` logger and
  recorded in the trigger's stats; the change that fired it stays, and the caller never sees it.

>>> Runner.__name__
'Runner'
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from atomtrig.triggers.errors import CascadeError, TriggerError
from atomtrig.triggers.firing import Firing, FiringJournal

if TYPE_CHECKING:
    from atomtrig.triggers.definitions import Trigger

logger = logging.getLogger("atomtrig.triggers")

class _ThreadState(threading.local):
    """What the runner keeps per thread (class attributes are the defaults)."""

    chain: tuple[Firing, ...] = ()
    firing: Firing | None = None
    nesting = 0
    deferred: deque[tuple[Trigger, Firing]] | None = None
    draining = False
    worker = False


_local = _ThreadState()
_WALL_OFFSET = time.time() - time.perf_counter()
_perf_counter = time.perf_counter
SYNC_NESTING = 8
"""How many sync targets may run nested inside one another on one thread's stack."""
_BATCH = 64  # firings one worker runs from a queue before letting other triggers' queues in


def current_firing() -> Firing | None:
    """The firing whose target is running in this thread, or None.

    A grounded schema run by a trigger uses it to see what fired it:
    ``current_firing().event.link`` is the new link of a RelationshipTriggerLink.
    """
    return _local.firing


class Runner:
    """Runs firings for one engine. ``execute(trigger, firing)`` runs a target."""

    def __init__(
        self,
        execute: Callable[[Trigger, Firing], None],
        journal: FiringJournal,
        workers: int = 4,
        max_depth: int = 16,
    ) -> None:
        self.execute = execute
        self.journal = journal
        self.workers = workers
        self.max_depth = max_depth
        self._pool: ThreadPoolExecutor | None = None
        self.defer: Callable[[Callable[[], None]], bool] = lambda run: False
        """``defer(run)`` schedules ``run()`` for after the current thread's transaction commits
        and returns True, or returns False outside a transaction (the engine sets it)."""
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._outstanding = 0

    # -- entry -------------------------------------------------------------------------------
    def submit(self, trigger: Trigger, firing: Firing) -> None:
        """Deliver ``firing`` as its trigger's mode says (or stop it if it would run away)."""
        chain = firing.chain
        if chain:
            problem = self._cascade_problem(trigger, firing)
            if problem is not None:
                self._stop(trigger, firing, problem)
                return
        journal = self.journal
        journal.record(firing)
        if trigger.options.mode == "async":
            if not journal.queues_async:  # (else the store's queue has it)
                self._enqueue(trigger, firing)
        elif _local.nesting >= SYNC_NESTING:
            deferred = _local.deferred
            if deferred is None:
                deferred = _local.deferred = deque()
            deferred.append((trigger, firing))
        else:
            self.run(trigger, firing)

    def chain(self) -> tuple[Firing, ...]:
        """The cascade chain of the firing running in this thread (empty outside targets)."""
        return _local.chain

    def _cascade_problem(self, trigger: Trigger, firing: Firing) -> str | None:
        limit = trigger.options.max_depth or self.max_depth
        if firing.depth >= limit:
            return (f"cascade depth limit {limit} reached: {firing.describe()} would be "
                    f"firing number {firing.depth + 1} of one chain (raise it with the "
                    f"trigger:max-depth option or the engine's max_depth)")
        key = firing.cycle_key()
        if any(f.trigger is trigger and f.cycle_key() == key for f in firing.chain):
            return (f"cycle: {firing.describe()} repeats a firing already in its cascade "
                    f"(same trigger, same change) {len(firing.chain)} step(s) up; it would loop "
                    "forever")
        return None

    def _stop(self, trigger: Trigger, firing: Firing, problem: str) -> None:
        error = CascadeError(problem)
        logger.error("%s", error)
        trigger.stats.stopped(f"CascadeError: {problem}")

    # -- running -----------------------------------------------------------------------------
    def run(self, trigger: Trigger, firing: Firing) -> None:
        """Run one firing now, in this thread, recording its outcome (a trigger with
        ``after_commit`` whose change is inside a transaction: once the transaction commits)."""
        if trigger.options.after_commit and self.defer(lambda: self.run(trigger, firing)):
            return
        local = _local
        nesting = local.nesting
        local.nesting = nesting + 1
        previous_chain = local.chain
        previous_firing = local.firing
        local.chain = firing.chain + (firing,)
        local.firing = firing
        t0 = _perf_counter()
        error: str | None = None
        journal = self.journal
        try:
            if journal.wraps_delivery:
                journal.deliver(firing, self._invoke)
            else:
                try:
                    plan = trigger.plan
                    if plan is not None and trigger.folder is None:
                        plan(firing)
                    else:
                        self.execute(trigger, firing)
                except BaseException as exc:
                    journal.done(firing, f"{type(exc).__name__}: {exc}")
                    raise
                journal.done(firing, None)
        except Exception as exc:  # a target's failure never reaches the caller
            error = f"{type(exc).__name__}: {exc}"
            logger.error("trigger target failed: %s: %s", firing.describe(), error)
            logger.debug("traceback of the failed target of %s", firing.describe(), exc_info=True)
        finally:
            local.chain = previous_chain
            local.firing = previous_firing
            local.nesting = nesting
        trigger.stats.ran(_perf_counter() - t0, error, t0 + _WALL_OFFSET)
        if nesting == 0 and local.deferred and not local.draining:
            self._run_deferred()

    def _run_deferred(self) -> None:
        deferred = _local.deferred
        _local.draining = True
        try:
            while deferred:
                trigger, firing = deferred.popleft()
                self.run(trigger, firing)
        finally:
            _local.draining = False

    def _invoke(self, firing: Firing) -> None:
        self.execute(firing.trigger, firing)

    def run_claimed(self, firing: Firing) -> None:
        """Run a firing a store's worker claimed, in this thread (its target's exception
        propagates: the worker records it and retries the firing later)."""
        local = _local
        nesting = local.nesting
        local.nesting = nesting + 1
        previous_chain, previous_firing = local.chain, local.firing
        local.chain = firing.chain + (firing,)
        local.firing = firing
        try:
            self.execute(firing.trigger, firing)
        finally:
            local.chain, local.firing, local.nesting = previous_chain, previous_firing, nesting
        if nesting == 0 and local.deferred and not local.draining:
            self._run_deferred()

    # -- the asynchronous side ---------------------------------------------------------------
    def _enqueue(self, trigger: Trigger, firing: Firing) -> None:
        with self._lock:
            self._outstanding += 1
            trigger.queue.append(firing)
            if trigger.active:
                return
            trigger.active = True
            pool = self._pool
            if pool is None:
                pool = self._pool = ThreadPoolExecutor(
                    max_workers=self.workers, thread_name_prefix="atomtrig-trigger"
                )
        pool.submit(self._drain, trigger)

    def _drain(self, trigger: Trigger) -> None:
        _local.worker = True
        for _ in range(_BATCH):
            with self._lock:
                if not trigger.queue:
                    trigger.active = False
                    return
                firing = trigger.queue.popleft()
            try:
                self.run(trigger, firing)
            finally:
                self._finished(1)
        with self._lock:
            if not trigger.queue:
                trigger.active = False
                return
            pool = self._pool
        if pool is not None:
            pool.submit(self._drain, trigger)

    def _finished(self, n: int) -> None:
        with self._lock:
            self._outstanding -= n
            if self._outstanding == 0:
                self._idle.notify_all()

    def cancel(self, trigger: Trigger) -> int:
        """Drop the firings of ``trigger`` still waiting in its queue (the trigger was removed).
        They are marked done in the journal with the error ``cancelled``."""
        with self._lock:
            dropped = list(trigger.queue)
            trigger.queue.clear()
        for firing in dropped:
            self.journal.done(firing, "cancelled: trigger removed")
        if dropped:
            trigger.stats.drop(len(dropped))
            self._finished(len(dropped))
        return len(dropped)

    def pending(self) -> int:
        """How many async firings are queued or running."""
        with self._lock:
            return self._outstanding

    def wait(self, timeout: float | None = None) -> bool:
        """Block until every queued firing has run; False if ``timeout`` seconds passed first."""
        if _local.worker and _local.firing is not None:
            raise TriggerError(
                "wait_for_triggers() was called from an asynchronous trigger's target; it would "
                "wait for itself. Make that trigger synchronous or do not wait inside it"
            )
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._idle:
            if not self._idle.wait_for(lambda: self._outstanding == 0, timeout):
                return False
        left = None if deadline is None else max(0.0, deadline - time.monotonic())
        return self.journal.wait(left)

    def shutdown(self) -> None:
        """Stop the worker threads after the queued firings ran."""
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True)
