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
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from atomtrig.core.atom import Atom, Link
    from atomtrig.core.atomspace import CoreAtomSpace as AtomSpace


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


class ChangeEvent:
    """One change to one atom, as a listener sees it. Listeners must treat it as read-only:
    the same event object goes to every listener.

    >>> ChangeEvent(ChangeKind.PING, None).link is None
    True
    """

    # A plain slotted class rather than a frozen dataclass: one event is built per watched
    # change (every trigger firing), and the frozen dataclass's object.__setattr__ calls cost
    # about twice as much as plain slot stores.
    __slots__ = ("kind", "atom", "link", "key", "old", "new")

    def __init__(
        self,
        kind: ChangeKind,
        atom: Atom,
        link: Link | None = None,
        key: Atom | None = None,
        old: object = None,
        new: object = None,
    ) -> None:
        self.kind = kind
        self.atom = atom
        self.link = link
        self.key = key
        self.old = old
        self.new = new

    def _fields(self) -> tuple[object, ...]:
        return (self.kind, self.atom, self.link, self.key, self.old, self.new)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not ChangeEvent:
            return NotImplemented
        return self._fields() == other._fields()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        # Atoms compare by identity, so equal events share these three.
        return hash((self.kind, id(self.atom), id(self.link)))

    def __repr__(self) -> str:
        return (
            f"ChangeEvent(kind={self.kind!r}, atom={self.atom!r}, link={self.link!r}, "
            f"key={self.key!r}, old={self.old!r}, new={self.new!r})"
        )


class ChangeListener(Protocol):
    """Receives the events of one change after it was applied and the lock released.

    A listener sets what it wants to see with :meth:`AtomSpace.set_watch` (per atom) and
    :meth:`AtomSpace.set_type_watch` (per type); it then receives those events, in order, for
    every change made through any API.
    """

    def changes_applied(self, space: AtomSpace, events: list[ChangeEvent]) -> None: ...
