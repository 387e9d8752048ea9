"""Durable trigger delivery: firings as rows of the store, claimed by workers, done together
with their effects; trigger statistics as counters every process adds to.

:class:`DurableQueue` is the trigger layer's ``FiringJournal`` (:mod:`atomtrig.triggers.firing`)
for a space opened on a store:

- A **synchronous** firing is recorded in the same transaction as the change that caused it,
  written as held by this process. Right after that commit the target runs here, in a
  transaction of its own that also deletes the row (fenced by the row's token) and adds to the
  trigger's counters: the effects and the "done" mark commit together. If this process dies in
  between, the row's lease expires and a worker runs the firing (at least once, effects once).
  Inside ``space.transaction()`` no row is written: the target runs inside the transaction and
  its effects commit (or roll back) with it — unless the trigger has ``after_commit=True``: then
  the row is written with the transaction and the target runs after the commit (never if the
  transaction rolls back).
- An **asynchronous** firing is recorded the same way, queued; the workers of any process with
  the store open (:mod:`atomtrig.storage.workers`, and ``atomtrig worker``) claim it. This
  process's in-memory pool does not run it.

Statistics (fired, failed, skipped, dropped, total duration) are counters in the store, added to
in the transaction of each run, so every process's runs count and none overwrite another's.

This module duck-types the trigger engine it is given, so the storage layer does not import
the trigger layer.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from atomtrig.core.events import ChangeEvent, ChangeKind
from atomtrig.core.printer import to_oneline
from atomtrig.storage.base import FiringRow
from atomtrig.storage.binding import StoreBinding
from atomtrig.storage.codec import from_json, to_json
from atomtrig.storage.errors import TruthValueConflictError
from atomtrig.storage.migrations import LAST, STATS

if TYPE_CHECKING:
    from atomtrig.core.atom import Atom

log = logging.getLogger("atomtrig.storage")

CONFLICT_RETRIES = 20
"""How often a synchronous target is run again after a truth-value revision conflict."""


def trigger_key(link: Atom) -> str:
    """The key of a trigger's counters: its link's one-line text (the same in every process)."""
    return to_oneline(link)


class DurableQueue:
    """The firing journal of a space opened on a store; see the module docstring."""

    wraps_delivery = True
    queues_async = True
    """Asynchronous firings go to the store's queue, not to the in-memory pool."""

    def __init__(self, binding: StoreBinding, engine: Any) -> None:
        self.binding = binding
        self.engine = engine
        self._lock = threading.Condition()
        self._rows: dict[Any, tuple[int, int]] = {}
        """Sync firing -> (row id, token) once its row is committed."""
        self._mine: set[int] = set()
        """Rows of async firings this process recorded and has not seen finished."""
        self.workers: Any = None
        """The process's worker pool, if it runs one (woken when this process queues work)."""

    # -- the FiringJournal interface -------------------------------------------------------------
    def registered(self, trigger: Any) -> None:
        """A new ScheduledExecutionLink gets its schedule row, due at once and without state:
        the first runner that claims it sets its first due time by its own clock."""
        if trigger.kind == "scheduled" and not self.binding.readonly:
            self.binding.schedule(trigger.link, 0.0)

    def can_run(self, trigger_id: int) -> bool:
        """Whether this process may run the target of the trigger link with this store id (its
        allow-list lets it, and the trigger is registered here)."""
        trigger = self._trigger(trigger_id)
        return trigger is not None and self.engine.can_run(trigger)

    def max_attempts(self, trigger_id: int) -> int:
        trigger = self._trigger(trigger_id)
        return trigger.options.max_attempts if trigger is not None else 3

    def _trigger(self, trigger_id: int) -> Any:
        binding = self.binding
        link = binding.atom_of(trigger_id)
        if link is None:
            binding.sync()
            link = binding.atom_of(trigger_id)
        return None if link is None else self.engine.registry.by_link.get(link)

    def record(self, firing: Any) -> None:
        trigger = firing.trigger
        binding = self.binding
        if trigger.options.mode == "async":
            binding.enqueue(trigger.link, firing_json(firing), "async", 0, self._queued)
            return
        if binding.in_transaction() and not trigger.options.after_commit:
            return  # runs inside the transaction: the effects commit (or not) with it
        token = random.getrandbits(62) + 1

        def held(row_id: int) -> None:
            with self._lock:
                self._rows[firing] = (row_id, token)

        binding.enqueue(trigger.link, firing_json(firing), "sync", token, held)

    def _queued(self, row_id: int) -> None:
        with self._lock:
            self._mine.add(row_id)
        workers = self.workers
        if workers is not None:
            workers.wake()

    def deliver(self, firing: Any, run: Callable[[Any], None]) -> None:
        binding = self.binding
        if binding.in_transaction():
            if firing.trigger.options.after_commit:
                binding.after_commit(lambda: self._deliver_now(firing, run),
                                     lambda: self._forget(firing))
                return
            self._run_counted(firing, run)
            return
        binding.commit_pending()  # the change and this firing's row reach the store first
        self._deliver_now(firing, run)

    def _deliver_now(self, firing: Any, run: Callable[[Any], None]) -> None:
        with self._lock:
            row = self._rows.pop(firing, None)
        if row is None:  # recorded inside a transaction (no row): nothing to mark
            self._run_counted(firing, run)
            return
        for attempt in range(CONFLICT_RETRIES):
            failure: BaseException | None = None
            try:
                with self.binding.transaction():
                    try:
                        self._run_counted(firing, run)
                    except BaseException as exc:  # the effects made so far stay, as without a store
                        failure = exc
                    self.binding.finish(*row)
            except TruthValueConflictError:
                # Another process revised a truth value this target revised first: nothing was
                # committed; run it again on the fresh value.
                if attempt == CONFLICT_RETRIES - 1:
                    raise
                self.binding.sync()
                continue
            break
        if failure is not None:
            raise failure

    def _forget(self, firing: Any) -> None:
        with self._lock:
            self._rows.pop(firing, None)

    def _run_counted(self, firing: Any, run: Callable[[Any], None]) -> None:
        started = time.time()
        t0 = time.perf_counter()
        error: str | None = None
        try:
            run(firing)
        except BaseException as exc:
            error = f"{type(exc).__name__}: {exc}"
            raise
        finally:
            self.count_run(firing.trigger.link, time.perf_counter() - t0, error, started)

    def count_run(self, link: Atom, duration: float, error: str | None, started: float) -> None:
        """Add one run to a trigger's counters, with the current thread's pending changes."""
        binding = self.binding
        key = trigger_key(link)
        binding.add_counter(STATS, key, "fired", 1)
        binding.add_counter(STATS, key, "duration", duration)
        if error is not None:
            binding.add_counter(STATS, key, "failed", 1)
        binding.put_state(LAST, key, json.dumps({"last_error": error, "last_fired": started})
                          if error is not None else json.dumps({"last_fired": started}))

    def done(self, firing: Any, error: str | None) -> None:
        """(The plain run-then-done path is not used: :meth:`deliver` wraps every run.)"""

    def pending(self) -> list[Any]:
        return []

    def is_done(self, firing_id: str) -> bool:
        return False

    # -- waiting -----------------------------------------------------------------------------------
    def wait(self, timeout: float | None = None, poll: float = 0.01) -> bool:
        """Wait until every asynchronous firing this process queued was run (by any process's
        worker) or parked; False on timeout."""
        deadline = None if timeout is None else time.monotonic() + timeout
        backend = self.binding.backend
        assert backend is not None
        while True:
            self.binding.commit_pending()
            with self._lock:
                mine = set(self._mine)
            if not mine:
                return True
            left = backend.unfinished(sorted(mine))
            with self._lock:
                self._mine -= mine - left
                if not self._mine:
                    return True
                if deadline is not None and time.monotonic() >= deadline:
                    return False
                self._lock.wait(poll)

    def finished(self, row_ids: Sequence[int]) -> None:
        """A worker of this process finished these rows (wakes :meth:`wait`)."""
        with self._lock:
            self._mine.difference_update(row_ids)
            self._lock.notify_all()

    # -- statistics -----------------------------------------------------------------------------------
    def snapshot(self, trigger: Any) -> Any:
        """The trigger's statistics as the store counts them (every process's runs)."""
        from atomtrig.triggers.stats import StatsSnapshot

        key = trigger_key(trigger.link)
        counts = self.binding.read_counters(STATS).get(key, {})
        last: dict[str, Any] = {}
        text = self.binding.read_state(LAST).get(key)
        if text:
            try:
                last = json.loads(text)
            except ValueError:
                last = {}
        live = trigger.stats.snapshot()  # for a note this process made (a bad option, say)
        fired = int(counts.get("fired", 0))
        return StatsSnapshot(
            trigger=live.trigger,
            fired=fired,
            failed=int(counts.get("failed", 0)),
            skipped=int(counts.get("skipped", 0)),
            dropped=int(counts.get("dropped", 0)),
            last_error=last.get("last_error") or live.last_error,
            last_fired=last.get("last_fired", live.last_fired),
            mean_duration=(counts.get("duration", 0.0) / fired) if fired else 0.0,
        )

    # -- rebuilding claimed firings -----------------------------------------------------------------
    def rebuild(self, row: FiringRow) -> Any:
        """The Firing a claimed row stands for; None if its trigger link is gone (nothing to
        run). A row that cannot be read raises (the worker records the failure)."""
        binding = self.binding
        link = binding.atom_of(row.trigger)
        if link is None:
            binding.sync()
            link = binding.atom_of(row.trigger)
        if link is None:
            return None
        data = json.loads(row.data)
        event = event_from_json(data, binding.space)
        firing = self.engine.firing_for(link, event, f"store:{row.id}", due=data.get("due"))
        firing.inherited = int(data.get("depth") or 0)
        return firing


