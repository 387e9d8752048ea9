"""Atoms: Nodes ``(type, name)`` and Links ``(type, outgoing atoms)``.

Atoms are immutable and unique in their AtomSpace: adding an equal atom returns the one already
there, so two atoms of one space are equal exactly when they are the same object. Make atoms with
an :class:`~atomtrig.core.atomspace.AtomSpace` (``add_node``, ``add_link``) or with the type
constructors (``ConceptNode("cat")``); never instantiate these classes directly.

>>> from atomtrig.core.atomspace import CoreAtomSpace as AtomSpace
>>> space = AtomSpace()
>>> cat = space.add_node("ConceptNode", "cat")
>>> space.add_node("Concept", "cat") is cat
True
>>> cat.name, cat.type.name, cat.tv
('cat', 'ConceptNode', (stv 1 0))
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from atomtrig.core.errors import AtomNotInSpaceError
from atomtrig.core.printer import to_sexpr
from atomtrig.core.truthvalue import DEFAULT_TV, TruthValue
from atomtrig.core.types import AtomType, types

SMALL_INCOMING = 8
"""Past this many holders an atom's incoming set is bucketed by link type."""

if TYPE_CHECKING:
    from atomtrig.core.atomspace import CoreAtomSpace as AtomSpace


class Atom:
    """Common part of nodes and links. See the module docstring."""

    __slots__ = ("type", "_tv", "_incoming", "_values", "_space", "_watch")

    type: AtomType
    _tv: TruthValue
    _incoming: Link | list[Link] | dict[AtomType, list[Link]] | None
    _values: dict[Atom, object] | None
    _space: AtomSpace | None
    _watch: int

    name: str
    out: tuple[Atom, ...]

    # -- identity and kind -------------------------------------------------------------------
    def is_node(self) -> bool:
        return False

    def is_link(self) -> bool:
        return False

    @property
    def type_name(self) -> str:
        return self.type.name

    @property
    def arity(self) -> int:
        return len(self.out)

    @property
    def space(self) -> AtomSpace:
        """The AtomSpace holding this atom (an error once the atom was removed)."""
        space = self._space
        if space is None:
            raise AtomNotInSpaceError(f"{self.short()} was removed from its AtomSpace")
        return space

    def is_a(self, t: AtomType | str) -> bool:
        """True if the atom's type is ``t`` or a subtype of it."""
        return types[t] in self.type.ancestors

    # -- truth value and values --------------------------------------------------------------
    @property
    def tv(self) -> TruthValue:
        return self._tv

    @tv.setter
    def tv(self, tv: TruthValue) -> None:
        self.space.set_tv(self, tv)

    def set_value(self, key: Atom | str, value: Any) -> None:
        """Set (or, with None, remove) the value under ``key``; see :meth:`AtomSpace.set_value`."""
        self.space.set_value(self, key, value)

    def get_value(self, key: Atom | str) -> Any:
        """The value under ``key``, or None."""
        return self.space.get_value(self, key)

    def keys(self) -> list[Atom]:
        """The keys under which this atom holds values."""
        return list(self._values or ())

    # -- incoming set ------------------------------------------------------------------------
    # ``_incoming`` is compact because most atoms have few holders: None (no holder), the one
    # holding Link itself, a list of up to SMALL_INCOMING links, or, past that, a dict of lists
    # bucketed by link type. Only the AtomSpace writes it, under its lock.
    @property
    def incoming(self) -> tuple[Link, ...]:
        """Every link that has this atom in its outgoing set."""
        holders = self._incoming
        if holders is None:
            return ()
        if holders.__class__ is Link:
            return (holders,)  # type: ignore[return-value]
        if holders.__class__ is list:
            return tuple(holders)  # type: ignore[arg-type]
        result: list[Link] = []
        for bucket in holders.values():  # type: ignore[union-attr]
            result.extend(bucket)
        return tuple(result)

    def incoming_by_type(self, t: AtomType | str, subtypes: bool = False) -> tuple[Link, ...]:
        """The links of type ``t`` (and, with ``subtypes=True``, of its subtypes) that contain
        this atom."""
        holders = self._incoming
        if holders is None:
            return ()
        t = types[t]
        if holders.__class__ is dict:
            if not subtypes:
                bucket = holders.get(t)  # type: ignore[union-attr]
                return tuple(bucket) if bucket else ()
            found: list[Link] = []
            for bucket_type, bucket in holders.items():  # type: ignore[union-attr]
                if t in bucket_type.ancestors:
                    found.extend(bucket)
            return tuple(found)
        links = cast("list[Link]", [holders] if holders.__class__ is Link else holders)
        if subtypes:
            return tuple(h for h in links if t in h.type.ancestors)
        return tuple(h for h in links if h.type is t)

    @property
    def incoming_size(self) -> int:
        holders = self._incoming
        if holders is None:
            return 0
        if holders.__class__ is Link:
            return 1
        if holders.__class__ is list:
            return len(holders)  # type: ignore[arg-type]
        buckets = cast("dict[AtomType, list[Link]]", holders)
        return sum(len(b) for b in buckets.values())

    # -- printing ----------------------------------------------------------------------------
    def __repr__(self) -> str:
        return to_sexpr(self)

    def short(self) -> str:
        """A one-line form for messages."""
        from atomtrig.core.printer import to_oneline

        return to_oneline(self)

    def __reduce__(self) -> Any:
        raise TypeError(
            "atoms belong to an AtomSpace and cannot be pickled; store the space instead "
            "(atomtrig dump) or pass the atom's s-expression"
        )


class Node(Atom):
    """An atom with a name and no outgoing set."""

    __slots__ = ("name",)
    out: tuple[Atom, ...] = ()

    def __init__(self, atom_type: AtomType, name: str, space: AtomSpace) -> None:
        self.type = atom_type
        self.name = name
        self._tv = DEFAULT_TV
        self._incoming = None
        self._values = None
        self._space = space
        self._watch = 0

    def is_node(self) -> bool:
        return True


class Link(Atom):
    """An atom with an outgoing tuple of atoms."""

    __slots__ = ("out",)
    name = ""

    def __init__(self, atom_type: AtomType, out: tuple[Atom, ...], space: AtomSpace) -> None:
        self.type = atom_type
        self.out = out
        self._tv = DEFAULT_TV
        self._incoming = None
        self._values = None
        self._space = space
        self._watch = 0

    def is_link(self) -> bool:
        return True
