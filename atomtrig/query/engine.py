"""The evaluator's core: environments, the type-dispatch tables, and the three walks every
executable construct is built from.

An *environment* maps variables to the atoms they stand for (a GlobNode to a tuple of atoms).
Nothing is substituted up front: the walks look variables up as they meet them, so a CondLink
only ever builds the branch it takes, and a recursive DefinedSchemaNode terminates.

* :func:`run` — execute: the result of running ``atom`` (an atom, a Value, a truth value, or
  None when the atom deleted itself away).
* :func:`truth` — evaluate: the truth value of ``atom``.
* :func:`build` — instantiate in *data position*: the atom with its free variables replaced,
  and with its executable sub-terms (ExecutionOutputLink, arithmetic, PutLink, DeleteLink,
  CondLink, GetLink...) run, as the classic instantiator does. Evaluatable sub-terms
  (EvaluationLink, AndLink, EqualLink...) stay data; scope links (LambdaLink, SatisfyingSetLink,
  ForAllLink...) and quoted atoms are substituted only, keeping their own bound variables.

The handlers for particular link types live in :mod:`~atomtrig.query.execute`,
:mod:`~atomtrig.query.evaluate`, :mod:`~atomtrig.query.arithmetic` and
:mod:`~atomtrig.query.put`; they register themselves here with :func:`register_executor` and
:func:`register_evaluator` (another layer may register more).

>>> from atomtrig.core.atomspace import CoreAtomSpace as AtomSpace
>>> import atomtrig.query  # registers the handlers
>>> space = AtomSpace()
>>> x = space.add_node("Variable", "$x")
>>> a = space.add_node("Concept", "a")
>>> link = space.add_link("Inheritance", [x, space.add_link("Plus", [space.add_node("Number", "1"), space.add_node("Number", "2")])])
>>> build(space, link, {x: a}).short()
'(InheritanceLink (ConceptNode "a") (NumberNode "3"))'
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING

from atomtrig.core.atom import Atom
from atomtrig.core.truthvalue import TRUE_TV, TruthValue
from atomtrig.core.types import AtomType, types
from atomtrig.core.values import Value
from atomtrig.query.errors import ExecutionError, ExecutionTypeError
from atomtrig.query.substitute import substitute

if TYPE_CHECKING:
    from atomtrig.core.atomspace import CoreAtomSpace as AtomSpace

Binding = Atom | tuple[Atom, ...]
Env = Mapping[Atom, Binding]
Result = Atom | Value | TruthValue | None
Executor = Callable[["AtomSpace", Atom, Env], Result]
Evaluator = Callable[["AtomSpace", Atom, Env], TruthValue]

EMPTY: Mapping[Atom, Binding] = {}

EXECUTORS: dict[AtomType, Executor] = {}
"""Link (or node) type -> the function that executes it."""

EVALUATORS: dict[AtomType, Evaluator] = {}
"""Link (or node) type -> the function that evaluates it to a truth value."""

DATA_EXECUTABLE: set[AtomType] = set()
"""Types that are executed even where they appear as data inside another link (the classic
instantiator's eager execution): function links, PutLink, DeleteLink, CondLink, GetLink..."""

_VARIABLE = types["VariableNode"]
_GLOB = types["GlobNode"]
_LIST = types["ListLink"]
_QUOTE = types["QuoteLink"]
_UNQUOTE = types["UnquoteLink"]
_SCOPE = types["ScopeLink"]


def register_executor(type_name: str | AtomType, fn: Executor, *, in_data: bool = False) -> None:
    """Execute atoms of ``type_name`` (and of its subtypes that have no handler of their own)
    with ``fn(space, atom, env)``. With ``in_data=True`` they are also executed where they
    appear inside a rewrite or another link."""
    t = types[type_name]
    for sub in types.subtypes(t):
        if sub is t or sub not in EXECUTORS:
            EXECUTORS[sub] = fn
            if in_data:
                DATA_EXECUTABLE.add(sub)
            else:
                DATA_EXECUTABLE.discard(sub)


def register_evaluator(type_name: str | AtomType, fn: Evaluator) -> None:
    """Evaluate atoms of ``type_name`` (and of its subtypes that have no evaluator of their own)
    with ``fn(space, atom, env)``."""
    t = types[type_name]
    for sub in types.subtypes(t):
        if sub is t or sub not in EVALUATORS:
            EVALUATORS[sub] = fn


# -- variables --------------------------------------------------------------------------------
def lookup(space: AtomSpace, atom: Atom, env: Env) -> Binding:
    """The value of ``atom`` in ``env`` if it is a bound variable, else ``atom``; atoms are
    always returned as members of ``space`` (one that was removed meanwhile is added again)."""
    if env and _VARIABLE in atom.type.ancestors:
        value = env.get(atom)
        if value is not None:
            if value.__class__ is tuple:
                return tuple(own(space, a) for a in value)  # type: ignore[union-attr]
            return own(space, value)  # type: ignore[arg-type]
    return atom if atom._space is space else space.add_atom(atom)


def own(space: AtomSpace, atom: Atom) -> Atom:
    """``atom`` as a member of ``space`` (copied in, or added again if it was removed)."""
    return atom if atom._space is space else space.add_atom(atom)


def as_atom(value: Binding) -> Atom:
    """A binding as one atom: a glob's tuple becomes a ListLink (one atom stays itself)."""
    if value.__class__ is tuple:
        items: tuple[Atom, ...] = value  # type: ignore[assignment]
        if len(items) == 1:
            return items[0]
        space = items[0]._space if items else None
        if space is None:
            raise ExecutionError("an empty glob grounding cannot stand alone as an atom")
        return space.add_link(_LIST, items)
    return value  # type: ignore[return-value]


def restrict(env: Env, hidden: tuple[Atom, ...] | frozenset[Atom]) -> Env:
    """``env`` without the variables in ``hidden`` (those an inner scope binds again)."""
    if not env or not any(v in env for v in hidden):
        return env
    return {k: v for k, v in env.items() if k not in hidden}


# -- bindings given by users ------------------------------------------------------------------
def check_bindings(bindings: Mapping[Atom, Binding] | None) -> Env:
    """Validate user-given bindings: variables to atoms (globs to tuples of atoms)."""
    if not bindings:
        if bindings is not None and not isinstance(bindings, Mapping):
            raise ExecutionTypeError(f"bindings must be a mapping, not {type(bindings).__name__}")
        return EMPTY
    if bindings.__class__ is not dict and not isinstance(bindings, Mapping):
        raise ExecutionTypeError(
            f"bindings must map variables to atoms, not {type(bindings).__name__} {bindings!r}"
        )
    for key, value in bindings.items():
        if not isinstance(key, Atom) or _VARIABLE not in key.type.ancestors:
            raise ExecutionTypeError(
                f"bindings must map VariableNodes or GlobNodes to atoms; the key {key!r} is not a variable"
            )
        if isinstance(value, tuple):
            if key.type is not _GLOB:
                raise ExecutionTypeError(
                    f"only a GlobNode is bound to a tuple of atoms, not {key.short()}"
                )
            if not all(isinstance(v, Atom) for v in value):
                raise ExecutionTypeError(f"the tuple bound to {key.short()} must hold atoms only")
        elif not isinstance(value, Atom):
            raise ExecutionTypeError(
                f"{key.short()} must be bound to an atom, not {type(value).__name__} {value!r}"
            )
    return bindings


# -- the three walks --------------------------------------------------------------------------
def run(space: AtomSpace, atom: Atom, env: Env = EMPTY) -> Result:
    """Execute ``atom`` in ``env``. See the module docstring."""
    handler = EXECUTORS.get(atom.type)
    if handler is not None:
        return handler(space, atom, env)
    if atom.is_node():
        return as_atom(lookup(space, atom, env))
    if atom.type in EVALUATORS:
        return truth(space, atom, env)
    built = build(space, atom, env)
    return None if built is None else as_atom(built)


def truth(space: AtomSpace, atom: Atom, env: Env = EMPTY) -> TruthValue:
    """Evaluate ``atom`` in ``env`` to a truth value. See the module docstring."""
    handler = EVALUATORS.get(atom.type)
    if handler is not None:
        return handler(space, atom, env)
    if atom.is_node():
        value = lookup(space, atom, env)
        if value is not atom:
            return truth(space, as_atom(value), EMPTY)
        return atom.tv
    if atom.type in EXECUTORS:
        return truth_of_result(atom, run(space, atom, env))
    built = build(space, atom, env) if env else atom
    if built is None or built.__class__ is tuple:
        return TRUE_TV
    return built.tv  # type: ignore[union-attr]


def truth_of_result(source: Atom, result: Result) -> TruthValue:
    """The truth value of what executing ``source`` gave: a truth value as it is, an evaluatable
    atom evaluated, another atom its own truth value. A Value (a SetValueLink's, a schema's) and
    nothing at all (a deletion) count as true: the action ran — so a SequentialAndLink of actions
    goes on to the next one."""
    if isinstance(result, TruthValue):
        return result
    if isinstance(result, Atom):
        if result.type in EVALUATORS and result is not source:
            return truth(result._space or source.space, result, EMPTY)
        return result.tv
    return TRUE_TV


def build(space: AtomSpace, atom: Atom, env: Env = EMPTY, consume: bool = False) -> Binding | None:
    """Instantiate ``atom`` in data position (see the module docstring). Returns the atom, a
    tuple (a glob's grounding, to be spliced by the caller), or None (a DeleteLink that deleted,
    which vanishes from its container)."""
    t = atom.type
    if atom.is_node():
        return lookup(space, atom, env)
    if t in DATA_EXECUTABLE:
        result = EXECUTORS[t](space, atom, env)
        if result is None or isinstance(result, Atom):
            return result
        raise ExecutionTypeError(
            f"{atom.short()} produced {result!r} inside a link, where only atoms can go; "
            "execute it on its own (or keep the Value with a SetValueLink)"
        )
    if t is _QUOTE or _QUOTE in t.ancestors:
        return substitute(space, atom, env, consume_quotations=consume) if env or consume else own(space, atom)
    if _SCOPE in t.ancestors:
        return substitute(space, atom, env) if env else own(space, atom)
    out = atom.out
    new_out: list[Atom] = []
    changed = False
    for child in out:
        new = build(space, child, env, consume)
        if new is child:
            new_out.append(child)
            continue
        changed = True
        if new is None:
            continue
        if new.__class__ is tuple:
            new_out.extend(new)  # type: ignore[arg-type]
        else:
            new_out.append(new)  # type: ignore[arg-type]
    if not changed:
        return own(space, atom)
    return space.add_link(t, new_out)


def build_atom(space: AtomSpace, atom: Atom, env: Env = EMPTY, consume: bool = False) -> Atom | None:
    """:func:`build`, with a glob's tuple turned into a ListLink."""
    built = build(space, atom, env, consume)
    return None if built is None else as_atom(built)


def arguments(space: AtomSpace, args: Atom | None, env: Env) -> list[Atom]:
    """The argument atoms of an ExecutionOutputLink or EvaluationLink: the members of its
    ListLink (globs spliced), or the single argument, each instantiated in data position."""
    if args is None:
        return []
    if args.type is _LIST:
        result: list[Atom] = []
        for item in args.out:
            built = build(space, item, env)
            if built is None:
                continue
            if built.__class__ is tuple:
                result.extend(built)  # type: ignore[arg-type]
            else:
                result.append(built)  # type: ignore[arg-type]
        return result
    built = build(space, args, env)
    if built is None:
        return []
    if built.__class__ is tuple:
        return list(built)  # type: ignore[arg-type]
    return [built]  # type: ignore[list-item]


def expand(space: AtomSpace, out: tuple[Atom, ...], env: Env) -> Iterator[Atom]:
    """The members of an outgoing set with bound globs spliced in (not otherwise instantiated)."""
    for child in out:
        if env and child.type is _GLOB and child in env:
            value = env[child]
            if value.__class__ is tuple:
                yield from (own(space, a) for a in value)  # type: ignore[union-attr]
            else:
                yield own(space, value)  # type: ignore[arg-type]
        else:
            yield child


def check_arity(atom: Atom, low: int, high: int | None = None, shape: str = "") -> None:
    """Raise :class:`ExecutionError` unless ``low <= len(atom.out) <= high``."""
    n = len(atom.out)
    if n < low or (high is not None and n > high):
        if high is None:
            wanted = f"at least {low}"
        elif low == high:
            wanted = f"exactly {low}"
        else:
            wanted = f"{low} to {high}"
        form = f" ({shape})" if shape else ""
        raise ExecutionError(
            f"{atom.short()}: a {atom.type.name} takes {wanted} atom(s){form}, got {n}"
        )