def firing_json(firing: Any) -> str:
    """A firing as the queue keeps it: its event (atoms by content), due time and depth."""
    data: dict[str, Any] = {"due": firing.due, "at": time.time(), "depth": firing.depth}
    ev = firing.event
    if ev is not None:
        data.update(
            k=int(ev.kind), a=_ref(ev.atom), l=_ref(ev.link), key=_ref(ev.key),
            old=None if ev.old is None else to_json(ev.old),
            new=None if ev.new is None else to_json(ev.new),
        )
    return json.dumps(data, separators=(",", ":"))


def _ref(atom: Atom | None) -> Any:
    return None if atom is None else to_json(atom)


def event_from_json(data: dict[str, Any], space: Any) -> ChangeEvent | None:
    if data.get("k") is None:
        return None

    def back(item: Any) -> Any:
        return None if item is None else from_json(item, space)

    return ChangeEvent(ChangeKind(data["k"]), back(data["a"]), link=back(data["l"]),
                       key=back(data["key"]), old=back(data["old"]), new=back(data["new"]))


def attach_triggers(
    binding: StoreBinding, engine: Any, *, workers: int = 2, schedules: bool = False,
    lease: float = 30.0,
) -> DurableQueue | None:
    """Wire ``engine`` (a trigger engine) to the store of ``binding``: register the stored
    trigger links (and, as other processes add or remove them, theirs), queue firings in the
    store, and start ``workers`` worker threads (0: leave this process's asynchronous firings to
    other processes' workers). Schedules of the store run in this process only with
    ``schedules=True`` (otherwise ``atomtrig schedule`` runners run them). A read-only space
    gets its trigger links registered (to be listed) and fires nothing."""
    space = binding.space
    engine.scheduler.enabled = schedules and not binding.readonly
    queue = DurableQueue(binding, engine)  # read-only too: statistics come from the store
    engine.use_journal(queue)
    if binding.readonly:
        engine.freeze()
        _register_all(engine, space.get_atoms_by_type("TriggerLink"))
        return queue
    _register_all(engine, space.get_atoms_by_type("TriggerLink"))
    binding.commit_pending()  # schedule rows of links registered for the first time

    def remote(added: list[Any], removed: list[Any]) -> None:
        for atom in removed:
            if atom.is_link() and atom.type.is_a("TriggerLink"):
                engine.unregister(atom)
        _register_all(engine, [a for a in added if a.is_link() and a.type.is_a("TriggerLink")])
        binding.commit_pending()  # schedule rows of links registered just now

    binding.on_remote(remote)
    if workers > 0:
        from atomtrig.storage.workers import FiringWorkers

        pool = FiringWorkers(queue, workers, lease=lease)
        pool.start()
        binding.services.append(pool)
        if binding.follower is not None:
            binding.follower.on_wake.append(pool.wake)
    return queue


def _register_all(engine: Any, links: list[Any]) -> None:
    for link in links:
        try:
            engine.register(link)
        except Exception as exc:  # noqa: BLE001 - an invalid stored trigger link is reported
            log.warning("a stored trigger link could not be registered: %s", exc)
