"""Executing atoms: ``execute(space, atom)`` runs queries, rewrites and Atomese programs.

What each kind of atom gives when executed:

* **BindLink** ``(Bind [vardecl] pattern rewrite)``: the rewrite instantiated for every grounding
  of the pattern (see :mod:`~atomtrig.query.instantiate`), the distinct results in a SetLink
  added to the store. **QueryLink**: the same results in a :class:`LinkValue`, with no SetLink
  added (as the classic QueryLink returns its results in a Value rather than the store).
* **GetLink** / **MeetLink** ``(Get [vardecl] pattern)``: the groundings in a SetLink added to
  the store — with one variable, the atoms grounding it; with several, one ListLink per
  grounding in declaration order (a glob's run is a ListLink too).
* **DualLink** ``(Dual data)``: the stored patterns that ``data`` would ground (pattern
  recognition), in a SetLink added to the store.
* **SatisfactionLink** and every evaluatable link (AndLink, OrLink, NotLink, SequentialAnd/Or,
  TrueLink, FalseLink, EqualLink, IdenticalLink, GreaterThanLink, EvaluationLink over a grounded
  or defined predicate): its truth value, as :func:`~atomtrig.query.evaluate.evaluate` gives it.
* **PutLink**: beta reduction (:mod:`~atomtrig.query.put`).
* **ExecutionOutputLink** ``(ExecutionOutput schema args)``: the schema applied
  (:mod:`~atomtrig.query.apply`); a DefinedSchemaNode on its own: its definition executed.
* **PlusLink**, **MinusLink**, **TimesLink**, **DivideLink**: :mod:`~atomtrig.query.arithmetic`.
* **ValueOfLink** ``(ValueOf atom key)``: the Value at ``key`` (an error when there is none);
  **TruthValueOfLink** ``(TruthValueOf atom)``: the truth value; **SetValueLink**
  ``(SetValue atom key expr)``: ``expr`` executed and stored at ``key``, and returned.
* **CondLink** ``(Cond c1 e1 c2 e2 ... [default])``: the first ``ei`` whose ``ci`` evaluates to
  true, executed (else the default, else None). **IfElseLink** ``(IfElse c then [else])``.
* **DeleteLink**: once no variable is left, removes its atoms (recursively: the links holding
  them go too) and gives None; with variables left it is a template and stays in the store.
* **StateLink**: adding a closed one replaces the key's previous state (the store does it), so a
  rewrite or PutLink that builds one writes the state; a pattern ``(State key $x)`` reads it.
* Anything else: the atom with its executable parts run and its variables replaced.

>>> import atomtrig
>>> space = atomtrig.AtomSpace()
>>> with space:
...     _ = atomtrig.Inheritance(atomtrig.Concept("cat"), atomtrig.Concept("animal"))
...     _ = atomtrig.Inheritance(atomtrig.Concept("dog"), atomtrig.Concept("animal"))
...     x = atomtrig.Variable("$x")
...     query = atomtrig.Bind(atomtrig.Inheritance(x, atomtrig.Concept("animal")),
...                           atomtrig.Evaluation(atomtrig.Predicate("pet"), atomtrig.List(x)))
>>> print(execute(space, query))
(SetLink
  (EvaluationLink
    (PredicateNode "pet")
    (ListLink
      (ConceptNode "cat")))
  (EvaluationLink
    (PredicateNode "pet")
    (ListLink
      (ConceptNode "dog"))))
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import atomtrig.query.arithmetic
import atomtrig.query.evaluate
import atomtrig.query.put  # noqa: F401  (registers its handlers)
from atomtrig.core.atom import Atom
from atomtrig.core.truthvalue import TruthValue
from atomtrig.core.types import types
from atomtrig.core.values import LinkValue, Value
from atomtrig.query.apply import definition_of, execution_output
from atomtrig.query.engine import (
    EMPTY,
    EXECUTORS,
    Binding,
    Env,
    Result,
    build_atom,
    check_arity,
    check_bindings,
    own,
    register_executor,
    run,
    truth,
)
from atomtrig.query.errors import ExecutionError, ExecutionTypeError
from atomtrig.query.evaluate import run_pattern, satisfied
from atomtrig.query.instantiate import compile_template
from atomtrig.query.pattern import REWRITE_SCOPES

if TYPE_CHECKING:
    from atomtrig.core.atomspace import CoreAtomSpace as AtomSpace

__all__ = ["execute"]

_VARIABLE = types["VariableNode"]
_GLOB = types["GlobNode"]
_SET = types["SetLink"]
_LIST = types["ListLink"]
_DELETE = types["DeleteLink"]
_QUERY = types["QueryLink"]
_BIND = types["BindLink"]
_PATTERN = types["PatternLink"]
_SATISFACTION = types["SatisfactionLink"]


def execute(
    space: AtomSpace,
    atom: Atom,
    bindings: Mapping[Atom, Binding] | None = None,
    *,
    anchor: Atom | None = None,
) -> Atom | Value | TruthValue | None:
    """Execute ``atom`` in ``space`` (see the module docstring for what each type gives).

    ``bindings`` maps variables to atoms (a GlobNode to a tuple of atoms). For a pattern link
    (BindLink, QueryLink, GetLink, MeetLink, SatisfactionLink) the variables it declares are
    pre-bound in the search and the others are substituted into it first; for anything else the
    free variables are replaced. ``anchor`` (pattern links only) keeps the groundings in which
    some clause is grounded by that very atom — the incremental matching triggers use.

    Returns an atom of ``space``, a Value, a truth value, or None (a DeleteLink that deleted, a
    CondLink with no branch taken).
    """
    env = check_bindings(bindings)
    if not isinstance(atom, Atom):
        raise ExecutionTypeError(f"execute needs an atom, not {type(atom).__name__} {atom!r}")
    atom = own(space, atom)
    try:
        if anchor is not None:
            if _PATTERN not in atom.type.ancestors:
                raise ExecutionError(
                    f"anchor= applies to pattern links (Bind, Query, Get, Meet, Satisfaction), "
                    f"not {atom.short()}"
                )
            return _execute_pattern(space, atom, env, anchor)
        return run(space, atom, env)
    except RecursionError:
        raise ExecutionError(
            f"executing {atom.short()} recursed too deeply (Python's recursion limit); "
            "does a recursive definition lack a stopping condition?"
        ) from None


# -- pattern links ----------------------------------------------------------------------------
def _execute_pattern(space: AtomSpace, scope: Atom, env: Env, anchor: Atom | None = None) -> Result:
    t = scope.type
    if t is _SATISFACTION:
        return satisfied(space, scope, env, anchor=anchor)
    if t not in _RUNNABLE_PATTERNS:
        raise ExecutionError(f"{scope.short()}: a {t.name} is not a query this executor runs")
    groundings, outer = run_pattern(space, scope, env, anchor=anchor)
    if t in REWRITE_SCOPES:
        make = compile_template(scope.out[-1])
        results: dict[Atom | Value | TruthValue, None] = {}
        for grounding in groundings:
            result = make(space, {**outer, **grounding} if outer else grounding)
            if result is None:
                continue
            if t is _BIND and not isinstance(result, Atom):
                raise ExecutionTypeError(
                    f"{scope.short()}: the rewrite gave the Value {result!r}, which a SetLink cannot "
                    "hold; use a QueryLink to collect Values"
                )
            results.setdefault(result)
        if t is _QUERY:
            return LinkValue(list(results))
        return space.add_link(_SET, [r for r in results if isinstance(r, Atom)])
    members: dict[Atom, None] = {}
    for grounding in groundings:
        values = list(grounding.values())
        if len(values) == 1:
            members.setdefault(_one(space, values[0]))
        else:
            members.setdefault(space.add_link(_LIST, [_one(space, v) for v in values]))
    return space.add_link(_SET, list(members))


def _one(space: AtomSpace, value: Binding) -> Atom:
    """A grounding as one atom: a glob's run is a ListLink (even of one atom)."""
    if value.__class__ is tuple:
        return space.add_link(_LIST, value)  # type: ignore[arg-type]
    return value  # type: ignore[return-value]


