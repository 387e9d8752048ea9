"""Durable trigger delivery: the firing journal, trigger statistics and schedule state kept in
the store, in the same transactions as the changes they belong to.

:class:`StoreFiringJournal` implements the trigger layer's ``FiringJournal`` interface
(``record``, ``deliver``, ``done``, ``pending``, ``is_done``; see
:mod:`atomtrig.triggers.firing`) on top of a :class:`~atomtrig.storage.binding.StoreBinding`:

- ``record(firing)`` writes the firing (its trigger link and event, by content) with the
  thread's pending changes, so it commits in the same transaction as the change that fired it.
- ``deliver(firing, run)`` first makes sure that transaction is committed (the change and the
  record are on disk before the target starts: the recording thread commits it, and a worker
  thread running an asynchronous firing waits for that commit; a rollback of the change cancels
  the firing instead), then runs the target inside a store transaction that also deletes the
  record and saves the trigger's statistics: the target's effects and the "done" mark commit
  together. A crash before that commit leaves the record pending and none of the effects; a
  crash after it leaves both. So a pending firing is delivered again on the next open (at least
  once) and a firing whose effects were committed is never run again.
- The row of a firing is written from the journal's in-memory state when a batch is built, so a
  "done" committed by a worker thread is never overwritten by the recording thread committing
  later.
- A target that raises still has its committed effects kept, as without a store (the change
  that fired it is never undone); its failure is recorded in the statistics.

This module duck-types the trigger engine it is given, so the storage layer does not import
the trigger layer.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from atomtrig.core.events import ChangeEvent, ChangeKind
from atomtrig.core.printer import to_oneline
from atomtrig.storage.binding import StoreBinding
from atomtrig.storage.codec import from_json, to_json

if TYPE_CHECKING:
    from atomtrig.core.atom import Atom

log = logging.getLogger("atomtrig.storage")

FIRINGS = "trigger-firings"
STATS = "trigger-stats"
_COMMIT_WAIT = 30.0
SCHEDULES = "trigger-schedules"


class StoreFiringJournal:
    """The firing journal of a persistent AtomSpace; see the module docstring."""

    wraps_delivery = True
    """:meth:`deliver` does more than run-then-done (the trigger runner must call it)."""

    def __init__(self, binding: StoreBinding, engine: Any) -> None:
        self.binding = binding
        self.engine = engine
        self._lock = threading.Lock()
        self._pending: dict[str, str] = {}
        """Firing id -> its record, for firings recorded and not done. The store row of a
        firing is written from here when a batch is built, so a "done" committed by a worker
        thread is never overwritten by the recording thread's later commit."""
        self._uncommitted: dict[str, tuple[threading.Event, int]] = {}
        self._cancelled: set[str] = set()
        self._done: dict[str, None] = {}

    def _row(self, firing_id: str) -> Callable[[], str | None]:
        return lambda: self._pending.get(firing_id)

    # -- the FiringJournal interface ---------------------------------------------------------
    def record(self, firing: Any) -> None:
        firing_id = firing.id
        with self._lock:
            if firing_id in self._pending:  # a redelivery: the row is in the store already
                return
            self._pending[firing_id] = json.dumps(_firing_json(firing))
            committed = threading.Event()
            self._uncommitted[firing_id] = (committed, threading.get_ident())
        self.binding.sync_state(FIRINGS, firing_id, self._row(firing_id))

        def discarded() -> None:  # the change that fired it was rolled back
            with self._lock:
                self._cancelled.add(firing_id)
            committed.set()

        self.binding.after_commit(committed.set, discarded)

    def deliver(self, firing: Any, run: Callable[[Any], None]) -> None:
        binding = self.binding
        binding.commit_pending()  # this thread's change and record reach the disk first
        firing_id = firing.id
        with self._lock:
            entry = self._uncommitted.pop(firing_id, None)
        if entry is not None and not entry[0].is_set() and entry[1] != threading.get_ident():
            # Recorded by another thread (an async firing): run only once that commit is done.
            # (Recorded by this thread inside a transaction: the record, the target's effects
            # and the done mark all commit with that transaction, so nothing to wait for.)
            if not entry[0].wait(timeout=_COMMIT_WAIT):
                log.warning("%s runs before the change that fired it was committed (waited "
                            "%ss; is a transaction open while waiting for triggers?)",
                            firing.describe(), _COMMIT_WAIT)
        with self._lock:
            cancelled = firing_id in self._cancelled
            self._cancelled.discard(firing_id)
        if cancelled:
            self.done(firing, "cancelled: the change that fired it was rolled back")
            return
        failure: BaseException | None = None
        started = time.time()
        t0 = time.perf_counter()
        with binding.transaction():
            try:
                run(firing)
            except BaseException as exc:  # the effects made so far stay, as without a store
                failure = exc
            error = None if failure is None else f"{type(failure).__name__}: {failure}"
            self._mark_done(firing, error)
            _save_stats(binding, firing.trigger, projected=(time.perf_counter() - t0, error,
                                                            started))
            if firing.event is None:
                save_schedule(binding, self.engine, firing.trigger)
        if failure is not None:
            raise failure

    def done(self, firing: Any, error: str | None) -> None:
        self._mark_done(firing, error)
        self.binding.commit_pending()

    def _mark_done(self, firing: Any, error: str | None) -> None:
        firing_id = firing.id
        with self._lock:
            self._pending.pop(firing_id, None)
            self._uncommitted.pop(firing_id, None)
            self._done[firing_id] = None
            if len(self._done) > 100_000:
                del self._done[next(iter(self._done))]
        self.binding.sync_state(FIRINGS, firing_id, self._row(firing_id))

    def is_done(self, firing_id: str) -> bool:
        with self._lock:
            return firing_id in self._done

    def pending(self) -> list[Any]:
        """The firings recorded in the store and not done, oldest first (rebuilt through the
        engine; a firing whose trigger link is gone is marked done as cancelled)."""
        rows = self.binding.read_state(FIRINGS)
        firings: list[tuple[tuple[float, int, int], Any]] = []
        space = self.binding.space
        for firing_id, text in rows.items():
            try:
                data = json.loads(text)
                link: Any = from_json(data["t"], space)
                event = _event_from_json(data, space)
                if link._space is not space:
                    raise LookupError("its trigger link was removed")
                firing = self.engine.firing_for(link, event, firing_id, due=data.get("due"))
            except Exception as exc:
                log.warning("dropping the pending firing %s: %s", firing_id, exc)
                with self._lock:
                    self._pending.pop(firing_id, None)
                self.binding.sync_state(FIRINGS, firing_id, self._row(firing_id), commit=True)
                continue
            with self._lock:
                self._pending[firing_id] = text
            _, seq, serial = firing_id.split(":")
            firings.append(((float(data.get("at") or 0.0), int(seq), int(serial)), firing))
        firings.sort(key=lambda pair: pair[0])  # recording time, then event order
        return [f for _, f in firings]


