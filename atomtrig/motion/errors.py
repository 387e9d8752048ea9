"""The Motion layer's errors; each subclasses :class:`atomtrig.core.errors.AtomtrigError`.

>>> from atomtrig.core.errors import AtomtrigError
>>> issubclass(MotionTypeError, MotionError) and issubclass(MotionError, AtomtrigError)
True
"""

from __future__ import annotations

from atomtrig.core.errors import AtomtrigError


class MotionError(AtomtrigError):
    """Base class of the Motion layer's errors."""


class MotionSchemaError(MotionError, TypeError):
    """A schema that cannot be a relation (not a dataclass, an unsupported field type...)."""


class MotionRelationError(MotionError, LookupError):
    """A relation name the store does not have."""


class MotionKeyError(MotionError, LookupError):
    """A key that is not a field of the relation (or that cannot be set)."""


class MotionTypeError(MotionError, TypeError):
    """A value of the wrong type for its field."""


class MotionTriggerError(MotionError):
    """A trigger whose ``setUp`` or ``routes`` is wrong, or that is not registered."""


class MotionCycleError(MotionError):
    """A chain of routes that loops back to a route on the same record (or runs too deep)."""


class FitError(MotionError):
    """A queued ``fit`` failed (raised by ``wait_for_fits``) or returned something other than a
    dict."""


class MotionQueryError(MotionError):
    """``cursor.sql`` failed: pandas is missing, or the SQL is wrong (SQLite's message kept)."""