_RUNNABLE_PATTERNS = frozenset(
    types[n] for n in ("BindLink", "QueryLink", "GetLink", "MeetLink")
)


# -- function links and control ---------------------------------------------------------------
def _defined_schema(space: AtomSpace, node: Atom, env: Env) -> Result:
    return run(space, definition_of(node), EMPTY)


def _is_true(tv: TruthValue) -> bool:
    return tv.strength >= 0.5


def _cond(space: AtomSpace, link: Atom, env: Env) -> Result:
    check_arity(link, 1, None, "condition expression ... [default]")
    out = link.out
    pairs = len(out) // 2
    for i in range(pairs):
        if _is_true(truth(space, out[2 * i], env)):
            return run(space, out[2 * i + 1], env)
    if len(out) % 2:
        return run(space, out[-1], env)
    return None


def _if_else(space: AtomSpace, link: Atom, env: Env) -> Result:
    check_arity(link, 2, 3, "condition then [else]")
    if _is_true(truth(space, link.out[0], env)):
        return run(space, link.out[1], env)
    if len(link.out) == 3:
        return run(space, link.out[2], env)
    return None


def _delete(space: AtomSpace, link: Atom, env: Env) -> Result:
    from atomtrig.core.variables import free_variables

    if any(v not in env for v in free_variables(link)):
        # Still a template: the store keeps it (as data) and nothing is deleted.
        children = [c for c in (build_atom(space, child, env) for child in link.out) if c is not None]
        return space.add_link(_DELETE, children)
    for child in link.out:
        for target in _existing(space, child, env):
            if target._space is space and _VARIABLE not in target.type.ancestors:
                space.remove(target, recursive=True)
    return None


