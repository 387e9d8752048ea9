"""Free variables and closedness of atoms, with the classic scoping rules.

A scope link (LambdaLink, BindLink, GetLink, SatisfyingSetLink, ForAllLink, ...) binds the
variables its first outgoing atom declares, or, with no declaration, every variable of its body.
A PutLink binds the free variables of its body, or those its declaration names when it has one
(``(Put vardecl body args)``). Quoted atoms hold no free variables.

>>> from atomtrig.core.atomspace import CoreAtomSpace as AtomSpace
>>> space = AtomSpace()
>>> x = space.add_node("Variable", "$x")
>>> c = space.add_node("Concept", "c")
>>> inh = space.add_link("Inheritance", [x, c])
>>> free_variables(inh) == (x,)
True
>>> is_closed(space.add_link("Lambda", [x, inh]))
True
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from atomtrig.core.types import types

if TYPE_CHECKING:
    from atomtrig.core.atom import Atom

VARIABLE_NODE = types["VariableNode"]
SCOPE_LINK = types["ScopeLink"]
PUT_LINK = types["PutLink"]
QUOTE_LINK = types["QuoteLink"]
DECLARATION_TYPES = frozenset(
    types[n] for n in ("VariableNode", "GlobNode", "VariableList", "VariableSet", "TypedVariableLink")
)


def is_variable(atom: Atom) -> bool:
    return VARIABLE_NODE in atom.type.ancestors


def declared_variables(declaration: Atom) -> tuple[Atom, ...]:
    """The variables a declaration names, in order: a variable, a TypedVariableLink, or a
    VariableList/VariableSet of those."""
    t = declaration.type
    if VARIABLE_NODE in t.ancestors:
        return (declaration,)
    if t is types["TypedVariableLink"]:
        return (declaration.out[0],)
    if t is types["VariableList"] or t is types["VariableSet"]:
        result: list[Atom] = []
        for item in declaration.out:
            result.extend(declared_variables(item))
        return tuple(result)
    return ()


def is_declaration(atom: Atom) -> bool:
    return atom.type in DECLARATION_TYPES


def free_variables(atom: Atom) -> tuple[Atom, ...]:
    """The free variables of ``atom``, in order of first appearance."""
    found: dict[Atom, None] = {}
    _collect(atom, frozenset(), found)
    return tuple(found)


def is_closed(atom: Atom) -> bool:
    """True if ``atom`` has no free variables."""
    return not free_variables(atom)


def _collect(atom: Atom, bound: frozenset[Atom], found: dict[Atom, None]) -> None:
    t = atom.type
    if atom.is_node():
        if VARIABLE_NODE in t.ancestors and atom not in bound:
            found.setdefault(atom, None)
        return
    ancestors = t.ancestors
    if QUOTE_LINK in ancestors:
        return
    out = atom.out
    if SCOPE_LINK in ancestors and out:
        first = out[0]
        if is_declaration(first):
            inner = bound | frozenset(declared_variables(first))
            for child in out[1:]:
                _collect(child, inner, found)
        # No declaration: every variable of the body is bound implicitly.
        return
    if t is PUT_LINK and out:
        if len(out) == 3 and is_declaration(out[0]):
            # (Put vardecl body args): the declared variables are bound in the body.
            _collect(out[1], bound | frozenset(declared_variables(out[0])), found)
            _collect(out[2], bound, found)
            return
        # (Put body args): every free variable of the body is the PutLink's own.
        for child in out[1:]:
            _collect(child, bound, found)
        return
    for child in out:
        _collect(child, bound, found)
