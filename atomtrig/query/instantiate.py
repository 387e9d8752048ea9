"""Instantiating a rewrite for one grounding, as the classic instantiator does.

The template's free variables are replaced by their groundings and its executable sub-terms are
run: ExecutionOutputLink, arithmetic, PutLink, DeleteLink, CondLink, IfElseLink, nested
GetLink/BindLink... At the top of the template, ValueOfLink, TruthValueOfLink and SetValueLink
run too (inside a link they stay as they are: their results are Values, which no link can hold).
Evaluatable sub-terms (EvaluationLink, AndLink, EqualLink...) are data here. Scope links inside
the template — LambdaLink, SatisfyingSetLink, a PutLink's body, nested BindLink/GetLink — keep
their own bound variables: the grounding is substituted only into their free variables.
QuoteLinks at the outermost level are consumed (a quoted BindLink becomes a real BindLink);
UnquoteLink turns substitution back on inside them. A variable grounded by an executable link
(an ExecutionOutputLink, a PutLink, a GetLink...) has that link run when it is put into the
template, as the classic instantiator does (once: its result is not run again); quote it in the
store to keep it as data.

>>> from atomtrig.core.atomspace import CoreAtomSpace as AtomSpace
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

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from atomtrig.core.atom import Atom
from atomtrig.core.types import types
from atomtrig.query.engine import (
    DATA_EXECUTABLE,
    EMPTY,
    EXECUTORS,
    Binding,
    Result,
    as_atom,
    build,
    lookup,
    own,
)
from atomtrig.query.errors import ExecutionTypeError

if TYPE_CHECKING:
    from atomtrig.core.atomspace import CoreAtomSpace as AtomSpace

_VARIABLE = types["VariableNode"]
_QUOTE = types["QuoteLink"]
_SCOPE = types["ScopeLink"]

# Run when they are the whole template, though not inside a link (they give Values).
TOP_ONLY = frozenset(types.subtypes("ValueOfLink") | types.subtypes("SetValueLink"))


def instantiate(space: AtomSpace, template: Atom, grounding: Mapping[Atom, Binding]) -> Result:
    """``template`` instantiated for ``grounding`` (variable -> atom, glob -> tuple of atoms).

    Returns the resulting atom (added to ``space``), a Value (when the template is a
    ValueOfLink, or a function link that computes a FloatValue...), or None when the template
    was a DeleteLink that deleted. To instantiate one template for many groundings, compile it
    once with :func:`compile_template`.
    """
    return compile_template(template)(space, grounding)


Maker = Callable[["AtomSpace", Mapping["Atom", Binding]], Result]
_Part = Callable[["AtomSpace", Mapping["Atom", Binding]], Any]
_CONST = None  # a sub-template with nothing to replace or run


def compile_template(template: Atom, consume: bool = True) -> Maker:
    """A function ``make(space, grounding)`` doing what :func:`instantiate` does for
    ``template``, with the template's structure analysed once: which sub-terms hold variables,
    which are constant, which run. (A BindLink compiles its rewrite once per execution.)

    >>> from atomtrig.core.atomspace import CoreAtomSpace as AtomSpace
    >>> space = AtomSpace()
    >>> x = space.add_node("Variable", "$x")
    >>> make = compile_template(space.add_link("List", [x, space.add_node("Concept", "c")]))
    >>> [make(space, {x: space.add_node("Concept", n)}).out[0].name for n in ("a", "b")]
    ['a', 'b']
    """
    t = template.type
    if t in DATA_EXECUTABLE or t in TOP_ONLY:
        executor = EXECUTORS[t]
        return lambda space, env: executor(space, template, env)
    part = _compile(template, consume)
    if part is _CONST:
        return lambda space, env: own(space, template)

    def make(space: AtomSpace, env: Mapping[Atom, Binding]) -> Result:
        built = part(space, env)
        if built is None or built.__class__ is tuple:
            return None if built is None else as_atom(built)  # type: ignore[arg-type]
        return built  # type: ignore[return-value]

    return make


def _variable_part(variable: Atom) -> _Part:
    def part(space: AtomSpace, env: Mapping[Atom, Binding]) -> Any:
        value = lookup(space, variable, env)
        if value.__class__ is tuple or value is variable or value.type not in DATA_EXECUTABLE:  # type: ignore[union-attr]
            return value
        # The classic instantiator runs an executable grounding when it puts it into a rewrite
        # (once: what it gives is not run again). Quote the grounding to keep it as data.
        return EXECUTORS[value.type](space, value, EMPTY)  # type: ignore[union-attr,arg-type]

    return part


def _compile(atom: Atom, consume: bool) -> _Part | None:
    t = atom.type
    if atom.is_node():
        if _VARIABLE in t.ancestors:
            return _variable_part(atom)
        return _CONST
    if t in DATA_EXECUTABLE or _QUOTE in t.ancestors or _SCOPE in t.ancestors:
        # Executed, quoted or scoped: the general walk knows the rules.
        return lambda space, env: build(space, atom, env, consume)
    out = atom.out
    parts = [_compile(child, consume) for child in out]
    if all(p is _CONST for p in parts):
        return _CONST
    pairs = tuple(zip(out, parts))

    def make(space: AtomSpace, env: Mapping[Atom, Binding]) -> Binding | None:
        new_out: list[Atom] = []
        for child, child_part in pairs:
            if child_part is None:
                new_out.append(child if child._space is space else own(space, child))
                continue
            value = child_part(space, env)
            if value is None:
                continue
            if value.__class__ is tuple:
                new_out.extend(value)  # type: ignore[arg-type]
            elif isinstance(value, Atom):
                new_out.append(value)
            else:
                raise ExecutionTypeError(
                    f"{child.short()} gave {value!r} inside {atom.short()}, where only atoms can go"
                )
        return space.add_link(t, new_out)

    return make