def _existing(space: AtomSpace, atom: Atom, env: Env) -> list[Atom]:
    """The atoms of ``space`` that ``atom`` stands for in ``env`` — without creating any: an atom
    that is not (or no longer) in the store stands for nothing to delete."""
    if atom.is_node():
        value = env.get(atom) if env and _VARIABLE in atom.type.ancestors else None
        if value is None:
            return [atom] if atom._space is space else []
        items: tuple[Atom, ...] = value if isinstance(value, tuple) else (value,)
        return [a for a in items if a._space is space]
    t = atom.type
    if t in EXECUTORS or t.is_a("ScopeLink") or t.is_a("QuoteLink"):
        result = run(space, atom, env)
        return [result] if isinstance(result, Atom) else []
    out: list[Atom] = []
    for child in atom.out:
        found = _existing(space, child, env)
        if not found and not (child.is_node() and child in env and env[child] == ()):
            return []
        out.extend(found)
    existing = space.get_link(t, out)
    return [existing] if existing is not None else []


def _value_of(space: AtomSpace, link: Atom, env: Env) -> Result:
    check_arity(link, 2, 2, "atom key")
    holder, key = (_atom_arg(space, link, a, env) for a in link.out)
    value = holder.get_value(key)
    if value is None:
        raise ExecutionError(f"{link.short()}: {holder.short()} holds no value under {key.short()}")
    return value  # type: ignore[no-any-return]


def _truth_value_of(space: AtomSpace, link: Atom, env: Env) -> Result:
    check_arity(link, 1, 1, "atom")
    return _atom_arg(space, link, link.out[0], env).tv


def _set_value(space: AtomSpace, link: Atom, env: Env) -> Result:
    check_arity(link, 3, 3, "atom key value")
    holder = _atom_arg(space, link, link.out[0], env)
    key = _atom_arg(space, link, link.out[1], env)
    expr = link.out[2]
    value = run(space, expr, env) if expr.type in EXECUTORS else build_atom(space, expr, env)
    if value is None:
        raise ExecutionError(f"{link.short()}: the value {expr.short()} gave nothing to set")
    space.set_value(holder, key, value)
    return value


def _atom_arg(space: AtomSpace, link: Atom, arg: Atom, env: Env) -> Atom:
    result = build_atom(space, arg, env)
    if result is None:
        raise ExecutionError(f"{link.short()}: {arg.short()} gave no atom")
    return result


def _dual(space: AtomSpace, link: Atom, env: Env) -> Result:
    """``(Dual data)``: pattern recognition, the dual of a GetLink — the stored patterns (links
    with free variables, of the data's type) that the data would ground, in a SetLink added to
    the store. Their type restrictions are ignored, as in the classic DualLink."""
    from atomtrig.core.variables import free_variables
    from atomtrig.query.matcher import match_body

    if len(link.out) != 1:
        check_arity(link, 1, 1, "the data to recognise")
    data = build_atom(space, link.out[0], env)
    if data is None or data.is_node():
        raise ExecutionError(f"{link.short()}: a DualLink recognises patterns for a link, not {data!r}")
    found: dict[Atom, None] = {}
    for pattern in _patterns_of_type(space, data.type):
        if pattern is data or not free_variables(pattern):
            continue
        if match_body(space, None, pattern, anchor=data, limit=1):
            found.setdefault(pattern)
    return space.add_link(_SET, list(found))


def _patterns_of_type(space: AtomSpace, t: object) -> list[Atom]:
    """The links of type ``t`` holding a variable somewhere below: found upwards from the
    variables of the store, so the cost follows the number of patterns, not of data."""
    seen: set[int] = set()
    found: list[Atom] = []
    stack: list[Atom] = list(space.get_atoms_by_type("VariableNode"))
    while stack:
        atom = stack.pop()
        for holder in atom.incoming:
            if id(holder) in seen:
                continue
            seen.add(id(holder))
            if holder.type is t:
                found.append(holder)
            stack.append(holder)
    return found


for _name in ("BindLink", "QueryLink", "GetLink", "MeetLink"):
    register_executor(_name, _execute_pattern, in_data=True)
register_executor("DualLink", _dual, in_data=True)
register_executor("ExecutionOutputLink", execution_output, in_data=True)
register_executor("DefinedSchemaNode", _defined_schema)
register_executor("CondLink", _cond, in_data=True)
register_executor("IfElseLink", _if_else, in_data=True)
register_executor("DeleteLink", _delete, in_data=True)
register_executor("TruthValueOfLink", _truth_value_of)
register_executor("ValueOfLink", _value_of)
register_executor("SetValueLink", _set_value)
