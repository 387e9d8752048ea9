"""Type constructors: ``ConceptNode("cat")``, ``Inheritance(a, b)`` and one for every other type,
under its full and its short name. Each adds to the thread's current AtomSpace
(see :mod:`atomtrig.core.context`).

>>> from atomtrig.core.atomspace import CoreAtomSpace as AtomSpace
>>> from atomtrig.core.constructors import ConceptNode, Inheritance
>>> with AtomSpace() as space:
...     link = Inheritance(ConceptNode("cat"), ConceptNode("animal"))
>>> link.out[0].name
'cat'

Constructors for types declared at run time are found by name too
(``constructors.ExampleRecordNode`` once ``ExampleRecordNode`` is declared), or made with
:func:`constructor_for`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from atomtrig.core.atom import Atom
from atomtrig.core.context import current_atomspace
from atomtrig.core.truthvalue import TruthValue
from atomtrig.core.types import AtomType, types

Constructor = Callable[..., Any]


def constructor_for(t: AtomType | str) -> Constructor:
    """The constructor function of a type (node: ``f(name, tv=None)``; link:
    ``f(*outgoing, tv=None)``)."""
    atom_type = types[t]
    if atom_type.is_node:

        def make_node(name: Any, tv: TruthValue | None = None) -> Atom:
            return current_atomspace().add_node(atom_type, name, tv)

        make: Constructor = make_node
    else:

        def make_link(*outgoing: Any, tv: TruthValue | None = None) -> Atom:
            if len(outgoing) == 1 and isinstance(outgoing[0], (list, tuple)):
                outgoing = tuple(outgoing[0])
            return current_atomspace().add_link(atom_type, outgoing, tv)

        make = make_link
    make.__name__ = make.__qualname__ = atom_type.name
    make.__doc__ = f"Add a {atom_type.name} to the current AtomSpace and return it."
    return make


def _public_names() -> dict[str, Constructor]:
    made: dict[str, Constructor] = {}
    for t in types:
        if t.abstract:
            continue
        ctor = constructor_for(t)
        made[t.name] = ctor
        made.setdefault(t.short_name, ctor)
    return made


_BUILTIN = _public_names()
globals().update(_BUILTIN)
__all__ = sorted(_BUILTIN) + ["constructor_for"]


def __getattr__(name: str) -> Constructor:
    t = types.get(name)
    if t is None or t.abstract:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return constructor_for(t)