def _ref(atom: Atom | None) -> Any:
    return None if atom is None else to_json(atom)


def _firing_json(firing: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"t": to_json(firing.trigger.link), "due": firing.due,
                            "at": time.time()}
    ev = firing.event
    if ev is not None:
        data.update(
            k=int(ev.kind), a=_ref(ev.atom), l=_ref(ev.link), key=_ref(ev.key),
            old=None if ev.old is None else to_json(ev.old),
            new=None if ev.new is None else to_json(ev.new),
        )
    return data


def _event_from_json(data: dict[str, Any], space: Any) -> ChangeEvent | None:
    if data.get("k") is None:
        return None

    def back(item: Any) -> Any:
        return None if item is None else from_json(item, space)

    return ChangeEvent(ChangeKind(data["k"]), back(data["a"]), link=back(data["l"]),
                       key=back(data["key"]), old=back(data["old"]), new=back(data["new"]))


# -- trigger statistics and schedule state ----------------------------------------------------
def _trigger_key(trigger: Any) -> str:
    return to_oneline(trigger.link)


def _save_stats(binding: StoreBinding, trigger: Any,
                projected: tuple[float, str | None, float] | None = None) -> None:
    data = trigger.stats.snapshot().as_dict()
    if projected is not None:  # the run being committed, which the runner counts just after
        duration, error, started = projected
        total = data["mean_duration"] * data["fired"] + duration
        data["fired"] += 1
        data["mean_duration"] = total / data["fired"]
        data["last_fired"] = started
        if error is not None:
            data["failed"] += 1
            data["last_error"] = error
    binding.put_state(STATS, _trigger_key(trigger), json.dumps(data))


def save_schedule(binding: StoreBinding, engine: Any, trigger: Any) -> None:
    """Save when ``trigger`` (a ScheduledExecutionLink) is next due, as wall-clock time, or that
    a RunOnce schedule has run."""
    scheduler = engine.scheduler
    due = scheduler.pending().get(trigger)
    if due is None:
        data: dict[str, Any] = {"done": True}
    else:
        data = {"due_wall": time.time() + (due - scheduler.clock.now())}
    binding.put_state(SCHEDULES, _trigger_key(trigger), json.dumps(data))


class _Durable:
    def __init__(self, binding: StoreBinding, engine: Any) -> None:
        self.binding = binding
        self.engine = engine

    def save_all_stats(self) -> None:
        if self.binding.closed:
            return
        for trigger in self.engine.triggers():
            _save_stats(self.binding, trigger)
            if trigger.kind == "scheduled":
                save_schedule(self.binding, self.engine, trigger)
        self.binding.commit_pending()


def make_triggers_durable(binding: StoreBinding, engine: Any) -> None:
    """Wire ``engine`` (a trigger engine) to the store of ``binding``: use the store's journal,
    register the loaded trigger links, restore their statistics and schedules, and deliver the
    firings left pending."""
    space = binding.space
    journal = StoreFiringJournal(binding, engine)
    engine.use_journal(journal)
    engine._durable = _Durable(binding, engine)
    stats = binding.read_state(STATS)
    schedules = binding.read_state(SCHEDULES)
    for link in space.get_atoms_by_type("TriggerLink"):
        try:
            trigger = engine.register(link)
        except Exception as exc:  # an invalid trigger link is removed by register()
            log.warning("a stored trigger link could not be registered: %s", exc)
            continue
        key = _trigger_key(trigger)
        if key in stats:
            trigger.stats.restore(json.loads(stats[key]))
        if trigger.kind == "scheduled" and key in schedules:
            _restore_schedule(engine, trigger, json.loads(schedules[key]))
    engine.redeliver(journal.pending())


def _restore_schedule(engine: Any, trigger: Any, data: dict[str, Any]) -> None:
    scheduler = engine.scheduler
    if data.get("done"):
        scheduler.cancel(trigger)
        return
    wall = data.get("due_wall")
    if wall is None:
        return
    with scheduler._cond:  # re-time the run register() scheduled to the saved due time
        due = scheduler.clock.now() + max(0.0, float(wall) - time.time())
        scheduler._push(trigger, due)
        scheduler._cond.notify_all()
