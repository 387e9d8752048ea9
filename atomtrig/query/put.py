"""PutLink: beta reduction, element-wise over a set, with the declaration as a type filter.

Forms::

    (Put body args)             the variables are the body's free variables, in order of first
                                appearance
    (Put vardecl body args)     the variables are declared (and typed)
    (Put (Lambda vardecl body) args)   or a DefinedSchemaNode defined as such a LambdaLink
    (Put (Plus) (List 2 2))     a function link with no variables: the args are appended

``args`` is one atom (one variable), a ListLink of one atom per variable, or a SetLink of those
(then the body is reduced once per member and the results are returned in a SetLink). A GetLink,
MeetLink, BindLink, QueryLink or function link as ``args`` is executed first and its result put.
An argument whose type the declaration refuses is dropped from a set; a lone argument it refuses
raises :class:`ExecutionError` (as the classic PutLink refuses it). The reduced body is then
instantiated as a rewrite is (its executable parts run: a DefinedSchemaNode's arithmetic, a
DeleteLink, a StateLink write...). The PutLink's own variables are its own: an outer grounding is
never substituted into its body, only into its arguments.

>>> from atomtrig.core.atomspace import CoreAtomSpace as AtomSpace
>>> import atomtrig.query
>>> from atomtrig.query.engine import run
>>> space = AtomSpace()
>>> x = space.add_node("Variable", "%x")
>>> concept = space.add_node("Type", "ConceptNode")
>>> things = space.add_link("Set", [space.add_node("Number", 42), space.add_node("Concept", "foo"),
...                                 space.add_node("Predicate", "biffle"), space.add_node("Concept", "bar")])
>>> print(run(space, space.add_link("Put", [space.add_link("TypedVariable", [x, concept]), x, things])))
(SetLink
  (ConceptNode "bar")
  (ConceptNode "foo"))
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from atomtrig.core.atom import Atom
from atomtrig.core.types import types
from atomtrig.core.values import LinkValue, Value
from atomtrig.core.variables import declared_variables, free_variables, is_declaration
from atomtrig.query.apply import bind_arguments, definition_of, lambda_parts, specs_of
from atomtrig.query.engine import (
    Env,
    Result,
    build_atom,
    check_arity,
    register_executor,
    restrict,
    run,
)
from atomtrig.query.errors import ExecutionError, ExecutionTypeError
from atomtrig.query.instantiate import compile_template
from atomtrig.query.typecheck import VariableSpec

if TYPE_CHECKING:
    from atomtrig.core.atomspace import CoreAtomSpace as AtomSpace

_LAMBDA = types["LambdaLink"]
_PUT = types["PutLink"]
_SET = types["SetLink"]
_LIST = types["ListLink"]
_DEFINED_SCHEMA = types["DefinedSchemaNode"]
_DEFINED_PREDICATE = types["DefinedPredicateNode"]
_FUNCTION = types["FunctionLink"]
# Arguments of these types are run before they are put.
_RUN_ARGS = frozenset(
    types.subtypes("FunctionLink")
    | types.subtypes("PatternLink")
    | {_PUT}
) - types.subtypes("SatisfactionLink")


def _execute_put(space: AtomSpace, put: Atom, env: Env) -> Result:
    check_arity(put, 2, 3, "[vardecl] body arguments")
    if len(put.out) == 3:
        declaration, body, args = put.out
        if not is_declaration(declaration):
            raise ExecutionError(f"{put.short()}: the first of three atoms must be a variable declaration")
        variables = declared_variables(declaration)
    else:
        declaration = None
        body, args = put.out
        variables = ()
    body_env = restrict(env, variables) if declaration is not None else {}

    if body.type in (_DEFINED_SCHEMA, _DEFINED_PREDICATE):
        body = definition_of(body)
        body_env = {}
        if body.type is not _LAMBDA:
            raise ExecutionError(f"{put.short()}: {put.out[-2].short()} must be defined as a LambdaLink")
    elif body.type is _PUT:
        reduced = run(space, body, env)
        if not isinstance(reduced, Atom):
            raise ExecutionError(f"{put.short()}: the inner PutLink gave {reduced!r}, not an atom")
        body = reduced
    if body.type is _LAMBDA:
        declaration, variables, body = lambda_parts(body)
        if body_env:
            body_env = restrict(body_env, variables)
    elif declaration is None:
        variables = free_variables(body)

    arguments = _arguments(space, put, args, env)

    if not variables:
        if _FUNCTION in body.type.ancestors:
            return _apply_function(space, put, body, arguments)
        raise ExecutionError(
            f"{put.short()}: the body {body.short()} has no variable to put the arguments into"
        )

    specs = specs_of(declaration, variables)
    if isinstance(arguments, list):  # a set of argument tuples
        results: dict[Atom, None] = {}
        make = compile_template(body, consume=False)
        for item in arguments:
            values = _unpack(item, specs)
            bound = bind_arguments(put, specs, values, strict=False)
            if bound is None:
                continue
            result = make(space, {**body_env, **bound})
            if result is None:
                continue
            if not isinstance(result, Atom):
                raise ExecutionTypeError(
                    f"{put.short()}: the reduction for {item.short()} gave the Value {result!r}, "
                    "which cannot be a member of the resulting SetLink"
                )
            results.setdefault(result)
        return space.add_link(_SET, list(results))
    values = _unpack(arguments, specs)
    bound = bind_arguments(put, specs, values, strict=True)
    assert bound is not None
    return compile_template(body, consume=False)(space, {**body_env, **bound})


def _arguments(space: AtomSpace, put: Atom, args: Atom, env: Env) -> Atom | list[Atom]:
    """The argument atom, or the list of members when the arguments form a set."""
    if args.type in _RUN_ARGS:
        value = run(space, args, env)
        if isinstance(value, LinkValue):
            members = [m for m in value.items if isinstance(m, Atom)]
            if len(members) != len(value.items):
                raise ExecutionTypeError(f"{put.short()}: the arguments {value!r} hold Values, not only atoms")
            return members
        if isinstance(value, Value) or not isinstance(value, Atom):
            raise ExecutionTypeError(
                f"{put.short()}: the arguments {args.short()} gave {value!r}, not atoms"
            )
        atom = value
    elif args.type is _LIST and any(member.type in _RUN_ARGS for member in args.out):
        atom = space.add_link(_LIST, [_list_member(space, put, m, env) for m in args.out])
    else:
        built = build_atom(space, args, env)
        if built is None:
            raise ExecutionError(f"{put.short()}: the arguments {args.short()} deleted themselves")
        atom = built
    if atom.type is _SET:
        return list(atom.out)
    return atom


def _list_member(space: AtomSpace, put: Atom, member: Atom, env: Env) -> Atom:
    """One member of an argument ListLink. A GetLink (or function link) there is run, and a
    one-member SetLink it gives is unwrapped, as the classic PutLink does: ``(Put (VariableList
    $x $y) ... (List (Get ...) (Get ...)))`` puts the one grounding of each."""
    if member.type not in _RUN_ARGS:
        built = build_atom(space, member, env)
        if built is None:
            raise ExecutionError(f"{put.short()}: the argument {member.short()} deleted itself")
        return built
    value = run(space, member, env)
    if isinstance(value, LinkValue):
        items = [m for m in value.items if isinstance(m, Atom)]
        value = space.add_link(_SET, items) if len(items) == len(value.items) else value
    if not isinstance(value, Atom):
        raise ExecutionTypeError(f"{put.short()}: the argument {member.short()} gave {value!r}, not an atom")
    if value.type is _SET:
        if len(value.out) == 1:
            return value.out[0]
        if not value.out:
            raise ExecutionError(f"{put.short()}: the argument {member.short()} gave the empty set; there is nothing to put")
    return value


def _unpack(item: Atom, specs: list[VariableSpec]) -> list[Atom]:
    """One argument tuple: a ListLink's members for several variables (or for a glob), else the
    atom itself."""
    if item.type is _LIST and (len(specs) != 1 or specs[0].is_glob):
        return list(item.out)
    return [item]


def _apply_function(space: AtomSpace, put: Atom, body: Atom, arguments: Atom | list[Atom]) -> Result:
    def one(item: Atom) -> Result:
        extra = list(item.out) if item.type is _LIST else [item]
        return run(space, space.add_link(body.type, list(body.out) + extra), {})

    if isinstance(arguments, list):
        results: list[Atom] = []
        for item in arguments:
            result = one(item)
            if not isinstance(result, Atom):
                raise ExecutionTypeError(f"{put.short()}: {body.short()} gave the Value {result!r} inside a set")
            results.append(result)
        return space.add_link(_SET, results)
    return one(arguments)


register_executor("PutLink", _execute_put, in_data=True)
