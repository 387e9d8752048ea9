"""The query layer: the pattern matcher (``match``), substitution, and the execution and
evaluation of executable links.

Modules: :mod:`~atomtrig.query.pattern` (compiling a pattern), :mod:`~atomtrig.query.matcher`
(searching the store), :mod:`~atomtrig.query.joins` (its fast path for plain clauses),
:mod:`~atomtrig.query.typecheck` (variable declarations),
:mod:`~atomtrig.query.substitute` (putting groundings into a template) and
:mod:`~atomtrig.query.errors`.

Execution: :mod:`~atomtrig.query.execute` (``execute``: what each executable link gives),
:mod:`~atomtrig.query.evaluate` (``evaluate``: truth values), :mod:`~atomtrig.query.instantiate`
(rewrites), :mod:`~atomtrig.query.put` (PutLink), :mod:`~atomtrig.query.apply` (lambdas,
definitions, schemas), :mod:`~atomtrig.query.arithmetic`, :mod:`~atomtrig.query.grounded`
(Python procedures and the allow-list) and :mod:`~atomtrig.query.engine` (environments and the
type-dispatch tables they share).
"""

from atomtrig.query.errors import (
    DivisionByZeroError,
    ExecutionError,
    ExecutionTypeError,
    GroundedProcedureError,
    PatternError,
    ProcedureNotAllowedError,
    QueryError,
    UndefinedError,
)
from atomtrig.query.evaluate import evaluate
from atomtrig.query.execute import execute
from atomtrig.query.grounded import (
    add_resolver,
    allow_module,
    allowed_modules,
    disallow_module,
    grounded,
    remove_resolver,
    unregister,
)
from atomtrig.query.instantiate import instantiate
from atomtrig.query.matcher import match, match_body

__all__ = [
    "DivisionByZeroError",
    "ExecutionError",
    "ExecutionTypeError",
    "GroundedProcedureError",
    "PatternError",
    "ProcedureNotAllowedError",
    "QueryError",
    "UndefinedError",
    "add_resolver",
    "allow_module",
    "allowed_modules",
    "disallow_module",
    "evaluate",
    "execute",
    "grounded",
    "instantiate",
    "match",
    "match_body",
    "remove_resolver",
    "unregister",
]
