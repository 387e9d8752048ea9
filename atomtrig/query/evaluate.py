"""Evaluating atoms to truth values: ``evaluate(space, atom)``.

Crisp constructs give ``(stv 1 1)`` (true) or ``(stv 0 1)`` (false); a truth value counts as
true when its strength is at least 0.5 (the classic rule).

* **AndLink** / **OrLink**: all / any of the members (stopping at the first that decides);
  **SequentialAndLink** / **SequentialOrLink**: the same, strictly in order — so later members
  (side effects included) run only when needed. **NotLink**: the opposite.
* **TrueLink** / **FalseLink**: execute their members (for their effects), then true / false.
* **EqualLink**: every member executed, the results the same atom (or equal Values).
  **IdenticalLink**: the members, with variables replaced but nothing executed, are one atom.
  **GreaterThanLink**: :mod:`~atomtrig.query.arithmetic`.
* **EvaluationLink** ``(Evaluation predicate args)``: a GroundedPredicateNode, a
  DefinedPredicateNode or a LambdaLink is applied (:mod:`~atomtrig.query.apply`); with a plain
  PredicateNode it is the EvaluationLink's own truth value. A DefinedPredicateNode on its own:
  its definition evaluated.
* **SatisfactionLink**: true when the pattern has a grounding. **PresentLink**, **AbsentLink**,
  **AlwaysLink** on their own: evaluated as the body of a SatisfactionLink.
* An executable link (CondLink, IfElseLink, ExecutionOutputLink, PutLink...): executed, and the
  truth value of the result taken (a truth value as it is; an atom: its own truth value).
* Any other atom: its own truth value.

``evaluate`` is also what the pattern matcher calls for virtual clauses, with the grounding so
far as ``bindings``.

>>> import atomtrig
>>> space = atomtrig.AtomSpace()
>>> with space:
...     check = atomtrig.SequentialAnd(
...         atomtrig.GreaterThan(atomtrig.Number(3), atomtrig.Number(2)),
...         atomtrig.Not(atomtrig.Equal(atomtrig.Number(1), atomtrig.Plus(atomtrig.Number(1), atomtrig.Number(1)))))
>>> evaluate(space, check)
(stv 1 1)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from atomtrig.core.atom import Atom
from atomtrig.core.truthvalue import FALSE_TV, TRUE_TV, TruthValue
from atomtrig.core.types import types
from atomtrig.core.variables import free_variables
from atomtrig.query.apply import apply_predicate
from atomtrig.query.engine import (
    EMPTY,
    Binding,
    Env,
    as_atom,
    build_atom,
    check_arity,
    check_bindings,
    expand,
    lookup,
    own,
    register_evaluator,
    run,
    truth,
)
from atomtrig.query.errors import ExecutionError, ExecutionTypeError
from atomtrig.query.substitute import substitute

if TYPE_CHECKING:
    from atomtrig.core.atomspace import CoreAtomSpace as AtomSpace

__all__ = ["evaluate", "run_pattern", "satisfied"]

_GPN = types["GroundedPredicateNode"]
_DPN = types["DefinedPredicateNode"]
_LAMBDA = types["LambdaLink"]
# Predicates that are applied (schemas too, to report the mix-up).
_APPLIED = frozenset({_GPN, _DPN, _LAMBDA, types["GroundedSchemaNode"], types["DefinedSchemaNode"]})
_VARIABLE_LISTS = frozenset({types["VariableList"], types["VariableSet"]})
# Links whose substitution has rules of its own (quotes, scopes).
_GLOB = types["GlobNode"]
_NOT_PLAIN = frozenset({types["QuoteLink"], types["UnquoteLink"], types["ScopeLink"], types["PutLink"]})


def evaluate(
    space: AtomSpace, atom: Atom, bindings: Mapping[Atom, Binding] | None = None
) -> TruthValue:
    """The truth value of ``atom`` (see the module docstring); ``bindings`` maps variables to
    atoms (globs to tuples of atoms) to use in place of the free variables."""
    env = check_bindings(bindings)
    if not isinstance(atom, Atom):
        raise ExecutionTypeError(f"evaluate needs an atom, not {type(atom).__name__} {atom!r}")
    try:
        return truth(space, own(space, atom), env)
    except RecursionError:
        raise ExecutionError(
            f"evaluating {atom.short()} recursed too deeply (Python's recursion limit); "
            "does a recursive definition lack a stopping condition?"
        ) from None


def is_true(tv: TruthValue) -> bool:
    """The classic reading of a truth value as a yes/no: strength at least 0.5."""
    return tv.strength >= 0.5


def _crisp(value: bool) -> TruthValue:
    return TRUE_TV if value else FALSE_TV


# -- logic ------------------------------------------------------------------------------------
def _and(space: AtomSpace, link: Atom, env: Env) -> TruthValue:
    for member in link.out:
        if not is_true(truth(space, member, env)):
            return FALSE_TV
    return TRUE_TV


def _or(space: AtomSpace, link: Atom, env: Env) -> TruthValue:
    for member in link.out:
        if is_true(truth(space, member, env)):
            return TRUE_TV
    return FALSE_TV


def _not(space: AtomSpace, link: Atom, env: Env) -> TruthValue:
    check_arity(link, 1, 1, "the one atom to negate")
    return _crisp(not is_true(truth(space, link.out[0], env)))


def _true(space: AtomSpace, link: Atom, env: Env) -> TruthValue:
    for member in link.out:
        run(space, member, env)
    return TRUE_TV


def _false(space: AtomSpace, link: Atom, env: Env) -> TruthValue:
    for member in link.out:
        run(space, member, env)
    return FALSE_TV


# -- comparison -------------------------------------------------------------------------------
def _equal(space: AtomSpace, link: Atom, env: Env) -> TruthValue:
    members = list(expand(space, link.out, env))
    if len(members) < 2:
        check_arity(link, 2, None, "the atoms to compare")
    results = [run(space, m, env) for m in members]
    first = results[0]
    for other in results[1:]:
        if isinstance(first, Atom) or isinstance(other, Atom):
            if first is not other:
                return FALSE_TV
        elif first != other:
            return FALSE_TV
    return TRUE_TV


def _identical(space: AtomSpace, link: Atom, env: Env) -> TruthValue:
    members = list(expand(space, link.out, env))
    if len(members) < 2:
        check_arity(link, 2, None, "the atoms to compare")
    if not env:
        return _crisp(all(m is members[0] for m in members[1:]))
    first = members[0]
    return _crisp(all(_same(space, first, other, env) for other in members[1:]))


def _same(space: AtomSpace, a: Atom, b: Atom, env: Env) -> bool:
    """``a`` and ``b`` with ``env`` substituted are one atom — compared in place, so that a
    virtual IdenticalLink tried on many candidate groundings adds nothing to the store. Globs,
    unordered links, quotes and scopes are substituted for real (their rules are
    :func:`substitute`'s)."""
    a_value = env.get(a) if a.is_node() else None
    b_value = env.get(b) if b.is_node() else None
    if a_value is not None or b_value is not None:
        if (a_value if a_value is not None else a).__class__ is tuple or (
            b_value if b_value is not None else b
        ).__class__ is tuple:
            return substitute(space, a, env) is substitute(space, b, env)
        return (a_value if a_value is not None else a) is (b_value if b_value is not None else b)
    if a.is_node() or b.is_node():
        return a is b
    t = a.type
    if t is not b.type:
        return False
    if t.unordered or _NOT_PLAIN & t.ancestors or any(c.type is _GLOB for c in a.out + b.out):
        return substitute(space, a, env) is substitute(space, b, env)
    if len(a.out) != len(b.out):
        return False
    return all(_same(space, x, y, env) for x, y in zip(a.out, b.out))


# -- predicates -------------------------------------------------------------------------------
def _evaluation(space: AtomSpace, link: Atom, env: Env) -> TruthValue:
    check_arity(link, 1, 2, "predicate [arguments]")
    predicate = as_atom(lookup(space, link.out[0], env))
    if predicate.type in _APPLIED:
        return apply_predicate(space, link, predicate, link.out[1] if len(link.out) == 2 else None, env)
    built = build_atom(space, link, env) if env else link
    return built.tv if built is not None else TRUE_TV


def _defined_predicate(space: AtomSpace, node: Atom, env: Env) -> TruthValue:
    return apply_predicate(space, node, node, None, EMPTY)


# -- patterns ---------------------------------------------------------------------------------
def run_pattern(
    space: AtomSpace,
    scope: Atom,
    env: Env,
    *,
    anchor: Atom | None = None,
    limit: int | None = None,
) -> tuple[list[dict[Atom, Binding]], Env]:
    """Run the pattern of the scope link ``scope`` with ``env``. The variables the pattern
    declares are pre-bound from ``env`` (the matcher's ``fixed``); the other variables of
    ``env`` that occur free in the pattern keep their values too — they are matched as fixed
    extra variables rather than substituted, so that nothing is added to the store just to be
    looked for. Returns the groundings (of the pattern's own variables, in declaration order)
    and the part of ``env`` that is not the pattern's own (for the rewrite)."""
    from atomtrig.query.matcher import match, match_body
    from atomtrig.query.pattern import pattern_variables, split_scope

    if not env:
        return match(space, scope, anchor=anchor, limit=limit), EMPTY
    declaration, body = split_scope(scope)
    own_vars = pattern_variables(declaration, body)
    own_set = set(own_vars)
    fixed = {k: v for k, v in env.items() if k in own_set}
    outer = {k: v for k, v in env.items() if k not in own_set}
    used = {}
    if outer and declaration is not None:
        free = set(free_variables(body))
        used = {k: v for k, v in outer.items() if k in free}
    if not used:
        return match(space, scope, anchor=anchor, fixed=fixed or None, limit=limit), outer
    items = declaration.out if declaration.type in _VARIABLE_LISTS else (declaration,)  # type: ignore[union-attr]
    extended = space.add_link("VariableList", [*items, *used])
    found = match_body(space, extended, body, anchor=anchor, fixed={**fixed, **used}, limit=limit)
    return [{v: g[v] for v in own_vars} for g in found], outer


def satisfied(space: AtomSpace, scope: Atom, env: Env = EMPTY, *, anchor: Atom | None = None) -> TruthValue:
    """``(stv 1 1)`` when the pattern of ``scope`` has a grounding, else ``(stv 0 1)``."""
    groundings, _ = run_pattern(space, scope, env, anchor=anchor, limit=1)
    return _crisp(bool(groundings))


def _satisfaction(space: AtomSpace, link: Atom, env: Env) -> TruthValue:
    return satisfied(space, link, env)


def _implicit_satisfaction(space: AtomSpace, link: Atom, env: Env) -> TruthValue:
    from atomtrig.query.matcher import match_body
    from atomtrig.query.pattern import pattern_variables

    own_vars = set(pattern_variables(None, link))
    fixed = {k: v for k, v in env.items() if k in own_vars} if env else {}
    return _crisp(bool(match_body(space, None, link, fixed=fixed or None, limit=1)))


register_evaluator("AndLink", _and)
register_evaluator("SequentialAndLink", _and)
register_evaluator("OrLink", _or)
register_evaluator("SequentialOrLink", _or)
register_evaluator("NotLink", _not)
register_evaluator("TrueLink", _true)
register_evaluator("FalseLink", _false)
register_evaluator("EqualLink", _equal)
register_evaluator("IdenticalLink", _identical)
register_evaluator("EvaluationLink", _evaluation)
register_evaluator("DefinedPredicateNode", _defined_predicate)
register_evaluator("SatisfactionLink", _satisfaction)
for _name in ("PresentLink", "AbsentLink", "AlwaysLink"):
    register_evaluator(_name, _implicit_satisfaction)
