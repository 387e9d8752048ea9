"""The AtomSpace users import: the core store with every layer above it attached.

``atomtrig.core.CoreAtomSpace`` is the bare store. This subclass adds what the layers above the core
provide, each as a thin method that delegates to its layer, so the layers themselves stay
independent of one another.

>>> import atomtrig
>>> space = atomtrig.AtomSpace()
>>> isinstance(space, atomtrig.core.CoreAtomSpace)
True
"""

from __future__ import annotations

import os
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

from atomtrig.core.atomspace import CoreAtomSpace

if TYPE_CHECKING:
    from atomtrig.atomese.limits import Limits
    from atomtrig.storage.base import StorageBackend
    from atomtrig.core.atom import Atom, Link
    from atomtrig.triggers.engine import TriggerEngine
    from atomtrig.triggers.stats import StatsSnapshot


TRIGGERS = "atomtrig.triggers"
"""The extension slot holding a space's trigger engine (layers find it there)."""


class AtomSpace(CoreAtomSpace):
    """An AtomSpace with the pattern matcher, triggers, Atomese and storage attached."""

    def __init__(self) -> None:
        super().__init__()
        from atomtrig.triggers.engine import TriggerEngine

        self._triggers = self.extension(TRIGGERS, lambda: TriggerEngine(self))

    # -- triggers (atomtrig.triggers) ----------------------------------------------------------
    @property
    def triggers(self) -> TriggerEngine:
        """The trigger engine: registered triggers, options, journal, scheduler."""
        return self._triggers

    def add_trigger(self, link_type: str, outgoing: list[Atom], **options: Any) -> Link:
        """Add a trigger link with its options (``mode="async"``, ``every_update=True``,
        ``full_query=True``, ``max_depth=n``) in force from its first firing."""
        return self._triggers.add_trigger(link_type, outgoing, **options)

    def wait_for_triggers(self, timeout: float | None = None) -> bool:
        """Wait until every queued asynchronous trigger firing has run (False on timeout)."""
        return self._triggers.wait(timeout)

    def trigger_stats(self, trigger: Link | None = None) -> list[StatsSnapshot]:
        """Per-trigger statistics: fired, failed, last error, last fired time, mean duration."""
        return self._triggers.stats(trigger)

    # -- pattern matching (atomtrig.query) ---------------------------------------------------------
    def match(
        self,
        pattern: Atom,
        *,
        anchor: Atom | None = None,
        fixed: Any = None,
        limit: int | None = None,
    ) -> list[dict[Atom, Any]]:
        """The groundings of a pattern scope link (Bind/Query/Get/Meet/Satisfaction), each a
        dict variable -> atom (a glob: tuple of atoms); ``anchor`` keeps those in which some
        clause is grounded by that link; see :func:`atomtrig.query.matcher.match`."""
        from atomtrig.query.matcher import match

        return match(self, pattern, anchor=anchor, fixed=fixed, limit=limit)

    # -- execution (atomtrig.query) ------------------------------------------------------------
    def execute(self, atom: Atom, bindings: Any = None, *, anchor: Atom | None = None) -> Any:
        """Execute ``atom``: run a BindLink/GetLink/PutLink..., an ExecutionOutputLink, arithmetic;
        see :func:`atomtrig.query.execute`."""
        from atomtrig.query.execute import execute

        return execute(self, atom, bindings, anchor=anchor)

    def evaluate(self, atom: Atom, bindings: Any = None) -> Any:
        """The truth value of ``atom`` (``(stv 1 1)`` / ``(stv 0 1)`` for crisp links); see
        :func:`atomtrig.query.evaluate`."""
        from atomtrig.query.evaluate import evaluate

        return evaluate(self, atom, bindings)

    # -- Atomese (atomtrig.atomese) ------------------------------------------------------------
    def eval_atomese(self, text: str, filename: str = "<string>", *, limits: Limits | None = None) -> Any:
        """Run Atomese (Scheme) ``text`` on this space; the value of its last expression.
        Definitions persist between calls; ``limits`` bound this run (see
        :mod:`atomtrig.atomese.limits`); see :mod:`atomtrig.atomese`."""
        from atomtrig.atomese import eval_atomese

        return eval_atomese(self, text, filename, limits=limits)

    def load_atomese(self, path: str | os.PathLike[str], *, limits: Limits | None = None) -> Any:
        """Run the Atomese script at ``path`` on this space (``load`` inside it resolves
        against its folder); the value of its last expression."""
        from atomtrig.atomese import load_atomese

        return load_atomese(self, path, limits=limits)

    # -- persistence (atomtrig.storage) ----------------------------------------------------------
    @classmethod
    def open(
        cls, location: str | os.PathLike[str] | StorageBackend, *, readonly: bool = False,
        create: bool = True, workers: int = 2, schedules: bool = False, lease: float = 30.0,
        **settings: Any,
    ) -> AtomSpace:
        """Open a persistent AtomSpace: a path (the embedded SQLite store, created if missing),
        ``sqlite:///path``, ``postgresql://user@host:port/db`` or a
        :class:`~atomtrig.storage.base.StorageBackend`. Any number of processes may open one
        store at once; each sees the others' commits within a second (:meth:`sync`: at once).
        ``readonly=True`` looks only (nothing is written, run or imported); ``create=False``
        refuses a location with no store; ``workers`` is how many threads run queued
        asynchronous trigger firings here (0: leave them to other processes' workers);
        ``schedules=True`` runs the store's schedules in this process; ``lease`` is how long
        (seconds) a claim on queued firings lasts unrenewed. SQLite settings:
        ``synchronous`` (``"NORMAL"``, or ``"FULL"`` to survive a power cut), ``busy_timeout``.
        See :mod:`atomtrig.storage.open`."""
        from atomtrig.storage.open import open_space

        return open_space(cls, location, readonly=readonly, create=create, workers=workers,
                          schedules=schedules, lease=lease, **settings)

    def sync(self) -> None:
        """Apply, now, what other processes committed to this space's shared store (it happens
        within a second by itself); nothing for a space without one."""
        store = self.store
        sync = getattr(store, "sync", None)
        if sync is not None:
            sync()

    def close(self) -> None:
        """Finish queued trigger work, commit, and release the store of an opened space."""
        from atomtrig.storage.open import close_space

        close_space(self)

    def transaction(self) -> AbstractContextManager[None]:
        """``with space.transaction():`` groups changes: all are committed or, if the block
        raises, none, in the store and in memory; see :mod:`atomtrig.storage.transaction`."""
        from atomtrig.storage.transaction import transaction

        return transaction(self)
