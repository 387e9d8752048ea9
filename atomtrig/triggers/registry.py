"""The registry: which triggers are registered, and what the store must tell the engine.

A trigger is registered when its link is added to the store and unregistered when the link is
removed (directly, or because its source was removed recursively). Nothing else registers one.
For each registered trigger the registry asks the store for exactly the events it needs:

==============  =========================  ======================================
trigger         event watched              on
==============  =========================  ======================================
strength        ``TV_CHANGED``             the source atom (or type)
relationship    ``INCOMING_ADDED``         the source atom (or type)
ping            ``PING``                   the source atom (or type)
value           ``VALUE_CHANGED``          the source atom (or type)
(every one)     ``VALUE_CHANGED``          the trigger link (its options)
==============  =========================  ======================================

An atom that no trigger names keeps a watch mask of 0, so the store never calls the engine
about it. The masks other listeners set on the same atoms and types are kept.

>>> Registry.__name__
'Registry'
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from atomtrig.core.events import ChangeKind
from atomtrig.core.types import AtomType, types

if TYPE_CHECKING:
    from atomtrig.core.atom import Atom, Link
    from atomtrig.core.atomspace import CoreAtomSpace as AtomSpace
    from atomtrig.triggers.definitions import Trigger

TRIGGER_LINK = types["TriggerLink"]
LINK_EVENTS = ChangeKind.ATOM_ADDED | ChangeKind.ATOM_REMOVED

MASKS = {
    "strength": ChangeKind.TV_CHANGED,
    "relationship": ChangeKind.INCOMING_ADDED,
    "ping": ChangeKind.PING,
    "value": ChangeKind.VALUE_CHANGED,
    "scheduled": ChangeKind(0),
}


class Watchers:
    """The triggers of one source (an atom, or a concrete atom type), by kind. The tuples are
    replaced, never mutated, so the dispatcher reads them without a lock."""

    __slots__ = ("ping", "relationship", "strength", "value")

    def __init__(self) -> None:
        self.strength: tuple[Trigger, ...] = ()
        self.relationship: tuple[Trigger, ...] = ()
        self.ping: tuple[Trigger, ...] = ()
        self.value: tuple[Trigger, ...] = ()

    def add(self, trigger: Trigger) -> None:
        setattr(self, trigger.kind, getattr(self, trigger.kind) + (trigger,))

    def discard(self, trigger: Trigger) -> None:
        setattr(self, trigger.kind, tuple(t for t in getattr(self, trigger.kind) if t is not trigger))

    def mask(self) -> int:
        m = 0
        for kind in ("strength", "relationship", "ping", "value"):
            if getattr(self, kind):
                m |= MASKS[kind]
        return m


class Registry:
    """The triggers registered on one AtomSpace."""

    def __init__(self, space: AtomSpace) -> None:
        self.space = space
        self.lock = threading.RLock()
        self.by_link: dict[Link, Trigger] = {}
        self.by_atom: dict[Atom, Watchers] = {}
        self.by_root_type: dict[AtomType, Watchers] = {}
        self.by_type: dict[AtomType, Watchers] = {}
        """Concrete type -> the watchers of every root type it descends from."""
        self._atom_masks: dict[Atom, int] = {}
        self._type_masks: dict[AtomType, int] = {}
        self._set_type_mask(TRIGGER_LINK, int(LINK_EVENTS))

    # -- watch masks, shared politely with other listeners -----------------------------------
    def _set_atom_mask(self, atom: Atom, mine: int) -> None:
        if atom._space is not self.space:
            self._atom_masks.pop(atom, None)
            return
        old_mine = self._atom_masks.get(atom, 0)
        if mine == old_mine:
            return
        others = atom._watch & ~old_mine
        if mine:
            self._atom_masks[atom] = mine
        else:
            self._atom_masks.pop(atom, None)
        self.space.set_watch(atom, others | mine)

    def _set_type_mask(self, t: AtomType, mine: int) -> None:
        old_mine = self._type_masks.get(t, 0)
        if mine == old_mine and t in self._type_masks:
            return
        others = self.space.type_watch(t) & ~old_mine
        self._type_masks[t] = mine
        if not mine:
            del self._type_masks[t]
        self.space.set_type_watch(t, others | mine)

    @staticmethod
    def _own_link_events(t: AtomType) -> int:
        return int(LINK_EVENTS) if t is TRIGGER_LINK else 0

    def _atom_mask(self, atom: Atom) -> int:
        watchers = self.by_atom.get(atom)
        mask = watchers.mask() if watchers is not None else 0
        if atom in self.by_link:
            mask |= ChangeKind.VALUE_CHANGED
        return mask

    # -- registering ---------------------------------------------------------------------------
    def add(self, trigger: Trigger) -> None:
        with self.lock:
            self.by_link[trigger.link] = trigger
            if trigger.kind != "scheduled":
                if trigger.source_type is not None:
                    root = trigger.source_type
                    watchers = self.by_root_type.setdefault(root, Watchers())
                    watchers.add(trigger)
                    self._set_type_mask(root, watchers.mask() | self._own_link_events(root))
                    self._expand_types()
                else:
                    assert trigger.source is not None
                    self.by_atom.setdefault(trigger.source, Watchers()).add(trigger)
                    self._set_atom_mask(trigger.source, self._atom_mask(trigger.source))
            self._set_atom_mask(trigger.link, self._atom_mask(trigger.link))

    def remove(self, link: Link) -> Trigger | None:
        with self.lock:
            trigger = self.by_link.pop(link, None)
            if trigger is None:
                return None
            self._atom_masks.pop(link, None)  # the link left the store; its mask went with it
            if trigger.kind != "scheduled":
                if trigger.source_type is not None:
                    root = trigger.source_type
                    watchers = self.by_root_type[root]
                    watchers.discard(trigger)
                    if not watchers.mask():
                        del self.by_root_type[root]
                    self._set_type_mask(root, watchers.mask() | self._own_link_events(root))
                    self._expand_types()
                else:
                    source = trigger.source
                    assert source is not None
                    own = self.by_atom.get(source)
                    if own is not None:
                        own.discard(trigger)
                        if not own.mask():
                            del self.by_atom[source]
                    self._set_atom_mask(source, self._atom_mask(source))
            return trigger

    def _expand_types(self) -> None:
        expanded: dict[AtomType, Watchers] = {}
        for root, watchers in self.by_root_type.items():
            for sub in types.subtypes(root):
                merged = expanded.setdefault(sub, Watchers())
                for kind in ("strength", "relationship", "ping", "value"):
                    setattr(merged, kind, getattr(merged, kind) + getattr(watchers, kind))
        self.by_type = expanded

    def type_watchers(self, t: AtomType) -> Watchers | None:
        """The type-sourced triggers an atom of concrete type ``t`` is watched by (types declared
        after the triggers were registered are expanded here, on first sight)."""
        found = self.by_type.get(t)
        if found is None and self.by_root_type:
            with self.lock:
                if any(root in t.ancestors for root in self.by_root_type):
                    self._expand_types()
                    found = self.by_type.get(t)
        return found

    def triggers(self) -> list[Trigger]:
        with self.lock:
            return list(self.by_link.values())
