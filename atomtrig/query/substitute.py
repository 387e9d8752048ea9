"""Substitution: put a grounding into a template atom (pure: nothing is executed).

Only FREE occurrences of the bound variables are replaced, with the classic scoping rules of
:mod:`atomtrig.core.variables`: a scope link that declares a variable again (a LambdaLink, a
GetLink, a PutLink's body...) keeps its own variable; a scope link with no declaration binds
every variable of its body; nothing inside a QuoteLink is replaced except what an UnquoteLink
turns back on. A glob bound to a tuple of atoms is spliced into the outgoing set that holds it.
The result is added to ``space`` (so unordered links are put in canonical order).

>>> from atomtrig.core.atomspace import CoreAtomSpace as AtomSpace
>>> space = AtomSpace()
>>> x, c, d = space.add_node("Variable", "$x"), space.add_node("Concept", "c"), space.add_node("Concept", "d")
>>> template = space.add_link("Inheritance", [x, c])
>>> substitute(space, template, {x: d}).short()
'(InheritanceLink (ConceptNode "d") (ConceptNode "c"))'
>>> g = space.add_node("Glob", "$g")
>>> substitute(space, space.add_link("List", [g, c]), {g: (d, d)}).short()
'(ListLink (ConceptNode "d") (ConceptNode "d") (ConceptNode "c"))'
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Union

from atomtrig.core.types import types
from atomtrig.core.variables import declared_variables, is_declaration

if TYPE_CHECKING:
    from atomtrig.core.atom import Atom
    from atomtrig.core.atomspace import CoreAtomSpace as AtomSpace

Binding = Union["Atom", tuple["Atom", ...]]

_VARIABLE = types["VariableNode"]
_SCOPE = types["ScopeLink"]
_PUT = types["PutLink"]
_QUOTE = types["QuoteLink"]
_UNQUOTE = types["UnquoteLink"]
_LIST = types["ListLink"]


def substitute(
    space: AtomSpace,
    atom: Atom,
    bindings: Mapping[Atom, Binding],
    *,
    consume_quotations: bool = False,
) -> Atom:
    """``atom`` with every free occurrence of a variable of ``bindings`` replaced by its value,
    added to ``space``.

    A glob's value is a tuple of atoms, spliced into the enclosing outgoing set; a tuple that
    stands alone (the whole template is the glob) becomes a ListLink of its atoms, or the atom
    itself when it has one. With ``consume_quotations=True`` the QuoteLinks and UnquoteLinks
    that switch quotation on and off at the outermost level are dropped from the result, as the
    classic instantiator does when it builds a rewrite (a quoted BindLink in a rewrite becomes a
    real BindLink).

    The atom returned is the one in ``space``; when nothing changes and ``atom`` is already in
    ``space``, it is ``atom`` itself. A closed DeleteLink produced here is given to
    :meth:`AtomSpace.add_link`, which deletes (and returns None for it) — that is the store's
    rule, not execution.

    >>> from atomtrig.core.atomspace import CoreAtomSpace as AtomSpace
    >>> space = AtomSpace()
    >>> x, c = space.add_node("Variable", "$x"), space.add_node("Concept", "c")
    >>> lam = space.add_link("Lambda", [x, space.add_link("List", [x])])
    >>> substitute(space, lam, {x: c}) is lam   # $x is bound by the LambdaLink
    True
    """
    if not bindings:
        if atom._space is space:
            return atom
        return space.add_atom(atom)
    result = _walk(space, atom, bindings, 0, consume_quotations)
    if result.__class__ is tuple:
        items: tuple[Atom, ...] = result  # type: ignore[assignment]
        if len(items) == 1:
            return items[0]
        return space.add_link(_LIST, items)
    return result  # type: ignore[return-value]


def _walk(
    space: AtomSpace,
    atom: Atom,
    bindings: Mapping[Atom, Binding],
    quotation: int,
    consume: bool,
) -> Binding:
    t = atom.type
    if atom.is_node():
        if quotation == 0 and _VARIABLE in t.ancestors:
            value = bindings.get(atom)
            if value is not None:
                if value.__class__ is tuple:
                    return tuple(a if a._space is space else space.add_atom(a) for a in value)  # type: ignore[union-attr]
                return value if value._space is space else space.add_atom(value)  # type: ignore[union-attr,arg-type]
        return atom if atom._space is space else space.add_atom(atom)

    ancestors = t.ancestors
    out = atom.out
    inner_quotation = quotation
    drop_wrapper = False
    if _QUOTE in ancestors:
        inner_quotation = quotation + 1
        drop_wrapper = consume and quotation == 0
    elif t is _UNQUOTE:
        inner_quotation = max(quotation - 1, 0)
        drop_wrapper = consume and quotation == 1

    inner = bindings
    if quotation == 0 and out:
        if _SCOPE in ancestors:
            first = out[0]
            if is_declaration(first):
                shadowed = declared_variables(first)
                if any(v in bindings for v in shadowed):
                    inner = {k: v for k, v in bindings.items() if k not in shadowed}
            else:
                # A scope link without a declaration binds every variable of its body.
                return atom if atom._space is space else space.add_atom(atom)
        elif t is _PUT and len(out) == 3 and is_declaration(out[0]):
            # (Put vardecl body args): the declared variables are the PutLink's own.
            shadowed = declared_variables(out[0])
            body_bindings = {k: v for k, v in bindings.items() if k not in shadowed}
            new_body = _walk_out(space, out[1:2], body_bindings, quotation, consume) if body_bindings else None
            new_args = _walk_out(space, out[2:], bindings, quotation, consume)
            if new_body is None and new_args is None:
                return atom if atom._space is space else space.add_atom(atom)
            return space.add_link(
                t, (_plain(space, out[0]),) + (new_body or (_plain(space, out[1]),)) + (new_args or (_plain(space, out[2]),))
            )
        elif t is _PUT:
            # The PutLink's body is a lambda: its free variables are its own.
            new_args = _walk_out(space, out[1:], bindings, quotation, consume)
            if new_args is None:
                return atom if atom._space is space else space.add_atom(atom)
            return space.add_link(t, (_plain(space, out[0]),) + new_args)

    if drop_wrapper and len(out) == 1:
        return _walk(space, out[0], inner, inner_quotation, consume)
    new_out = _walk_out(space, out, inner, inner_quotation, consume)
    if new_out is None:
        return atom if atom._space is space else space.add_atom(atom)
    return space.add_link(t, new_out)


def _plain(space: AtomSpace, atom: Atom) -> Atom:
    return atom if atom._space is space else space.add_atom(atom)


def _walk_out(
    space: AtomSpace,
    out: tuple[Atom, ...],
    bindings: Mapping[Atom, Binding],
    quotation: int,
    consume: bool,
) -> tuple[Atom, ...] | None:
    """The substituted outgoing set, or None when nothing changed."""
    changed = False
    result: list[Atom] = []
    for child in out:
        new = _walk(space, child, bindings, quotation, consume)
        if new.__class__ is tuple:
            result.extend(new)  # type: ignore[arg-type]
            changed = True
        else:
            if new is not child:
                changed = True
            result.append(new)  # type: ignore[arg-type]
    return tuple(result) if changed else None
