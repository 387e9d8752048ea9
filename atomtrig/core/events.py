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


@dataclass(frozen=True, slots=True, init=False)
class ChangeEvent:
    """One change to one atom, as a listener sees it.

    >>> ChangeEvent(ChangeKind.PING, None).link is None
    True
    """

    kind: ChangeKind
    atom: Atom
    link: Link | None = None
    key: Atom | None = None
    old: object = None
    new: object = None

    def __init__(
        self,
        kind: ChangeKind,
        atom: Atom,
        link: Link | None = None,
        key: Atom | None = None,
        old: object = None,
        new: object = None,
    ) -> None:
        # One event is built per change a listener watches (every trigger firing): setting the
        # slots through their descriptors is about twice as fast as the frozen dataclass's
        # generated ``object.__setattr__`` calls.
        _set_kind(self, kind)
        _set_atom(self, atom)
        _set_link(self, link)
        _set_key(self, key)
        _set_old(self, old)
        _set_new(self, new)


_set_kind = ChangeEvent.kind.__set__  # type: ignore[attr-defined]
_set_atom = ChangeEvent.atom.__set__  # type: ignore[attr-defined]
_set_link = ChangeEvent.link.__set__  # type: ignore[attr-defined]
_set_key = ChangeEvent.key.__set__  # type: ignore[attr-defined]
_set_old = ChangeEvent.old.__set__  # type: ignore[attr-defined]
_set_new = ChangeEvent.new.__set__  # type: ignore[attr-defined]


class ChangeListener(Protocol):
    """Receives the events of one change after it was applied and the lock released.

    A listener sets what it wants to see with :meth:`AtomSpace.set_watch` (per atom) and
    :meth:`AtomSpace.set_type_watch` (per type); it then receives those events, in order, for
    every change made through any API.
    """

    def changes_applied(self, space: AtomSpace, events: list[ChangeEvent]) -> None: ...
