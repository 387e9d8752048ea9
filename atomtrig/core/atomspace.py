"""The AtomSpace: a hash-consed, thread-safe store of atoms with incoming sets and a type index.

Atoms are kept in one dictionary per type, keyed by name (nodes) or outgoing tuple (links): that
dictionary is both the uniqueness table and the type index. Each atom keeps its incoming set
bucketed by link type.

>>> space = CoreAtomSpace()
>>> cat, animal = space.add_node("Concept", "cat"), space.add_node("Concept", "animal")
>>> inh = space.add_link("Inheritance", [cat, animal], tv=stv(0.9, 0.8))
>>> cat.incoming_by_type("InheritanceLink") == (inh,)
True
>>> len(space), inh in space
(3, True)
"""

from __future__ import annotations

import threading
from operator import attrgetter
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

from atomtrig.core.atom import SMALL_INCOMING, Atom, Link, Node
from atomtrig.core.errors import (
    AtomNotInSpaceError,
    DefinitionError,
    IncomingSetError,
    InvalidAtomError,
)
from atomtrig.core.events import ChangeEvent, ChangeKind, ChangeListener
from atomtrig.core.printer import to_oneline, to_sexpr
from atomtrig.core.store_hook import StoreHook
from atomtrig.core.truthvalue import TruthValue, stv
from atomtrig.core.types import AtomType, types
from atomtrig.core.values import as_value
from atomtrig.core.variables import is_closed

__all__ = ["CoreAtomSpace", "stv"]

_NUMBER_NODE = types["NumberNode"]
_PREDICATE_NODE = types["PredicateNode"]
_STATE_LINK = types["StateLink"]
_DEFINE_LINK = types["DefineLink"]
_DELETE_LINK = types["DeleteLink"]
_SPECIAL_LINKS = frozenset({_STATE_LINK, _DEFINE_LINK, _DELETE_LINK})
_CONCRETE_NODES = types.concrete_nodes
_CONCRETE_LINKS = types.concrete_links

_ADDED = ChangeKind.ATOM_ADDED
_INCOMING = ChangeKind.INCOMING_ADDED
_TV = ChangeKind.TV_CHANGED
_VALUE = ChangeKind.VALUE_CHANGED
_REMOVED = ChangeKind.ATOM_REMOVED
_PING = ChangeKind.PING
# Plain ints for the mask tests on the hot paths: ``int & IntFlag`` goes through enum's
# Python-level __and__ (about a microsecond), ``int & int`` does not.
_ADDED_BIT = int(_ADDED)
_INCOMING_BIT = int(_INCOMING)
_TV_BIT = int(_TV)
_VALUE_BIT = int(_VALUE)
_REMOVED_BIT = int(_REMOVED)
_PING_BIT = int(_PING)


def canonical_number_name(name: object) -> str:
    """NumberNodes compare by value: ``"3.0"``, ``"3"`` and ``3`` all name ``(NumberNode "3")``.

    A NumberNode may hold a vector: ``"1 2.5"``.
    """
    from atomtrig.core.truthvalue import format_number

    if isinstance(name, bool) or not isinstance(name, (int, float, str)):
        raise InvalidAtomError(f"a NumberNode's name must be a number, not {type(name).__name__} {name!r}")
    try:
        numbers = [float(part) for part in (name.split() if isinstance(name, str) else [name])]
    except ValueError:
        numbers = []
    except OverflowError:  # an int past the float range
        raise InvalidAtomError(
            f"a NumberNode's number (an integer of {int(name).bit_length()} bits) is too large "
            "for a floating-point number"
        ) from None
    if not numbers:
        raise InvalidAtomError(f"a NumberNode's name must be a number, not {name!r}")
    return " ".join(format_number(x) for x in numbers)


def _sort_key(atom: Atom) -> tuple[Any, ...]:
    if atom.is_node():
        return (0, atom.type.name, atom.name)
    return (1, atom.type.name, tuple(_sort_key(child) for child in atom.out))


_node_key = attrgetter("type.name", "name")
_name_key = attrgetter("name")


def canonical_order(out: tuple[Atom, ...]) -> tuple[Atom, ...]:
    """The stored order of an unordered link's outgoing set: sorted by type, then name or
    contents, so it is the same in every process."""
    if len(out) < 2:
        return out
    first_type = out[0].type
    same_type = True
    for atom in out:
        if atom.__class__ is not Node:
            return tuple(sorted(out, key=_sort_key))
        if atom.type is not first_type:
            same_type = False
    # Only nodes (the usual GetLink result): the same order as _sort_key, with C-level keys.
    return tuple(sorted(out, key=_name_key if same_type else _node_key))


