"""Variable declarations: which atoms may ground a variable, and how many atoms a glob takes.

A declaration is a bare ``VariableNode``/``GlobNode`` (anything; a glob takes one or more
atoms), or ``(TypedVariableLink var restriction)`` where the restriction is

* ``(TypeNode "ConceptNode")`` — exactly that type (not its subtypes, as in the classic
  AtomSpace);
* ``(TypeChoice r1 r2 ...)`` — any of the restrictions;
* ``(SignatureLink pattern)`` — deep structural type: the candidate has the shape of
  ``pattern``, where a TypeNode or TypeChoice stands for any atom of those types and any other
  atom stands for itself;
* ``(IntervalLink (Number lo) (Number hi))`` — for globs: at least ``lo`` and at most ``hi``
  atoms (``hi`` negative: no upper bound). Inside a TypeChoice it combines with the type
  restrictions, which then apply to each atom of the run.

>>> from atomtrig.core.atomspace import CoreAtomSpace as AtomSpace
>>> space = AtomSpace()
>>> x = space.add_node("Variable", "$x")
>>> decl = space.add_link("TypedVariable", [x, space.add_node("Type", "ConceptNode")])
>>> spec = variable_spec(decl)
>>> spec.accepts(space.add_node("Concept", "cat")), spec.accepts(space.add_node("Predicate", "p"))
(True, False)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from atomtrig.core.errors import UnknownTypeError
from atomtrig.core.types import AtomType, types
from atomtrig.query.errors import PatternError

if TYPE_CHECKING:
    from atomtrig.core.atom import Atom

_VARIABLE = types["VariableNode"]
_GLOB = types["GlobNode"]
_TYPE_NODE = types["TypeNode"]
_TYPE_CHOICE = types["TypeChoice"]
_SIGNATURE = types["SignatureLink"]
_INTERVAL = types["IntervalLink"]
_TYPED_VARIABLE = types["TypedVariableLink"]
_NUMBER = types["NumberNode"]

Check = Callable[["Atom"], bool]

UNBOUNDED = -1


@dataclass(frozen=True)
class VariableSpec:
    """What may ground one variable: ``check`` (None: anything) and, for globs, the
    ``interval`` ``(lo, hi)`` of run lengths (``hi == -1``: unbounded)."""

    variable: Atom
    check: Check | None
    is_glob: bool
    interval: tuple[int, int]

    def accepts(self, atom: Atom) -> bool:
        """True if ``atom`` may ground the variable (for a glob: be one atom of its run)."""
        return self.check is None or self.check(atom)

    def accepts_run(self, run: tuple[Atom, ...]) -> bool:
        """For globs: True if the run's length is in the interval and each atom is accepted."""
        lo, hi = self.interval
        if len(run) < lo or (hi >= 0 and len(run) > hi):
            return False
        check = self.check
        return check is None or all(check(a) for a in run)


def variable_spec(declaration: Atom) -> VariableSpec:
    """The :class:`VariableSpec` of one declaration (a variable or a TypedVariableLink)."""
    t = declaration.type
    if _VARIABLE in t.ancestors:
        is_glob = t is _GLOB
        return VariableSpec(declaration, None, is_glob, (1, UNBOUNDED) if is_glob else (1, 1))
    if t is not _TYPED_VARIABLE:
        raise PatternError(
            f"a variable declaration must be a VariableNode, GlobNode or TypedVariableLink, "
            f"not {declaration.short()}"
        )
    if len(declaration.out) != 2 or _VARIABLE not in declaration.out[0].type.ancestors:
        raise PatternError(
            f"a TypedVariableLink must hold a variable and a type restriction: {declaration.short()}"
        )
    variable, restriction = declaration.out
    is_glob = variable.type is _GLOB
    interval: tuple[int, int] | None = None
    checks: list[Check] = []
    parts = restriction.out if restriction.type is _TYPE_CHOICE else (restriction,)
    if restriction.type is _TYPE_CHOICE and not parts:
        raise PatternError(f"an empty TypeChoice accepts nothing: {declaration.short()}")
    for part in parts:
        if part.type is _INTERVAL:
            if not is_glob:
                raise PatternError(
                    f"an IntervalLink restricts a GlobNode, not {variable.short()}: "
                    f"{declaration.short()}"
                )
            interval = _interval(part)
        else:
            checks.append(_restriction_check(part))
    check: Check | None
    if not checks:
        check = None
    elif len(checks) == 1:
        check = checks[0]
    else:
        alternatives = tuple(checks)

        def check(atom: Atom) -> bool:
            return any(c(atom) for c in alternatives)

    if interval is None:
        interval = (1, UNBOUNDED) if is_glob else (1, 1)
    return VariableSpec(variable, check, is_glob, interval)


