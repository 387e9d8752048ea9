"""Instantiating a rewrite for one grounding, as the classic instantiator does.

The template's free variables are replaced by their groundings and its executable sub-terms are
run: ExecutionOutputLink, arithmetic, PutLink, DeleteLink, CondLink, IfElseLink, nested
GetLink/BindLink... At the top of the template, ValueOfLink, TruthValueOfLink and SetValueLink
run too (inside a link they stay as they are: their results are Values, which no link can hold).
Evaluatable sub-terms (EvaluationLink, AndLink, EqualLink...) are data here. Scope links inside
the template — LambdaLink, SatisfyingSetLink, a PutLink's body, nested BindLink/GetLink — keep
their own bound variables: the grounding is substituted only into their free variables.
QuoteLinks at the outermost level are consumed (a quoted BindLink becomes a real BindLink);
UnquoteLink turns substitution back on inside them.

>>> from atomtrig.core.atomspace import AtomSpace
>>> import atomtrig.query
>>> space = AtomSpace()
>>> x = space.add_node("Variable", "$x")
>>> pair = space.add_link("List", [x, space.add_link("Times", [x, space.add_node("Number", 2)])])
>>> instantiate(space, pair, {x: space.add_node("Number", 21)}).short()
'(ListLink (NumberNode "21") (NumberNode "42"))'
>>> # A DeleteLink with no variable left deletes, and vanishes from the result:
>>> c = space.add_node("Concept", "c")
>>> doomed = space.add_link("Inheritance", [c, space.add_node("Concept", "old")])
>>> tmpl = space.add_link("List", [x, space.add_link("Delete", [space.add_link("Inheritance", [x, space.add_node("Concept", "old")])])])
>>> instantiate(space, tmpl, {x: c}).short(), doomed in space
('(ListLink (ConceptNode "c"))', False)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from atomtrig.core.types import types
from atomtrig.query.engine import (
    DATA_EXECUTABLE,
    EXECUTORS,
    Binding,
    Result,
    as_atom,
    build,
)

if TYPE_CHECKING:
    from atomtrig.core.atom import Atom
    from atomtrig.core.atomspace import AtomSpace

# Run when they are the whole template, though not inside a link (they give Values).
TOP_ONLY = frozenset(types.subtypes("ValueOfLink") | types.subtypes("SetValueLink"))


def instantiate(space: AtomSpace, template: Atom, grounding: Mapping[Atom, Binding]) -> Result:
    """``template`` instantiated for ``grounding`` (variable -> atom, glob -> tuple of atoms).

    Returns the resulting atom (added to ``space``), a Value (when the template is a
    ValueOfLink, or a function link that computes a FloatValue...), or None when the template
    was a DeleteLink that deleted.
    """
    t = template.type
    if t in DATA_EXECUTABLE or t in TOP_ONLY:
        return EXECUTORS[t](space, template, grounding)
    built = build(space, template, grounding, consume=True)
    return None if built is None else as_atom(built)
