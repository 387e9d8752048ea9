"""The hook through which a persistent store (``atomtrig.storage``) sees every change.

Change listeners (:mod:`atomtrig.core.events`) see what they watch, after the fact and outside
the lock. A store needs more: every change, in the order it was applied, and a point at which
one API call is over so it can commit. The AtomSpace calls the one hook attached with
:meth:`AtomSpace.attach_store`; a space with no hook pays nothing on its insert path (the check
rides on the ``_watching`` flag the insert path tests anyway) and one ``is not None`` test per
truth-value, value or removal change.

Calls, in the order a change is applied:

- ``added(atom)``: a new atom joined the space (may be called twice for one atom).
- ``tv_changed(atom, old)``: the atom's truth value was set; ``old`` is the previous one.
- ``tv_revised(atom, old)``: the same, by :meth:`AtomSpace.revise_tv`: the new value was
  computed from ``old``, so a store shared by several processes commits it only if it still
  holds ``old``.
- ``value_changed(atom, key, old)``: the value under ``key`` was set or removed.
- ``removing(atom)``: the atom is about to leave the space (called with the space's lock held,
  so it must not block); it still has its truth value and values.
- ``clearing()``: :meth:`AtomSpace.clear` is about to remove every atom (called with the lock
  held; the atoms are still there).
- ``call_done()``: the API call that made the changes above is over and the change listeners
  have run; the store may commit.

And, asked by :meth:`AtomSpace.when_committed`: ``defer(on_commit, on_discard)`` — True if a
transaction of this thread is open (the callbacks then run at its end), else False.

>>> from atomtrig.core.atomspace import CoreAtomSpace as AtomSpace
>>> class Log:
...     def __init__(self): self.calls = []
...     def added(self, atom): self.calls.append(("added", atom.name))
...     def tv_changed(self, atom, old): self.calls.append(("tv", atom.name))
...     def tv_revised(self, atom, old): self.calls.append(("tv", atom.name))
...     def value_changed(self, atom, key, old): self.calls.append(("value", atom.name))
...     def removing(self, atom): self.calls.append(("removing", atom.name))
...     def call_done(self): self.calls.append(("done",))
...     def clearing(self): self.calls.append(("clearing",))
>>> space, log = AtomSpace(), Log()
>>> space.attach_store(log)
>>> cat = space.add_node("Concept", "cat")
>>> log.calls
[('added', 'cat'), ('done',)]
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from atomtrig.core.atom import Atom
    from atomtrig.core.truthvalue import TruthValue


class StoreHook(Protocol):
    """What :meth:`AtomSpace.attach_store` expects; see the module docstring."""

    def added(self, atom: Atom) -> None: ...

    def tv_changed(self, atom: Atom, old: TruthValue) -> None: ...

    def tv_revised(self, atom: Atom, old: TruthValue) -> None: ...

    def value_changed(self, atom: Atom, key: Atom, old: object) -> None: ...

    def removing(self, atom: Atom) -> None: ...

    def clearing(self) -> None: ...

    def call_done(self) -> None: ...

    def defer(self, on_commit: Callable[[], None], on_discard: Callable[[], None] | None) -> bool: ...
