"""The errors of the query layer. All subclass :class:`QueryError`, itself an
:class:`~atomtrig.core.errors.AtomtrigError`.

>>> from atomtrig.core.errors import AtomtrigError
>>> issubclass(PatternError, QueryError) and issubclass(QueryError, AtomtrigError)
True
"""

from __future__ import annotations

from atomtrig.core.errors import AtomtrigError


class QueryError(AtomtrigError):
    """Base class of the errors of the pattern matcher and of execution."""


class PatternError(QueryError, ValueError):
    """A malformed pattern or variable declaration: a scope link with no body, a
    TypedVariableLink whose first atom is not a variable, an IntervalLink with bad bounds, a
    clause the matcher cannot interpret, and so on. The message names the atom."""
