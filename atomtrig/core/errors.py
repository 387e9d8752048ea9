"""The exceptions atomtrig raises.

Every error atomtrig raises on purpose is a subclass of :class:`AtomtrigError`, so a caller can
catch them all with one ``except``. The core's errors live here; each layer adds its own
subclasses next to its code.

>>> from atomtrig.core.errors import AtomtrigError, UnknownTypeError
>>> issubclass(UnknownTypeError, AtomtrigError)
True
"""

from __future__ import annotations


class AtomtrigError(Exception):
    """Base class of every error atomtrig raises on purpose."""


class UnknownTypeError(AtomtrigError, KeyError):
    """A type name that is not in the type table.

    The message suggests the closest known names.
    """

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class TypeDeclarationError(AtomtrigError):
    """A run-time type declaration that conflicts with the table."""


class InvalidAtomError(AtomtrigError, TypeError):
    """An argument that cannot make an atom: a non-atom in an outgoing set, a node name that is
    not a string, a node type given to ``add_link`` and so on."""


class TruthValueError(AtomtrigError, ValueError):
    """A truth value outside its range (strength and confidence in [0, 1], count >= 0)."""


class ValueTypeError(AtomtrigError, TypeError):
    """Something that is not a Value, an atom or a truth value given as a value."""


class AtomNotInSpaceError(AtomtrigError, LookupError):
    """An atom that is not (or no longer) in the AtomSpace it was used with."""


class IncomingSetError(AtomtrigError):
    """Removing an atom that other links still contain, without ``recursive=True``."""


class DefinitionError(AtomtrigError):
    """A second DefineLink for a name that is already defined."""


class NoCurrentAtomSpaceError(AtomtrigError, RuntimeError):
    """A type constructor called with no current AtomSpace set for this thread."""
