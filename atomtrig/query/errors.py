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


class ExecutionError(QueryError):
    """An executable or evaluatable link that cannot be run: a malformed link (wrong arity,
    an argument of the wrong kind), an operand that is not a number, a Value where an atom is
    needed, a recursion too deep. The message names the link."""


class ExecutionTypeError(ExecutionError, TypeError):
    """An operand of the wrong type: arithmetic over something that is not a NumberNode or a
    FloatValue, a GreaterThanLink over non-numbers, a Value inside a link."""


class DivisionByZeroError(ExecutionError, ZeroDivisionError):
    """A DivideLink whose divisor is zero."""


class UndefinedError(ExecutionError, LookupError):
    """A DefinedSchemaNode or DefinedPredicateNode that no DefineLink defines."""


class GroundedProcedureError(ExecutionError):
    """A GroundedSchemaNode or GroundedPredicateNode whose name does not resolve to a Python
    callable, whose callable raised, or which returned the wrong kind of result (a schema must
    return an atom or a Value, a predicate a truth value or a bool)."""


class ProcedureNotAllowedError(GroundedProcedureError, PermissionError):
    """A grounded procedure in a module the user has not allowed. Grounded procedures are code
    execution, so only functions registered with ``@atomtrig.grounded`` and modules allowed with
    ``atomtrig.allow_module(name)`` (``--allow-module NAME``) resolve."""
