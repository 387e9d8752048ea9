"""Change events: the one narrow point through which every change a trigger could react to passes.

The AtomSpace never calls out to listeners for an atom nobody watches. The check is a single
attribute read per atom involved (``atom._watch``, an int bit mask that is 0 unless a listener
asked to watch that atom) plus one set-membership test of the atom's type against the watched
types, which is empty unless someone watches a whole type. Events are collected while the change
is applied and handed to the listeners after the store's lock is released, so a listener may read
and write the store.

>>> from atomtrig.core.events import ChangeKind
>>> bool(ChangeKind.TV_CHANGED & ChangeKind.ANY)
True
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from atomtrig.core.atom import Atom, Link
    from atomtrig.core.atomspace import AtomSpace


class ChangeKind(enum.IntFlag):
    """What changed. Used both as an event's kind and as a watch mask."""

    ATOM_ADDED = 1
    """A new atom joined the store."""
    INCOMING_ADDED = 2
    """A new link joined the atom's incoming set (``link`` is the new link)."""
    TV_CHANGED = 4
    """The atom's truth value was set (``old`` and ``new`` are truth values)."""
    VALUE_CHANGED = 8
    """A value under ``key`` was set or removed (``old``/``new``, None for absent)."""
    ATOM_REMOVED = 16
    """The atom left the store."""
    PING = 32
    """Someone pinged the atom; nothing changed."""
    ANY = 63


@dataclass(frozen=True, slots=True)
class ChangeEvent:
    """One change to one atom, as a listener sees it."""

    kind: ChangeKind
    atom: Atom
    link: Link | None = None
    key: Atom | None = None
    old: object = None
    new: object = None


class ChangeListener(Protocol):
    """Receives the events of one change after it was applied and the lock released.

    A listener sets what it wants to see with :meth:`AtomSpace.set_watch` (per atom) and
    :meth:`AtomSpace.set_type_watch` (per type); it then receives those events, in order, for
    every change made through any API.
    """

    def changes_applied(self, space: AtomSpace, events: list[ChangeEvent]) -> None: ...
