"""The trigger engine of one AtomSpace: registry, dispatcher, runner, scheduler and journal.

Every ``atomtrig.AtomSpace`` has one (``space.triggers``); it is attached when the space is made
and costs an atom that no trigger names nothing beyond the core's watch-mask test.

>>> import atomtrig
>>> space = atomtrig.AtomSpace()
>>> button = space.add_node("Concept", "red button")
>>> presses = []
>>> from atomtrig.query.grounded import grounded, unregister
>>> @grounded("note-press")
... def note_press(atom):
...     presses.append(atom.name)
>>> _ = space.add_link("PingTrigger", [button,
...     space.add_link("ExecutionOutput", [space.add_node("GroundedSchema", "py:note-press")])])
>>> space.ping(button); presses
['red button']
>>> space.trigger_stats()[0].fired
1
>>> _ = unregister("note-press")
"""

from __future__ import annotations

import itertools
import threading
import uuid
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from atomtrig.core.events import ChangeEvent
from atomtrig.core.types import types
from atomtrig.query.allowlist import version as allow_list_version
from atomtrig.triggers.definitions import Trigger, parse_trigger
from atomtrig.triggers.dispatch import Dispatcher
from atomtrig.triggers.errors import TriggerDefinitionError, TriggerError
from atomtrig.triggers.firing import Firing, FiringJournal, InMemoryFiringJournal
from atomtrig.triggers.options import check_option_names, option_values, set_trigger_options
from atomtrig.triggers.registry import Registry
from atomtrig.triggers.runner import Runner
from atomtrig.triggers.schedule import Clock, Scheduler
from atomtrig.triggers.stats import StatsSnapshot

if TYPE_CHECKING:
    from atomtrig.core.atom import Atom, Link
    from atomtrig.core.atomspace import CoreAtomSpace as AtomSpace
    from atomtrig.core.types import AtomType

_local = threading.local()