T = TypeVar("T")

class CoreAtomSpace:
    """A store of unique atoms. Safe to use from several threads.

    Types are accepted as :class:`AtomType` objects or names (full or short).
    """

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._tables: dict[AtomType, dict[Any, Atom]] = {}
        self._listeners: list[ChangeListener] = []
        self._watched: set[Atom] = set()
        self._type_watch_roots: dict[AtomType, int] = {}
        self._type_watch: dict[AtomType, int] = {}
        self._watching = False
        self._incoming_type_watch = False
        self._context_tokens: list[object] = []
        self._store: StoreHook | None = None
        self._extensions: dict[str, Any] = {}

    # -- types -------------------------------------------------------------------------------
    @staticmethod
    def _node_type(t: AtomType | str) -> AtomType:
        atom_type = types[t]
        if not atom_type.is_node or atom_type.abstract:
            kind = "abstract" if atom_type.abstract else "a link type"
            raise InvalidAtomError(f"add_node needs a concrete node type; {atom_type.name} is {kind}")
        return atom_type

    @staticmethod
    def _link_type(t: AtomType | str) -> AtomType:
        atom_type = types[t]
        if not atom_type.is_link or atom_type.abstract:
            kind = "abstract" if atom_type.abstract else "a node type"
            raise InvalidAtomError(f"add_link needs a concrete link type; {atom_type.name} is {kind}")
        return atom_type

    def _table(self, t: AtomType) -> dict[Any, Atom]:
        table = self._tables.get(t)
        if table is None:
            with self._lock:
                table = self._tables.setdefault(t, {})
                if self._type_watch_roots:
                    self._expand_type_watch()
        return table

    # -- adding ------------------------------------------------------------------------------
    def add_node(self, type: AtomType | str, name: str, tv: TruthValue | None = None) -> Node:
        """Add the node ``(type name)``, or return the one already there.

        >>> space = CoreAtomSpace()
        >>> space.add_node("Concept", "cat") is space.add_node("ConceptNode", "cat")
        True
        """
        try:
            t = _CONCRETE_NODES[type]
        except (KeyError, TypeError):
            t = self._node_type(type)
        if name.__class__ is not str or t is _NUMBER_NODE:
            if t is _NUMBER_NODE:
                name = canonical_number_name(name)
            else:
                raise InvalidAtomError(
                    f"a node's name must be a string, not {name.__class__.__name__} {name!r}"
                )
        table = self._tables.get(t) or self._table(t)
        atom = table.get(name)
        created = False
        if atom is None:
            # No lock needed: setdefault on a str key is atomic, and a node has no outgoing
            # set whose incoming sets would need updating.
            fresh = Node(t, name, self)
            atom = table.setdefault(name, fresh)
            created = atom is fresh
        if tv is not None or (
            created and self._watching and (self._store is not None or t in self._type_watch)
        ):
            self._after_add(atom, created, tv)
        return atom  # type: ignore[return-value]

    def add_link(
        self, type: AtomType | str, outgoing: Iterable[Atom], tv: TruthValue | None = None
    ) -> Link:
        """Add the link ``(type outgoing...)``, or return the one already there.

        Atoms of another AtomSpace in ``outgoing`` are copied into this one. Adding a closed
        StateLink replaces the key's previous state; adding a second DefineLink for a name raises
        :class:`DefinitionError`; adding a closed DeleteLink removes its atoms and returns None.
        """
        try:
            t = _CONCRETE_LINKS[type]
        except (KeyError, TypeError):
            t = self._link_type(type)
        out = outgoing if outgoing.__class__ is tuple else tuple(outgoing)  # type: ignore[arg-type]
        for a in out:
            try:
                if a._space is not self:  # type: ignore[union-attr]
                    out = self._adopt(out)  # type: ignore[arg-type]
                    break
            except AttributeError:
                raise InvalidAtomError(
                    f"the outgoing set of a {t.name} must hold atoms; got "
                    f"{a.__class__.__name__} {a!r} at position {out.index(a)}"
                ) from None
        if t.unordered and len(out) > 1:
            out = canonical_order(out)  # type: ignore[arg-type]
        if t in _SPECIAL_LINKS:
            return self._add_special_link(t, out, tv)  # type: ignore[arg-type,return-value]
        table = self._tables.get(t) or self._table(t)
        atom: Atom | None = table.get(out)
        created = False
        if atom is None:
            with self._lock:
                atom = table.get(out)
                if atom is None:
                    for a in out:
                        if a._space is not self:  # removed by another thread meanwhile
                            self._check_member(a)
                    atom = self._insert_link(t, out, table)  # type: ignore[arg-type]
                    created = True
        if tv is not None or (created and self._watching and self._reports_new_link(atom)):
            self._after_add(atom, created, tv)
        return atom  # type: ignore[return-value]

    def _insert_link(self, t: AtomType, out: tuple[Atom, ...], table: dict[Any, Atom]) -> Link:
        # Called with the lock held.
        link = Link(t, out, self)
        table[out] = link
        if len(out) == 2:
            first, second = out
            members: tuple[Atom, ...] = (first,) if first is second else out
        elif len(out) < 2:
            members = out
        else:
            members = tuple(dict.fromkeys(out))
        for member in members:
            holders = member._incoming
            if holders is None:
                member._incoming = link
            elif holders.__class__ is dict:
                bucket = holders.get(t)  # type: ignore[union-attr]
                if bucket is None:
                    holders[t] = [link]  # type: ignore[index]
                else:
                    bucket.append(link)
            elif holders.__class__ is list:
                holders.append(link)  # type: ignore[union-attr]
                if len(holders) > SMALL_INCOMING:  # type: ignore[arg-type]
                    member._incoming = _bucketed(holders)  # type: ignore[arg-type]
            else:
                member._incoming = [holders, link]  # type: ignore[list-item]
        return link

    def _adopt(self, out: tuple[Any, ...]) -> tuple[Atom, ...]:
        adopted: list[Atom] = []
        for position, a in enumerate(out):
            if not isinstance(a, Atom):
                raise InvalidAtomError(
                    f"an outgoing set must hold atoms; got {type(a).__name__} {a!r} "
                    f"at position {position}"
                )
            if a._space is self:
                adopted.append(a)
            elif a._space is None:
                raise AtomNotInSpaceError(
                    f"{a.short()} at position {position} was removed from its AtomSpace"
                )
            else:
                adopted.append(self.add_atom(a))
        return tuple(adopted)

    def add_atom(self, atom: Atom) -> Atom:
        """Add a copy of an atom of another AtomSpace (with its truth value); an atom of this
        space is returned as it is."""
        if atom._space is self:
            return atom
        tv = None if atom.tv == stv(1, 0) else atom.tv
        if atom.is_node():
            return self.add_node(atom.type, atom.name, tv)
        result = self.add_link(atom.type, [self.add_atom(c) for c in atom.out], tv)
        if result is None:
            raise InvalidAtomError(f"{atom.short()} deletes atoms and cannot be copied")
        return result

    def _add_special_link(
        self, t: AtomType, out: tuple[Atom, ...], tv: TruthValue | None
    ) -> Link | None:
        if t is _DELETE_LINK:
            probe = Link(t, out, self)  # not stored; used only to test closedness
            if is_closed(probe):
                for target in out:
                    if target._space is self:
                        self.remove(target, recursive=True)
                return None
        table = self._table(t)
        with self._lock:
            if t is _DEFINE_LINK and out:
                for existing in out[0].incoming_by_type(_DEFINE_LINK):
                    if existing.out[0] is out[0] and existing.out != out:
                        raise DefinitionError(
                            f"{out[0].short()} is already defined as "
                            f"{to_oneline(existing.out[1]) if len(existing.out) > 1 else '()'}; "
                            "remove that DefineLink first"
                        )
            atom: Atom | None = table.get(out)
            created = atom is None
            if atom is None:
                atom = self._insert_link(t, out, table)
                if self._store is not None:  # so a StateLink swap commits as one change
                    self._store.added(atom)
            replaced: list[Atom] = []
            if created and t is _STATE_LINK and len(out) == 2 and is_closed(atom):
                for state in out[0].incoming_by_type(_STATE_LINK):
                    if state is not atom and state.out[0] is out[0] and is_closed(state):
                        replaced.append(state)
        for previous in replaced:
            if previous._space is self:
                self.remove(previous, recursive=True)
        if tv is not None or (created and self._watching):
            self._after_add(atom, created, tv)
        return atom  # type: ignore[return-value]

    def _reports_new_link(self, link: Atom) -> bool:
        """Whether a new link concerns a store or a listener. Inlined tests, because with only
        trigger link types watched (every user-facing space) this runs for every new link."""
        if self._store is not None or link.type in self._type_watch or self._incoming_type_watch:
            return True
        for member in link.out:
            if member._watch:
                return True
        return False

    def _after_add(self, atom: Atom, created: bool, tv: TruthValue | None) -> None:
        old_tv = atom._tv
        if tv is not None:
            if not isinstance(tv, TruthValue):
                self._check_tv(tv)
            atom._tv = tv
        store = self._store
        if store is not None:
            if created:
                store.added(atom)
            if tv is not None:
                store.tv_changed(atom, old_tv)
        if self._watched or self._type_watch:  # (_watching is also set by a store alone)
            self._emit_added(atom, created, tv, old_tv)
        if store is not None:
            store.call_done()

    def _emit_added(
        self, atom: Atom, created: bool, tv: TruthValue | None, old_tv: TruthValue
    ) -> None:
        events: list[ChangeEvent] = []
        type_watch = self._type_watch
        if created:
            if type_watch and type_watch.get(atom.type, 0) & _ADDED_BIT:
                events.append(ChangeEvent(_ADDED, atom))
            # Most stores watch no type's incoming sets (the trigger engine watches trigger
            # links being added): then each member costs one integer test.
            incoming_types = type_watch if self._incoming_type_watch else None
            for member in atom.out:
                if member._watch & _INCOMING_BIT or (
                    incoming_types and incoming_types.get(member.type, 0) & _INCOMING_BIT
                ):
                    if events and any(e.atom is member and e.kind is _INCOMING for e in events):
                        continue  # an atom twice in one link: one event
                    events.append(ChangeEvent(_INCOMING, member, atom))  # type: ignore[arg-type]
        # (_watches inlined: a trigger's rewrite adds its links with a truth value, so this runs
        # once per firing)
        if tv is not None and (atom._watch | type_watch.get(atom.type, 0)) & _TV_BIT:
            events.append(ChangeEvent(_TV, atom, old=old_tv, new=tv))
        if events:
            self._emit(events)

    # -- looking up --------------------------------------------------------------------------
    def get_node(self, type: AtomType | str, name: str) -> Node | None:
        """The node ``(type name)`` if it is in the space, else None (nothing is added)."""
        t = types[type]
        if t is _NUMBER_NODE:
            name = canonical_number_name(name)
        table = self._tables.get(t)
        return table.get(name) if table else None  # type: ignore[return-value]

    def get_link(self, type: AtomType | str, outgoing: Iterable[Atom]) -> Link | None:
        """The link ``(type outgoing...)`` if it is in the space, else None."""
        t = types[type]
        out = tuple(outgoing)
        if any(not isinstance(a, Atom) or a._space is not self for a in out):
            return None
        if t.unordered:
            out = canonical_order(out)
        table = self._tables.get(t)
        return table.get(out) if table else None  # type: ignore[return-value]

    def get_atoms_by_type(self, type: AtomType | str, subtypes: bool = True) -> list[Atom]:
        """Every atom of ``type`` (and, by default, of its subtypes).

        >>> space = CoreAtomSpace()
        >>> _ = space.add_node("GroundedSchemaNode", "py:f")
        >>> len(space.get_atoms_by_type("SchemaNode")), len(space.get_atoms_by_type("SchemaNode", subtypes=False))
        (1, 0)
        """
        t = types[type]
        with self._lock:
            if not subtypes:
                return list(self._tables.get(t, {}).values())
            result: list[Atom] = []
            for table_type, table in self._tables.items():
                if t in table_type.ancestors:
                    result.extend(table.values())
            return result

    def count_by_type(self, type: AtomType | str, subtypes: bool = True) -> int:
        """How many atoms of ``type`` there are, without building a list."""
        t = types[type]
        if not subtypes:
            return len(self._tables.get(t, ()))
        return sum(len(tb) for tt, tb in self._tables.items() if t in tt.ancestors)

    def __len__(self) -> int:
        return sum(len(table) for table in list(self._tables.values()))

    def __contains__(self, atom: object) -> bool:
        return isinstance(atom, Atom) and atom._space is self

    def __iter__(self) -> Iterator[Atom]:
        """Every atom; nodes before links, so an atom's outgoing atoms come before it."""
        with self._lock:
            snapshot = [tb for t, tb in self._tables.items() if t.is_node]
            snapshot += [tb for t, tb in self._tables.items() if t.is_link]
            atoms = [a for tb in snapshot for a in tb.values()]
        nodes = [a for a in atoms if a.is_node()]
        links = [a for a in atoms if a.is_link()]
        return iter(nodes + _topological(links))

    def __repr__(self) -> str:
        return f"<AtomSpace with {len(self)} atoms>"

    # -- truth values and values -------------------------------------------------------------
    @staticmethod
    def _check_tv(tv: object) -> None:
        if not isinstance(tv, TruthValue):
            raise InvalidAtomError(
                f"a truth value must be made with stv() or ctv(), not {type(tv).__name__} {tv!r}"
            )

    def _check_member(self, atom: object, argument: str = "atom") -> None:
        if not isinstance(atom, Atom):
            raise InvalidAtomError(f"{argument} must be an atom, not {type(atom).__name__} {atom!r}")
        if atom._space is not self:
            where = "was removed from" if atom._space is None else "belongs to another"
            raise AtomNotInSpaceError(f"{atom.short()} {where} AtomSpace")

    def set_tv(self, atom: Atom, tv: TruthValue) -> None:
        """Set ``atom``'s truth value (``atom.tv = tv`` does the same)."""
        self._check_member(atom)
        self._check_tv(tv)
        with self._lock:
            old = atom._tv
            atom._tv = tv
        store = self._store
        if store is not None:
            store.tv_changed(atom, old)
        if self._watching and self._watches(atom, _TV_BIT):
            self._emit([ChangeEvent(_TV, atom, old=old, new=tv)])
        if store is not None:
            store.call_done()

    def revise_tv(self, atom: Atom, revise: Callable[[TruthValue], TruthValue]) -> TruthValue:
        """Replace ``atom``'s truth value by ``revise(current)`` and return it: an update that
        builds on the current value (evidence merged, a count that grows). Unlike
        :meth:`set_tv`, a store shared by several processes commits it only if the stored
        value is still the one it was computed from; otherwise the commit raises the store's
        ``TruthValueConflictError`` (nothing of it is committed; sync and revise again), so no
        process's revision is lost to another's overwrite.

        >>> from atomtrig.core.truthvalue import ctv
        >>> space = CoreAtomSpace()
        >>> seen = space.add_node("Concept", "seen", tv=ctv(1, 0.5, 1))
        >>> space.revise_tv(seen, lambda tv: ctv(tv.mean, tv.confidence, tv.count + 1))
        (ctv 1 0.5 2)
        """
        self._check_member(atom)
        with self._lock:
            old = atom._tv
            tv = revise(old)
            self._check_tv(tv)
            atom._tv = tv
        store = self._store
        if store is not None:
            store.tv_revised(atom, old)
        if self._watching and self._watches(atom, _TV_BIT):
            self._emit([ChangeEvent(_TV, atom, old=old, new=tv)])
        if store is not None:
            store.call_done()
        return tv

    def _key_atom(self, key: Atom | str, create: bool) -> Atom | None:
        if isinstance(key, str):
            return self.add_node(_PREDICATE_NODE, key) if create else self.get_node(_PREDICATE_NODE, key)
        self._check_member(key, "key")
        return key

    def set_value(self, atom: Atom, key: Atom | str, value: Any) -> None:
        """Set the value under ``key`` (an atom, or a string naming a PredicateNode); None removes
        it.

        >>> space = CoreAtomSpace()
        >>> cat = space.add_node("Concept", "cat")
        >>> space.set_value(cat, "weight", [4.2])
        >>> cat.get_value("weight")
        (FloatValue 4.2)
        """
        self._check_member(atom)
        checked = None if value is None else as_value(value)
        key_atom = self._key_atom(key, create=True)
        assert key_atom is not None
        with self._lock:
            values = atom._values
            old = values.get(key_atom) if values else None
            if checked is None:
                if values:
                    values.pop(key_atom, None)
            elif values is None:
                atom._values = {key_atom: checked}
            else:
                values[key_atom] = checked
        store = self._store
        if store is not None:
            store.value_changed(atom, key_atom, old)
        if self._watching and self._watches(atom, _VALUE_BIT):
            self._emit([ChangeEvent(_VALUE, atom, key=key_atom, old=old, new=checked)])
        if store is not None:
            store.call_done()

    def get_value(self, atom: Atom, key: Atom | str) -> Any:
        """The value under ``key``, or None."""
        key_atom = self._key_atom(key, create=False)
        values = atom._values
        return values.get(key_atom) if values and key_atom is not None else None

    # -- removing ----------------------------------------------------------------------------
    def remove(self, atom: Atom, recursive: bool = False) -> int:
        """Remove ``atom``. With ``recursive=True`` also every link that contains it (and so on
        upwards); without, an atom that other links contain is refused. Returns how many atoms
        were removed.

        >>> space = CoreAtomSpace()
        >>> a = space.add_node("Concept", "a")
        >>> _ = space.add_link("List", [a])
        >>> space.remove(a, recursive=True)
        2
        """
        self._check_member(atom)
        with self._lock:
            if atom._space is not self:  # removed meanwhile by another thread
                raise AtomNotInSpaceError(f"{atom.short()} was removed from its AtomSpace")
            if not recursive and atom._incoming is not None:
                holders = atom.incoming
                sample = ", ".join(to_oneline(h) for h in holders[:3])
                raise IncomingSetError(
                    f"cannot remove {atom.short()}: {len(holders)} link(s) contain it ({sample}"
                    f"{', ...' if len(holders) > 3 else ''}); pass recursive=True to remove them too"
                )
            doomed = _upward_closure(atom)
            events: list[ChangeEvent] = []
            watching = self._watching
            store = self._store
            for victim in doomed:
                if watching and self._watches(victim, _REMOVED_BIT):
                    events.append(ChangeEvent(_REMOVED, victim))
                if store is not None:
                    store.removing(victim)
                self._unlink(victim)
        if events:
            self._emit(events)
        if store is not None:
            store.call_done()
        return len(doomed)

    def _unlink(self, atom: Atom) -> None:
        # Called with the lock held; ``atom``'s incoming set is already empty.
        t = atom.type
        key = atom.name if atom.is_node() else atom.out
        del self._tables[t][key]
        for member in dict.fromkeys(atom.out):
            _drop_holder(member, atom)  # type: ignore[arg-type]
        if atom._watch:
            self._watched.discard(atom)
            atom._watch = 0
        atom._space = None

    def clear(self) -> None:
        """Remove every atom."""
        store = self._store
        with self._lock:
            if store is not None:
                store.clearing()
            for table in self._tables.values():
                for atom in table.values():
                    atom._space = None
                    atom._incoming = None
                    atom._watch = 0
                table.clear()  # in place: lock-free node adds may hold a table
            self._watched.clear()
            self._watching = bool(self._type_watch) or self._store is not None
        if store is not None:
            store.call_done()

    # -- change events -----------------------------------------------------------------------
    def add_listener(self, listener: ChangeListener) -> None:
        """Receive the events of the atoms and types watched with :meth:`set_watch` and
        :meth:`set_type_watch` (see :mod:`atomtrig.core.events`)."""
        with self._lock:
            if listener not in self._listeners:
                self._listeners.append(listener)

    def remove_listener(self, listener: ChangeListener) -> None:
        with self._lock:
            if listener in self._listeners:
                self._listeners.remove(listener)

    def set_watch(self, atom: Atom, mask: int) -> None:
        """Ask for the events in ``mask`` (:class:`ChangeKind` flags; 0 stops) for one atom."""
        self._check_member(atom)
        with self._lock:
            atom._watch = int(mask)
            if mask:
                self._watched.add(atom)
            else:
                self._watched.discard(atom)
            self._watching = bool(self._watched or self._type_watch) or self._store is not None

    def set_type_watch(self, type: AtomType | str, mask: int) -> None:
        """Ask for the events in ``mask`` for every atom of ``type`` and its subtypes."""
        t = types[type]
        with self._lock:
            if mask:
                self._type_watch_roots[t] = int(mask)
            else:
                self._type_watch_roots.pop(t, None)
            self._expand_type_watch()

    def type_watch(self, type: AtomType | str) -> int:
        """The events asked for with :meth:`set_type_watch` for ``type`` itself (0: none)."""
        return self._type_watch_roots.get(types[type], 0)

    def _expand_type_watch(self) -> None:
        expanded: dict[AtomType, int] = {}
        for root, mask in self._type_watch_roots.items():
            for sub in types.subtypes(root):
                expanded[sub] = expanded.get(sub, 0) | mask
        self._type_watch = expanded
        self._incoming_type_watch = any(m & _INCOMING_BIT for m in expanded.values())
        self._watching = bool(self._watched or expanded) or self._store is not None

    def _watches(self, atom: Atom, bit: int) -> bool:
        return bool(atom._watch & bit or self._type_watch.get(atom.type, 0) & bit)

    def ping(self, atom: Atom) -> None:
        """Tell the listeners watching ``atom`` for pings; the atom does not change."""
        self._check_member(atom)
        if self._watching and self._watches(atom, _PING_BIT):
            self._emit([ChangeEvent(_PING, atom)])

    def _emit(self, events: list[ChangeEvent]) -> None:
        for listener in list(self._listeners):
            listener.changes_applied(self, events)

    # -- persistence -------------------------------------------------------------------------
    def attach_store(self, hook: StoreHook) -> None:
        """Send every change to ``hook`` (see :mod:`atomtrig.core.store_hook`); one at a time.

        ``atomtrig.storage`` attaches its write-through here; users call
        ``atomtrig.AtomSpace.open`` instead.
        """
        with self._lock:
            if self._store is not None and self._store is not hook:
                raise InvalidAtomError("this AtomSpace already has a store attached")
            self._store = hook
            self._watching = True

    # -- extension slots -------------------------------------------------------------------
    def extension(self, name: str, make: Callable[[], T]) -> T:
        """The per-space state a layer above the core keeps under ``name`` (its module's name,
        by convention), made by ``make()`` on first use. Layers keep such state here rather
        than as attributes written onto the space or in module-level tables.

        >>> space = CoreAtomSpace()
        >>> space.extension("my.layer", dict) is space.extension("my.layer", dict)
        True
        """
        found = self._extensions.get(name)
        if found is None:
            with self._lock:
                found = self._extensions.get(name)
                if found is None:
                    found = self._extensions[name] = make()
        return found  # type: ignore[no-any-return]

    def has_extension(self, name: str) -> bool:
        """Whether a layer made its state ``name`` on this space."""
        return name in self._extensions

    def find_extension(self, name: str) -> Any:
        """The state a layer keeps under ``name`` on this space, or None if it made none (a
        layer above asks this instead of testing the space for attributes)."""
        return self._extensions.get(name)

    @property
    def store(self) -> StoreHook | None:
        """The store attached with :meth:`attach_store` (an opened space's storage binding),
        or None for a space that lives only in memory."""
        return self._store

    def when_committed(
        self, on_commit: Callable[[], None], on_discard: Callable[[], None] | None = None
    ) -> bool:
        """Inside a transaction of this thread: call ``on_commit()`` once it commits (or
        ``on_discard()`` if it rolls back) and return True. Outside one: return False and call
        nothing (the caller goes ahead now)."""
        hook = self._store
        return hook is not None and hook.defer(on_commit, on_discard)

    def detach_store(self) -> None:
        """Stop sending changes to the attached store hook (if any)."""
        with self._lock:
            self._store = None
            self._watching = bool(self._watched or self._type_watch)

    def load_atoms(
        self, records: Iterable[tuple[AtomType, Any, TruthValue | None]]
    ) -> list[Atom]:
        """Restore atoms in bulk, without change events or store calls: each record is
        ``(type, name, tv)`` for a node or ``(type, outgoing, tv)`` for a link, where
        ``outgoing`` is a tuple of this space's atoms or of ints, the positions of earlier records
        of the same call, already in stored (canonical) order; ``tv`` None keeps the
        default. Returns the atoms, in record order (an atom already present is returned as it
        is, with its truth value set). Meant for loading a saved store: the records are trusted
        to be well-formed, so no StateLink/DefineLink/DeleteLink rule is applied.

        >>> space = CoreAtomSpace()
        >>> concept, inheritance = types["Concept"], types["Inheritance"]
        >>> a, b = space.load_atoms([(concept, "a", None), (concept, "b", stv(0.5, 0.5))])
        >>> link, = space.load_atoms([(inheritance, (a, b), None)])
        >>> c, other = space.load_atoms([(concept, "c", None), (inheritance, (0,), None)])
        >>> other.out == (c,), b.tv, len(space)
        (True, (stv 0.5 0.5), 5)
        """
        loaded: list[Atom] = []
        append = loaded.append
        earlier = loaded.__getitem__
        tables = self._tables
        insert_link = self._insert_link
        with self._lock:
            for t, key, tv in records:
                table = tables.get(t)
                if table is None:
                    table = self._table(t)
                if t.is_node:
                    atom = table.get(key)
                    if atom is None:
                        atom = table[key] = Node(t, key, self)
                else:
                    if key and key[0].__class__ is int:
                        key = tuple(map(earlier, key))
                    atom = table.get(key)
                    if atom is None:
                        atom = insert_link(t, key, table)
                if tv is not None:
                    atom._tv = tv
                append(atom)
        return loaded

    def restore_tv(self, atom: Atom, tv: TruthValue) -> None:
        """Set a truth value recorded elsewhere (by another process sharing the store): no change
        event, no store call. For stores, like :meth:`load_atoms`."""
        with self._lock:
            if atom._space is self:
                atom._tv = tv

    def restore_value(self, atom: Atom, key: Atom, value: Any) -> None:
        """Set (None: remove) a value recorded elsewhere; no event, no store call."""
        with self._lock:
            if atom._space is not self:
                return
            values = atom._values
            if value is None:
                if values:
                    values.pop(key, None)
            elif values is None:
                atom._values = {key: value}
            else:
                values[key] = value

    def restore_removal(self, atom: Atom) -> list[Atom]:
        """Remove an atom (and the links above it) whose removal was recorded elsewhere; no
        event, no store call. Returns what was removed (nothing if it was gone already)."""
        with self._lock:
            if atom._space is not self:
                return []
            doomed = _upward_closure(atom)
            for victim in doomed:
                self._unlink(victim)
        return doomed

    def restore_clear(self) -> list[Atom]:
        """Remove every atom, as recorded elsewhere; no event, no store call. Returns them."""
        with self._lock:
            gone = [a for table in self._tables.values() for a in table.values()]
            for table in self._tables.values():
                for atom in table.values():
                    atom._space = None
                    atom._incoming = None
                    atom._watch = 0
                table.clear()
            self._watched.clear()
            self._watching = bool(self._type_watch) or self._store is not None
        return gone

    # -- the current AtomSpace ---------------------------------------------------------------
    def __enter__(self) -> CoreAtomSpace:
        from atomtrig.core.context import push_atomspace

        self._context_tokens.append(push_atomspace(self))
        return self

    def __exit__(self, *exc: object) -> None:
        from atomtrig.core.context import pop_atomspace

        pop_atomspace(self._context_tokens.pop())

    # -- printing and interop ----------------------------------------------------------------
    def to_atomese(self) -> str:
        """Every atom that is not inside another one, as Atomese, one top-level form each."""
        roots = [a for a in self if a._incoming is None]
        return "".join(to_sexpr(a) + "\n" for a in roots)

    def to_networkx(self) -> Any:
        """The store as a ``networkx.MultiDiGraph``; see :mod:`atomtrig.core.graph_export`."""
        from atomtrig.core.graph_export import to_networkx

        return to_networkx(self)

    def to_rustworkx(self) -> Any:
        """The store as a ``rustworkx.PyDiGraph``; see :mod:`atomtrig.core.graph_export`."""
        from atomtrig.core.graph_export import to_rustworkx

        return to_rustworkx(self)


