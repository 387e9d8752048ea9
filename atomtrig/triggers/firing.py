"""Firings: one run of one trigger for one event, with an identity, and the journal that lets a
durable store deliver each firing at least once without running it twice.

A :class:`Firing` is identified by ``(trigger, event)``: ``firing.id`` is a string made of the
engine's epoch (a random id per engine), the event's sequence number and the trigger's serial
number, unique across processes. The runner calls the journal around every firing::

    journal.record(firing)            # before the firing is queued or run
    journal.deliver(firing, run)      # runs the target, then journal.done(firing, error)

and ``journal.pending()`` lists the firings recorded but not done. The in-memory journal below is
the default; the SQLite store backs the same interface with a table, overriding :meth:`deliver`
to commit the target's effects and the "done" mark in one transaction, and hands the pending
firings back to :meth:`~atomtrig.triggers.engine.TriggerEngine.redeliver` when it is reopened.

>>> journal = InMemoryFiringJournal()
>>> journal.pending()
[]
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from atomtrig.core.events import ChangeEvent
    from atomtrig.triggers.definitions import Trigger


@dataclass(eq=False, slots=True)
class Firing:
    """One run of ``trigger`` for ``event`` (None for a scheduled run, which has ``due``)."""

    trigger: Trigger
    event: ChangeEvent | None
    seq: int
    """The event's sequence number in its engine (shared by every trigger the event fires)."""
    epoch: str
    chain: tuple[Firing, ...] = ()
    """The firings that led to this one (each ran a target whose change caused the next),
    outermost first."""
    due: float | None = None
    """For a scheduled run: when it was due (seconds on the scheduler's clock)."""
    _id: str | None = field(default=None, repr=False)
    inherited: int = 0
    """Cascade depth of a firing rebuilt from a store's queue (its chain stayed in the process
    that recorded it)."""

    @property
    def id(self) -> str:
        """``epoch:event-seq:trigger-serial``: unique, and the same for every delivery."""
        if self._id is None:
            self._id = f"{self.epoch}:{self.seq}:{self.trigger.serial}"
        return self._id

    @property
    def depth(self) -> int:
        """How many firings are above this one in its cascade (0 for a direct change)."""
        return self.inherited + len(self.chain)

    def cycle_key(self) -> tuple[Any, ...]:
        """Two firings with the same key would repeat each other forever: the same trigger, fired
        by the same kind of change to the same atom with the same new content."""
        ev = self.event
        if ev is None:
            return (self.trigger.serial, "scheduled", self.due)
        new = ev.new
        try:
            hash(new)
        except TypeError:
            new = id(new)
        return (self.trigger.serial, int(ev.kind), id(ev.atom), id(ev.link), id(ev.key), new)

    def describe(self) -> str:
        """One line for logs and error messages."""
        ev = self.event
        what = f"due {self.due:.3f}" if ev is None else f"{ev.kind.name} on {ev.atom.short()}"
        return f"{self.trigger.link.type.name} firing {self.id} ({what})"


class FiringJournal:
    """Where firings are recorded before delivery and marked done after. Subclass it to make
    delivery durable; every method may be called from several threads at once."""

    wraps_delivery = True
    """False when :meth:`deliver` is the plain run-then-done (the runner then inlines it)."""
    queues_async = False
    """True when asynchronous firings are queued by :meth:`record` itself (a store's queue,
    run by its workers) instead of by the runner's in-memory pool."""

    def registered(self, trigger: Trigger) -> None:
        """A trigger was registered (a durable journal gives a new schedule its row)."""

    def snapshot(self, trigger: Trigger) -> Any:
        """The trigger's statistics as this journal keeps them, or None for the in-memory ones."""
        return None

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until the firings this journal queued itself have run (see :attr:`queues_async`)."""
        return True

    def record(self, firing: Firing) -> None:
        """Remember ``firing`` as pending. Called before it is queued or run."""
        raise NotImplementedError

    def done(self, firing: Firing, error: str | None) -> None:
        """Mark ``firing`` delivered (``error`` is the failure text, or None on success). A
        failed firing is done too: failures are recorded, not retried."""
        raise NotImplementedError

    def pending(self) -> list[Firing]:
        """The firings recorded and not yet done, oldest first."""
        raise NotImplementedError

    def is_done(self, firing_id: str) -> bool:
        """True if the firing with this id was already delivered (a redelivery then skips it)."""
        raise NotImplementedError

    def deliver(self, firing: Firing, run: Callable[[Firing], None]) -> None:
        """Run ``run(firing)`` and mark the firing done whatever its outcome; exceptions are
        re-raised after the mark. A durable journal overrides this to make the target's effects
        and the mark one transaction."""
        error: str | None = None
        try:
            run(firing)
        except BaseException as exc:
            error = f"{type(exc).__name__}: {exc}"
            raise
        finally:
            self.done(firing, error)


class InMemoryFiringJournal(FiringJournal):
    """The default journal: pending firings in a dict keyed by the firing object (dict updates
    are atomic in CPython, so no lock is taken on the hot path), forgotten when the process ends.

    >>> journal = InMemoryFiringJournal()
    >>> journal.is_done("x:1:1")
    False
    """

    def __init__(self, remember_done: int = 0) -> None:
        self.wraps_delivery = type(self).deliver is not FiringJournal.deliver
        self._pending: dict[Firing, Firing] = {}
        self._lock = threading.Lock()
        self._done: dict[str, None] = {}
        self._remember = remember_done

    def record(self, firing: Firing) -> None:
        self._pending[firing] = firing  # type: ignore[index]

    def done(self, firing: Firing, error: str | None) -> None:
        self._pending.pop(firing, None)  # type: ignore[call-overload]
        if self._remember:
            with self._lock:
                self._done[firing.id] = None
                if len(self._done) > self._remember:
                    del self._done[next(iter(self._done))]

    def pending(self) -> list[Firing]:
        return list(self._pending.copy().values())

    def is_done(self, firing_id: str) -> bool:
        with self._lock:
            return firing_id in self._done
