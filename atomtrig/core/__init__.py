"""The hypergraph core: atom types, atoms, truth values, values and the bare atom store
(:class:`CoreAtomSpace`; users import :class:`atomtrig.AtomSpace`, which adds the layers above)."""

from atomtrig.core.atom import Atom, Link, Node
from atomtrig.core.atomspace import CoreAtomSpace
from atomtrig.core.context import current_atomspace, set_default_atomspace
from atomtrig.core.errors import (
    AtomNotInSpaceError,
    AtomtrigError,
    DefinitionError,
    IncomingSetError,
    InvalidAtomError,
    NoCurrentAtomSpaceError,
    TruthValueError,
    TypeDeclarationError,
    UnknownTypeError,
    ValueTypeError,
)
from atomtrig.core.events import ChangeEvent, ChangeKind, ChangeListener
from atomtrig.core.truthvalue import (
    DEFAULT_TV,
    CountTruthValue,
    SimpleTruthValue,
    TruthValue,
    ctv,
    stv,
)
from atomtrig.core.types import AtomType, declare_type, types
from atomtrig.core.values import FloatValue, LinkValue, StringValue, Value

__all__ = [
    "Atom",
    "AtomNotInSpaceError",
    "CoreAtomSpace",
    "AtomType",
    "AtomtrigError",
    "ChangeEvent",
    "ChangeKind",
    "ChangeListener",
    "CountTruthValue",
    "DEFAULT_TV",
    "DefinitionError",
    "FloatValue",
    "IncomingSetError",
    "InvalidAtomError",
    "Link",
    "LinkValue",
    "NoCurrentAtomSpaceError",
    "Node",
    "SimpleTruthValue",
    "StringValue",
    "TruthValue",
    "TruthValueError",
    "TypeDeclarationError",
    "UnknownTypeError",
    "Value",
    "ValueTypeError",
    "ctv",
    "current_atomspace",
    "declare_type",
    "set_default_atomspace",
    "stv",
    "types",
]
