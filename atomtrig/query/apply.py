"""Applying functions: LambdaLinks, DefineLink definitions, grounded procedures, and binding
arguments to (typed) variables.

An ExecutionOutputLink ``(ExecutionOutput schema args)`` applies a schema and an EvaluationLink
``(Evaluation predicate args)`` a predicate:

* ``GroundedSchemaNode`` / ``GroundedPredicateNode``: the Python function (see
  :mod:`~atomtrig.query.grounded`) is called with the argument atoms (a predicate in an
  ExecutionOutputLink gives its truth value, so ``(IfElse (ExecutionOutput (GroundedPredicate
  "py:ok")) ...)`` works as a condition);
* ``DefinedSchemaNode`` / ``DefinedPredicateNode``: the atom its DefineLink gives is applied
  (recursion is allowed: the definition is looked up at each call);
* ``LambdaLink``: the arguments are bound to its variables (types checked against its
  declaration) and its body is executed (evaluated) in that environment — lazily, so a CondLink
  in a recursive definition stops the recursion.

Arguments are the members of the ListLink (or the single atom given instead), instantiated
first (executable parts run, variables of the caller replaced): call by value.

A schema that is none of these (a plain ``SchemaNode``) is handed to the fallbacks added with
:func:`add_schema_fallback` — the place for conventions such as running the grounded schemas
an EquivalenceLink ties to it — and is an error when none takes it.

>>> from atomtrig.core.atomspace import CoreAtomSpace as AtomSpace
>>> import atomtrig.query
>>> from atomtrig.query.engine import run
>>> space = AtomSpace()
>>> x, y = space.add_node("Variable", "$X"), space.add_node("Variable", "$Y")
>>> n = lambda v: space.add_node("Number", v)
>>> body = space.add_link("Plus", [x, space.add_link("Times", [y, n(10)])])
>>> lam = space.add_link("Lambda", [space.add_link("VariableList", [x, y]), body])
>>> run(space, space.add_link("ExecutionOutput", [lam, space.add_link("List", [n(2), n(4)])]))
(NumberNode "42")
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from atomtrig.core.atom import Atom
from atomtrig.core.truthvalue import TruthValue
from atomtrig.core.types import types
from atomtrig.core.variables import declared_variables, free_variables, is_declaration
from atomtrig.query.engine import (
    Binding,
    Env,
    Result,
    arguments,
    as_atom,
    check_arity,
    lookup,
    restrict,
    run,
    truth,
)
from atomtrig.query.errors import ExecutionError, ExecutionTypeError, UndefinedError
from atomtrig.query.grounded import call_predicate, call_schema
from atomtrig.query.typecheck import VariableSpec, variable_spec

if TYPE_CHECKING:
    from atomtrig.core.atomspace import CoreAtomSpace as AtomSpace

_LAMBDA = types["LambdaLink"]
_GSN = types["GroundedSchemaNode"]
_DSN = types["DefinedSchemaNode"]
_GPN = types["GroundedPredicateNode"]
_DPN = types["DefinedPredicateNode"]
_DEFINE = types["DefineLink"]
_VARIABLE_LIST = types["VariableList"]
_VARIABLE_SET = types["VariableSet"]

# How many DefinedSchemaNodes may stand for one another before a cycle is assumed.
_MAX_ALIASES = 64

SchemaFallback = Callable[["AtomSpace", Atom, Atom, Sequence[Atom]], Any]
_fallbacks: list[SchemaFallback] = []
_fallback_lock = threading.Lock()


def add_schema_fallback(fallback: SchemaFallback) -> None:
    """Let ``fallback(space, link, schema, args)`` execute ExecutionOutputLinks whose schema is
    neither grounded, defined nor a LambdaLink. It returns the result (an atom or a Value), or
    ``NotImplemented`` to pass; the most recently added fallback is asked first."""
    with _fallback_lock:
        _fallbacks.insert(0, fallback)


def remove_schema_fallback(fallback: SchemaFallback) -> None:
    """Remove a fallback added with :func:`add_schema_fallback` (no error if absent)."""
    with _fallback_lock:
        if fallback in _fallbacks:
            _fallbacks.remove(fallback)


_specs_cache: dict[object, list[VariableSpec]] = {}
_SPECS_CACHE_SIZE = 4096


def specs_of(declaration: Atom | None, variables: tuple[Atom, ...]) -> list[VariableSpec]:
    """One :class:`VariableSpec` per variable (untyped when there is no declaration). Cached
    per declaration: a recursive definition does not re-read its declaration at each call."""
    key: object = declaration if declaration is not None else variables
    found = _specs_cache.get(key)
    if found is not None:
        return found
    if declaration is None:
        specs = [variable_spec(v) for v in variables]
    else:
        items = declaration.out if declaration.type in (_VARIABLE_LIST, _VARIABLE_SET) else (declaration,)
        specs = [variable_spec(item) for item in items]
    if len(_specs_cache) >= _SPECS_CACHE_SIZE:
        _specs_cache.clear()
    _specs_cache[key] = specs
    return specs


def definition_of(node: Atom) -> Atom:
    """The atom a DefineLink gives a DefinedSchemaNode / DefinedPredicateNode."""
    for link in node.incoming_by_type("DefineLink"):
        if len(link.out) == 2 and link.out[0] is node:
            return link.out[1]
    raise UndefinedError(f"{node.short()} is not defined: no (DefineLink {node.short()} ...) in the AtomSpace")


def lambda_parts(lam: Atom) -> tuple[Atom | None, tuple[Atom, ...], Atom]:
    """``(declaration or None, variables, body)`` of a LambdaLink."""
    out = lam.out
    if not out:
        raise ExecutionError(f"{lam.short()}: a LambdaLink needs a body")
    if len(out) >= 2 and is_declaration(out[0]):
        if len(out) != 2:
            raise ExecutionError(f"{lam.short()}: a LambdaLink holds a declaration and one body")
        return out[0], declared_variables(out[0]), out[1]
    if len(out) != 1:
        raise ExecutionError(f"{lam.short()}: a LambdaLink holds an optional declaration and one body")
    return None, free_variables(out[0]), out[0]


def bind_arguments(
    where: Atom, specs: list[VariableSpec], args: list[Atom], *, strict: bool
) -> dict[Atom, Binding] | None:
    """Pair variables with arguments, checking the declared types. A glob takes the run of
    arguments its interval allows (the others taking one each). Returns None (or raises, when
    ``strict``) when the arguments do not fit."""

    def refuse(template: str, *parts: object) -> dict[Atom, Binding] | None:
        if strict:  # the message is only built when it is shown
            shown = (p.short() if isinstance(p, Atom) else p for p in parts)
            raise ExecutionTypeError(f"{where.short()}: " + template.format(*shown))
        return None

    result: dict[Atom, Binding] = {}
    globs = [s for s in specs if s.is_glob]
    if not globs:
        if len(args) != len(specs):
            return refuse("{} variable(s) but {} argument(s)", len(specs), len(args))
        for spec, arg in zip(specs, args):
            if not spec.accepts(arg):
                return refuse("{} does not fit the declaration of {}", arg, spec.variable)
            result[spec.variable] = arg
        return result
    if len(globs) > 1:
        return refuse("more than one GlobNode cannot be bound positionally")
    run_length = len(args) - (len(specs) - 1)
    if run_length < 0:
        return refuse("{} variable(s) but only {} argument(s)", len(specs), len(args))
    i = 0
    for spec in specs:
        if spec.is_glob:
            run = tuple(args[i : i + run_length])
            i += run_length
            if not spec.accepts_run(run):
                return refuse("the run of {} argument(s) does not fit {}", len(run), spec.variable)
            result[spec.variable] = run
        else:
            arg = args[i]
            if not spec.accepts(arg):
                return refuse("{} does not fit the declaration of {}", arg, spec.variable)
            result[spec.variable] = arg
            i += 1
    return result


def execution_output(space: AtomSpace, link: Atom, env: Env) -> Result:
    """Execute the ExecutionOutputLink ``link``: its schema applied to its arguments."""
    out = link.out
    if not 1 <= len(out) <= 2:
        check_arity(link, 1, 2, "schema [arguments]")
    return apply_schema(space, link, as_atom(lookup(space, out[0], env)), out[1] if len(out) == 2 else None, env)


def apply_schema(space: AtomSpace, where: Atom, schema: Atom, args: Atom | None, env: Env) -> Result:
    """Apply ``schema`` to the arguments ``args`` (a ListLink, one atom, or None), as the
    ExecutionOutputLink ``where`` does."""
    inline = True
    for _ in range(_MAX_ALIASES):
        t = schema.type
        if t is _DSN:
            schema = definition_of(schema)
            inline = False
            continue
        if t is _GSN:
            return call_schema(space, schema, arguments(space, args, env))
        if t is _LAMBDA:
            declaration, variables, body = lambda_parts(schema)
            bound = bind_arguments(where, specs_of(declaration, variables), arguments(space, args, env), strict=True)
            assert bound is not None
            body_env = {**restrict(env, variables), **bound} if inline else bound
            return run(space, body, body_env)
        if t is _GPN or t is _DPN:
            # (ExecutionOutput (GroundedPredicate ...)) as the condition of an IfElseLink, as the
            # TriggerLink design writes it: the predicate is applied and its truth value given.
            return apply_predicate(space, where, schema, args, env if inline else {})
        argv = arguments(space, args, env)
        with _fallback_lock:
            fallbacks = tuple(_fallbacks)  # a snapshot: others may add or remove meanwhile
        for fallback in fallbacks:
            result = fallback(space, where, schema, argv)
            if result is not NotImplemented:
                return result  # type: ignore[no-any-return]
        raise ExecutionError(
            f"{where.short()}: cannot execute {schema.short()}; an ExecutionOutputLink needs a "
            "GroundedSchemaNode, a DefinedSchemaNode or a LambdaLink"
        )
    raise ExecutionError(f"{where.short()}: the definitions of {schema.short()} form a cycle")


def apply_predicate(space: AtomSpace, where: Atom, predicate: Atom, args: Atom | None, env: Env) -> TruthValue:
    """Evaluate ``predicate`` on the arguments ``args``, as the EvaluationLink ``where`` does.
    A plain PredicateNode is not applied: the caller uses the EvaluationLink's own truth value."""
    inline = True
    for _ in range(_MAX_ALIASES):
        t = predicate.type
        if t is _DPN:
            predicate = definition_of(predicate)
            inline = False
            continue
        if t is _GPN:
            return call_predicate(space, predicate, arguments(space, args, env))
        if t is _LAMBDA:
            declaration, variables, body = lambda_parts(predicate)
            bound = bind_arguments(where, specs_of(declaration, variables), arguments(space, args, env), strict=True)
            assert bound is not None
            body_env = {**restrict(env, variables), **bound} if inline else bound
            return truth(space, body, body_env)
        if t is _GSN or t is _DSN:
            raise ExecutionError(
                f"{where.short()}: {predicate.short()} is a schema; execute it in an "
                "ExecutionOutputLink"
            )
        # A definition that is itself evaluatable (a SequentialAnd, a Satisfaction...).
        if args is not None and arguments(space, args, env):
            raise ExecutionError(
                f"{where.short()}: {predicate.short()} takes no arguments (it is not a LambdaLink)"
            )
        return truth(space, predicate, {} if not inline else env)
    raise ExecutionError(f"{where.short()}: the definitions of {predicate.short()} form a cycle")