def _bucketed(holders: list[Link]) -> dict[AtomType, list[Link]]:
    buckets: dict[AtomType, list[Link]] = {}
    for holder in holders:
        buckets.setdefault(holder.type, []).append(holder)
    return buckets


def _drop_holder(member: Atom, link: Link) -> None:
    """Take ``link`` out of ``member``'s incoming set (see :class:`Atom` for its forms)."""
    holders = member._incoming
    if holders is link:
        member._incoming = None
    elif holders.__class__ is list:
        _take_out(holders, link)  # type: ignore[arg-type]
        if len(holders) == 1:  # type: ignore[arg-type]
            member._incoming = holders[0]  # type: ignore[index]
    elif holders.__class__ is dict:
        bucket = holders[link.type]  # type: ignore[index]
        _take_out(bucket, link)
        if not bucket:
            del holders[link.type]  # type: ignore[union-attr]
            if not holders:
                member._incoming = None


def _take_out(holders: list[Link], link: Link) -> None:
    """Remove ``link`` from a holder list. The newest link is last, and removals come newest
    first (a rollback, a recursive removal), so looking at the end first keeps undoing ``n``
    links of one hub linear instead of quadratic."""
    if holders[-1] is link:
        holders.pop()
    else:
        holders.remove(link)


def _upward_closure(atom: Atom) -> list[Atom]:
    """``atom`` and every link above it, outermost first (a safe removal order)."""
    order: list[Atom] = []
    seen: set[int] = set()
    stack: list[tuple[Atom, bool]] = [(atom, False)]
    while stack:
        current, expanded = stack.pop()
        if expanded:
            order.append(current)
            continue
        if id(current) in seen:
            continue
        seen.add(id(current))
        stack.append((current, True))
        for holder in current.incoming:
            if id(holder) not in seen:
                stack.append((holder, False))
    return order


def _topological(links: list[Atom]) -> list[Atom]:
    """Links ordered so that every link comes after the links it contains."""
    placed: set[int] = set()
    result: list[Atom] = []
    for link in links:
        stack: list[tuple[Atom, bool]] = [(link, False)]
        while stack:
            current, expanded = stack.pop()
            if id(current) in placed:
                continue
            if expanded:
                placed.add(id(current))
                result.append(current)
                continue
            stack.append((current, True))
            for child in current.out:
                if child.is_link() and id(child) not in placed:
                    stack.append((child, False))
    return result