class TriggerEngine:
    """Registers the trigger links of ``space`` and runs them.

    ``workers`` is the size of the pool that runs async firings; ``max_depth`` the default cascade
    depth limit; ``journal`` where firings are recorded (in memory by default); ``clock`` the
    scheduler's clock (a :class:`~atomtrig.triggers.schedule.ManualClock` in tests).
    """

    def __init__(
        self,
        space: AtomSpace,
        *,
        journal: FiringJournal | None = None,
        workers: int = 4,
        max_depth: int = 16,
        clock: Clock | None = None,
    ) -> None:
        from atomtrig.triggers.targets import run_target

        self.space = space
        self.epoch = uuid.uuid4().hex[:12]
        self._seq = itertools.count(1)
        self._serial = itertools.count(1)
        self.journal: FiringJournal = journal or InMemoryFiringJournal()
        self.revision = True
        """Merge evidence when a trigger's rewrite produces a link that already exists."""
        self.runner = Runner(self._execute, self.journal, workers=workers, max_depth=max_depth)
        self._run_target = run_target
        self.registry = Registry(space)
        self.scheduler = Scheduler(self, clock)
        self.dispatcher = Dispatcher(self)
        self.runner.defer = space.when_committed
        self._runnable: dict[Trigger, bool] = {}
        self._runnable_version = -1
        space.add_listener(self.dispatcher)
        for link in space.get_atoms_by_type("TriggerLink"):  # a space that already holds some
            self.register(link)  # type: ignore[arg-type]

    # -- configuration ---------------------------------------------------------------------
    @property
    def max_depth(self) -> int:
        return self.runner.max_depth

    @max_depth.setter
    def max_depth(self, value: int) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise TriggerError(f"max_depth must be a whole number >= 1, not {value!r}")
        self.runner.max_depth = value

    def use_journal(self, journal: FiringJournal) -> None:
        """Record firings in ``journal`` from now on (a store calls this on open)."""
        self.journal = journal
        self.runner.journal = journal

    def freeze(self) -> None:
        """Fire nothing from now on: no change, ping or schedule runs a target (a space opened
        read-only, to look at it). Trigger links stay registered, so they can be listed."""
        self.space.remove_listener(self.dispatcher)
        self.scheduler.enabled = False
        self.scheduler.stop()

    # -- registration (called by the dispatcher) -----------------------------------------------
    def register(self, link: Link) -> Trigger:
        """Register the trigger link ``link`` (done automatically when it is added). A link that
        is not a valid trigger is removed again and :class:`TriggerDefinitionError` raised."""
        existing = self.registry.by_link.get(link)
        if existing is not None:
            return existing
        preset = getattr(_local, "preset", None)
        if preset is not None and preset[0] == (link.type, link.out):
            for key, value in preset[1].items():
                link.set_value(key, value)
            _local.preset = None
        try:
            trigger = parse_trigger(link, next(self._serial))
        except TriggerDefinitionError:
            if link._space is self.space:
                self.space.remove(link, recursive=True)
            raise
        from atomtrig.triggers.schema_files import current_folder

        trigger.folder = current_folder()
        self.registry.add(trigger)
        if trigger.kind == "scheduled":
            self.scheduler.add(trigger)
        self.journal.registered(trigger)
        return trigger

    def unregister(self, link: Link) -> Trigger | None:
        """Forget the trigger of ``link`` (done automatically when it is removed): its queued
        firings are dropped and its pending scheduled runs cancelled."""
        trigger = self.registry.remove(link)
        if trigger is not None:
            if trigger.kind == "scheduled":
                self.scheduler.cancel(trigger)
            self.runner.cancel(trigger)
        return trigger

    # -- the Python helper -------------------------------------------------------------------
    def add_trigger(
        self, link_type: AtomType | str, outgoing: Iterable[Atom], **options: Any
    ) -> Link:
        """Add a trigger link with options set before it can fire (see
        :mod:`atomtrig.triggers.options`): ``mode="async"``, ``every_update=True``,
        ``full_query=True``, ``max_depth=4``."""
        check_option_names(options)
        values = option_values(**options)
        from atomtrig.core.types import types

        t = types[link_type]
        out = tuple(outgoing)
        if not t.is_a("TriggerLink"):
            raise TriggerDefinitionError(f"add_trigger needs a trigger link type, not {t.name}")
        _local.preset = ((t, out), values) if values else None
        try:
            link = self.space.add_link(t, out)
        finally:
            leftover = getattr(_local, "preset", None)
            _local.preset = None
        if leftover is not None and values:  # the link existed already: set the options now
            set_trigger_options(link, **options)
        return link

    # -- firing --------------------------------------------------------------------------------
    def _execute(self, trigger: Trigger, firing: Firing) -> None:
        self._run_target(self, trigger, firing)

    def fire_scheduled(self, trigger: Trigger, due: float) -> None:
        """Run one due run of a ScheduledExecutionLink (its condition decides whether)."""
        if trigger.condition is not None:
            try:
                from atomtrig.triggers.targets import condition_holds

                if not condition_holds(self, trigger):
                    trigger.stats.skip()
                    return
            except Exception as exc:  # noqa: BLE001 - a user's condition failing is recorded
                trigger.stats.stopped(f"condition failed: {type(exc).__name__}: {exc}")
                return
        self.runner.submit(trigger, Firing(trigger, None, next(self._seq), self.epoch,
                                           self.runner.chain(), due=due))

    def redeliver(self, firings: Iterable[Firing]) -> int:
        """Deliver again firings recorded but not done (the durable store calls this on open
        with its journal's pending firings); ones the journal knows are done are skipped.
        Returns how many were delivered."""
        count = 0
        for firing in firings:
            if self.journal.is_done(firing.id):
                continue
            if firing.trigger.link._space is not self.space:
                self.journal.done(firing, "cancelled: trigger removed")
                continue
            self.runner.submit(firing.trigger, firing)
            count += 1
        return count

    def run_claimed(self, firing: Firing) -> None:
        """Run a firing a store's worker claimed from the queue (the target's exception
        propagates)."""
        self.runner.run_claimed(firing)

    def can_run(self, trigger: Trigger) -> bool:
        """Whether this process's allow-list lets it run ``trigger``'s target: every grounded
        procedure it names resolves here without a refusal (a worker claims only those)."""
        if self._runnable_version != allow_list_version():
            self._runnable.clear()
            self._runnable_version = allow_list_version()
        known = self._runnable.get(trigger)
        if known is None:
            known = self._runnable[trigger] = _allowed_here(trigger)
        return known

    def firing_for(self, link: Link, event: ChangeEvent | None, firing_id: str,
                   due: float | None = None) -> Firing:
        """Rebuild a recorded firing (for :meth:`redeliver`) from its trigger link, event and id."""
        trigger = self.registry.by_link.get(link)
        if trigger is None:
            raise TriggerError(f"{link.short()} is not a registered trigger")
        parts = firing_id.split(":")
        epoch, seq = (parts[0], parts[1]) if len(parts) == 3 else (parts[0], parts[-1])
        firing = Firing(trigger, event, int(seq), epoch, (), due=due)
        firing._id = firing_id
        return firing

    # -- reading ---------------------------------------------------------------------------------
    def triggers(self) -> list[Trigger]:
        """Every registered trigger, in registration order."""
        return sorted(self.registry.triggers(), key=lambda t: t.serial)

    def trigger(self, link: Link) -> Trigger:
        trigger = self.registry.by_link.get(link)
        if trigger is None:
            raise TriggerError(f"{link.short()} is not a registered trigger link")
        return trigger

    def stats(self, link: Link | None = None) -> list[StatsSnapshot]:
        """Statistics of every trigger (or of the one of ``link``): a store's counters, which
        count every process's runs, when the space has one."""
        chosen = [self.trigger(link)] if link is not None else self.triggers()
        journal = self.journal
        return [journal.snapshot(t) or t.stats.snapshot() for t in chosen]

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until every queued async firing has run (False if ``timeout`` passed first)."""
        return self.runner.wait(timeout)

    def close(self) -> None:
        """Stop the scheduler thread and the worker pool (after their current work)."""
        self.scheduler.stop()
        self.runner.shutdown()


def _allowed_here(trigger: Trigger) -> bool:
    """See :meth:`TriggerEngine.can_run`."""
    from atomtrig.query.errors import ProcedureNotAllowedError
    from atomtrig.query.grounded import resolve
    from atomtrig.triggers.schema_files import check_allowed, is_file_schema

    grounded = (types["GroundedSchemaNode"], types["GroundedPredicateNode"])
    stack: list[Atom] = [trigger.link]
    while stack:
        atom = stack.pop()
        if atom.is_link():
            stack.extend(atom.out)
        elif atom.type in grounded or any(g in atom.type.ancestors for g in grounded):
            try:
                if is_file_schema(atom.name):
                    check_allowed(atom.name, trigger.folder)
                else:
                    resolve(atom)
            except ProcedureNotAllowedError:
                return False
            except Exception:  # noqa: BLE001 - other problems are the target's, seen when it runs
                continue
    return True