def _interval(link: Atom) -> tuple[int, int]:
    out = link.out
    if len(out) != 2 or any(a.type is not _NUMBER for a in out):
        raise PatternError(f"an IntervalLink needs two NumberNodes (lo hi): {link.short()}")
    try:
        lo, hi = (float(a.name) for a in out)
    except ValueError:
        raise PatternError(f"an IntervalLink needs two plain numbers: {link.short()}") from None
    if lo != int(lo) or hi != int(hi) or lo < 0:
        raise PatternError(
            f"an IntervalLink's bounds must be whole numbers, lo >= 0: {link.short()}"
        )
    lo_i, hi_i = int(lo), int(hi)
    if hi_i < 0:
        hi_i = UNBOUNDED
    elif hi_i < lo_i:
        raise PatternError(f"an IntervalLink's upper bound is below its lower bound: {link.short()}")
    return lo_i, hi_i


def _type_of(node: Atom) -> AtomType:
    try:
        return types[node.name]
    except UnknownTypeError as error:
        raise PatternError(f"{node.short()} names no atom type: {error}") from None


def _restriction_check(restriction: Atom) -> Check:
    t = restriction.type
    if t is _TYPE_NODE:
        wanted = _type_of(restriction)
        return lambda atom: atom.type is wanted
    if t is _TYPE_CHOICE:
        inner = tuple(_restriction_check(p) for p in restriction.out)
        return lambda atom: any(c(atom) for c in inner)
    if t is _SIGNATURE:
        if len(restriction.out) != 1:
            raise PatternError(f"a SignatureLink holds exactly one atom: {restriction.short()}")
        shape = restriction.out[0]
        _validate_shape(shape)
        return lambda atom: deep_type_match(shape, atom)
    raise PatternError(
        f"a type restriction must be a TypeNode, TypeChoice or SignatureLink "
        f"(IntervalLink for globs), not {restriction.short()}"
    )


def _validate_shape(shape: Atom) -> None:
    if shape.type is _TYPE_NODE:
        _type_of(shape)
    for child in shape.out:
        _validate_shape(child)


def deep_type_match(shape: Atom, atom: Atom) -> bool:
    """True if ``atom`` has the structural type ``shape`` (the body of a SignatureLink).

    >>> from atomtrig.core.atomspace import CoreAtomSpace as AtomSpace
    >>> space = AtomSpace()
    >>> concept = space.add_node("Type", "ConceptNode")
    >>> shape = space.add_link("Inheritance", [concept, concept])
    >>> a, b = space.add_node("Concept", "a"), space.add_node("Concept", "b")
    >>> deep_type_match(shape, space.add_link("Inheritance", [a, b]))
    True
    >>> deep_type_match(shape, space.add_link("Inheritance", [a, space.add_node("Number", 1)]))
    False
    """
    t = shape.type
    if t is _TYPE_NODE:
        return atom.type is types[shape.name]
    if t is _TYPE_CHOICE:
        return any(deep_type_match(s, atom) for s in shape.out)
    if t is _SIGNATURE:
        return bool(shape.out) and deep_type_match(shape.out[0], atom)
    if shape.is_node():
        return atom is shape or (atom.type is t and atom.name == shape.name)
    if atom.type is not t or len(atom.out) != len(shape.out):
        return False
    if t.unordered and len(shape.out) > 1:
        return _assign(shape.out, atom.out)
    return all(deep_type_match(s, a) for s, a in zip(shape.out, atom.out))


def _assign(shapes: tuple[Atom, ...], atoms: tuple[Atom, ...]) -> bool:
    """An unordered outgoing set: some one-to-one pairing of shapes and atoms fits."""
    if not shapes:
        return not atoms
    first, rest = shapes[0], shapes[1:]
    for i, atom in enumerate(atoms):
        if deep_type_match(first, atom) and _assign(rest, atoms[:i] + atoms[i + 1 :]):
            return True
    return False
